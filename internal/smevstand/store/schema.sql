-- The SMEV 3 stand's own schema. Idempotent: every stand process runs it on
-- start, under an advisory lock, so processes sharing a database agree.
CREATE SCHEMA IF NOT EXISTS smevstand;

-- Every message the bus accepted. id is the sender's MessageID, which SMEV
-- keeps as MessageMetadata/MessageId, so a repeated id is MessageIsAlreadySent.
CREATE TABLE IF NOT EXISTS smevstand.message (
    id                 uuid PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('REQUEST', 'RESPONSE')),
    sender             text NOT NULL,
    recipient          text NOT NULL,
    namespace          text NOT NULL,
    root_element       text NOT NULL,
    -- For a response: the root element of the request it answers, so a
    -- GetResponse selector may name either type.
    request_root       text NOT NULL DEFAULT '',
    reference_id       uuid,
    original_id        uuid,
    transaction_code   text,
    reply_to           text,
    payload            bytea NOT NULL,
    sender_signature   bytea,
    fs_attachments     jsonb NOT NULL DEFAULT '[]',
    sent_at            timestamptz NOT NULL,
    visible_at         timestamptz NOT NULL,
    delivered_at       timestamptz,
    delivery_count     integer NOT NULL DEFAULT 0,
    acked_at           timestamptz,
    accepted           boolean
);
-- Size of the message's attachments (inline and in the file storage): a
-- large message gets longer to be processed before it is delivered again.
ALTER TABLE smevstand.message ADD COLUMN IF NOT EXISTS attachment_bytes bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS message_queue_idx
    ON smevstand.message (recipient, kind, namespace, root_element, visible_at)
    WHERE acked_at IS NULL;

-- Inline (MTOM-style) attachment content, kept beside the message so the
-- signed headers and the unsigned content are delivered together.
CREATE TABLE IF NOT EXISTS smevstand.attachment (
    message_id  uuid NOT NULL REFERENCES smevstand.message (id) ON DELETE CASCADE,
    content_id  text NOT NULL,
    content     bytea NOT NULL,
    PRIMARY KEY (message_id, content_id)
);

-- Asynchronous processing statuses waiting for the sender's GetStatus.
CREATE TABLE IF NOT EXISTS smevstand.status_event (
    id            bigserial PRIMARY KEY,
    recipient     text NOT NULL,
    message_id    uuid NOT NULL,
    category      text NOT NULL,
    details       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS status_event_recipient_idx ON smevstand.status_event (recipient, id);

-- The file storage for large attachments (what SMEV serves by FTP).
CREATE TABLE IF NOT EXISTS smevstand.file (
    uuid        uuid PRIMARY KEY,
    owner       text NOT NULL,
    file_name   text NOT NULL,
    mime_type   text NOT NULL,
    hash        text NOT NULL,
    content     bytea NOT NULL,
    password    text NOT NULL,
    uploaded_at timestamptz NOT NULL
);

-- Work a simulated participant (portal, provider agency) has promised to do
-- at due_at; kept here so a restart or another stand process finishes it.
CREATE TABLE IF NOT EXISTS smevstand.task (
    id          bigserial PRIMARY KEY,
    participant text NOT NULL,
    kind        text NOT NULL,
    due_at      timestamptz NOT NULL,
    payload     jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS task_due_idx ON smevstand.task (participant, due_at);
-- Failed attempts so far: a failing task waits longer each time instead of
-- coming first again at every step.
ALTER TABLE smevstand.task ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;

-- The portal's side: applications citizens filed and what came back.
CREATE TABLE IF NOT EXISTS smevstand.application (
    id              uuid PRIMARY KEY,
    order_number    bigserial UNIQUE,
    service_code    text NOT NULL,
    service_name    text NOT NULL,
    recipient       text NOT NULL,
    applicant_name  text NOT NULL,
    applicant       jsonb NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS smevstand.application_event (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES smevstand.application (id) ON DELETE CASCADE,
    at             timestamptz NOT NULL,
    direction      text NOT NULL CHECK (direction IN ('out', 'in')),
    status_code    integer,
    title          text NOT NULL,
    comment        text NOT NULL DEFAULT '',
    message_id     uuid,
    files          jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS application_event_app_idx ON smevstand.application_event (application_id, at);
