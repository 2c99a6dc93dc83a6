-- Cases: applications registered in an agency's registry, their documents,
-- their timeline, and the delivery of every status to the portal.
--
-- Keys lead with agency_id (see 00001). The registry's list is served by
-- btree indexes in the orders clerks sort by (due date first) and by GIN
-- indexes for Russian full-text search and trigram search of numbers and
-- names; btree_gin lets agency_id lead those GIN indexes as well.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The agency's information system in SMEV 3 (its mnemonic); agencies
-- without one do not use the bus.
ALTER TABLE agencies ADD COLUMN smev_mnemonic text UNIQUE CHECK (smev_mnemonic ~ '^[A-Za-z0-9_-]{2,64}$');

-- Gapless registry numbers: the counter row is updated in the transaction
-- that registers the case, so a rolled-back registration returns its number.
CREATE TABLE registry_counters (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    year      integer NOT NULL,
    last_seq  bigint NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE cases (
    agency_id            uuid NOT NULL REFERENCES agencies (id),
    id                   uuid NOT NULL,
    number               text NOT NULL,
    service_type_id      uuid NOT NULL,
    service_type_version integer NOT NULL,
    status               text NOT NULL CHECK (status IN ('registered', 'in_progress', 'awaiting_applicant',
                             'on_approval', 'decision_signed', 'result_sent', 'refused', 'cancelled')),
    channel              text NOT NULL CHECK (channel IN ('portal', 'office')),
    applicant_kind       text NOT NULL,
    applicant_name       text NOT NULL,
    applicant_snils      text NOT NULL DEFAULT '',
    applicant_inn        text NOT NULL DEFAULT '',
    applicant_ogrn       text NOT NULL DEFAULT '',
    applicant            jsonb NOT NULL,
    fields               jsonb NOT NULL,
    region               text NOT NULL DEFAULT '',
    problems             jsonb NOT NULL DEFAULT '[]',
    received_at          timestamptz NOT NULL,
    registered_at        timestamptz NOT NULL,
    due_date             date NOT NULL,
    department_id        uuid,
    executor_id          uuid,
    portal_order_id      text NOT NULL DEFAULT '',
    -- The SMEV MessageId the application came with: a redelivered message
    -- finds its case instead of making a second one.
    bus_message_id       text,
    reply_to             text NOT NULL DEFAULT '',
    decision_signed_at   timestamptz,
    closed_at            timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    search               tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, number || ' ' || applicant_name), 'A') ||
        setweight(to_tsvector('simple'::regconfig, applicant_snils || ' ' || applicant_inn || ' ' || applicant_ogrn || ' ' || portal_order_id), 'A') ||
        setweight(jsonb_to_tsvector('russian'::regconfig, fields, '["string"]'), 'B')
    ) STORED,
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, number),
    FOREIGN KEY (agency_id, service_type_id) REFERENCES service_types (agency_id, id),
    FOREIGN KEY (agency_id, department_id) REFERENCES departments (agency_id, id),
    FOREIGN KEY (agency_id, executor_id) REFERENCES users (agency_id, id)
);
CREATE UNIQUE INDEX cases_bus_message ON cases (agency_id, bus_message_id) WHERE bus_message_id IS NOT NULL;
CREATE INDEX cases_due ON cases (agency_id, due_date, id);
CREATE INDEX cases_status_due ON cases (agency_id, status, due_date, id);
CREATE INDEX cases_executor_due ON cases (agency_id, executor_id, due_date, id);
CREATE INDEX cases_department_due ON cases (agency_id, department_id, due_date, id);
CREATE INDEX cases_received ON cases (agency_id, received_at DESC, id);
CREATE INDEX cases_search ON cases USING gin (agency_id, search);
CREATE INDEX cases_number_trgm ON cases USING gin (agency_id, number gin_trgm_ops);
CREATE INDEX cases_applicant_trgm ON cases USING gin (agency_id, applicant_name gin_trgm_ops);

CREATE TABLE case_documents (
    agency_id        uuid NOT NULL,
    case_id          uuid NOT NULL,
    id               uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('application', 'attachment', 'result')),
    title            text NOT NULL,
    file_name        text NOT NULL,
    mime_type        text NOT NULL,
    size_bytes       bigint NOT NULL,
    sha256           bytea NOT NULL,
    streebog256      bytea NOT NULL,
    blob_key         text NOT NULL,
    -- What the detached signature that came with the file says, if any.
    signature_status text NOT NULL CHECK (signature_status IN ('none', 'valid', 'invalid')),
    signature_info   text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, case_id) REFERENCES cases (agency_id, id)
);
CREATE INDEX case_documents_case ON case_documents (agency_id, case_id, created_at);

-- The timeline: everything that happened to a case, in order.
CREATE TABLE case_events (
    agency_id   uuid NOT NULL,
    case_id     uuid NOT NULL,
    seq         integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    actor_name  text NOT NULL,
    kind        text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL DEFAULT '',
    comment     text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (agency_id, case_id, seq),
    FOREIGN KEY (agency_id, case_id) REFERENCES cases (agency_id, id)
);

-- Every bus message that changed a case is named in its event, so a
-- redelivered supplement is recognised as well as a redelivered application.
CREATE UNIQUE INDEX case_events_bus_message ON case_events (agency_id, (data->>'bus_message_id'))
    WHERE data->>'bus_message_id' <> '';

-- Delivery of each status to the applicant's cabinet, written with the
-- status change; the outbox job updates it until the bus accepts.
CREATE TABLE status_deliveries (
    agency_id   uuid NOT NULL,
    case_id     uuid NOT NULL,
    event_seq   integer NOT NULL,
    elk_status  integer NOT NULL,
    state       text NOT NULL CHECK (state IN ('queued', 'sent', 'accepted', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    message_id  text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, case_id, event_seq),
    FOREIGN KEY (agency_id, case_id, event_seq) REFERENCES case_events (agency_id, case_id, seq)
);
CREATE INDEX status_deliveries_pending ON status_deliveries (agency_id, case_id, event_seq) WHERE state = 'queued';
CREATE INDEX status_deliveries_message ON status_deliveries (agency_id, message_id) WHERE message_id <> '';

-- Applications refused at intake (wrong form, rule says reject): kept so that
-- nothing from the bus is ever silently dropped.
CREATE TABLE intake_rejections (
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    bus_message_id text NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    namespace_uri  text NOT NULL,
    root_element   text NOT NULL,
    reason_code    text NOT NULL,
    reason         text NOT NULL,
    reply_to       text NOT NULL,
    response_state text NOT NULL CHECK (response_state IN ('queued', 'accepted', 'failed')),
    -- Fixed before the first send, so a retry after a lost reply is the same message.
    response_message_id text NOT NULL DEFAULT '',
    PRIMARY KEY (agency_id, bus_message_id)
);

CREATE TABLE saved_filters (
    agency_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    query      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, user_id, name),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
);

ALTER TABLE registry_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE status_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE intake_rejections ENABLE ROW LEVEL SECURITY;
ALTER TABLE saved_filters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry_counters USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON cases USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON case_documents USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON case_events USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON status_deliveries USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON intake_rejections USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON saved_filters USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());

GRANT SELECT, INSERT, UPDATE ON registry_counters, cases, status_deliveries, intake_rejections TO okno_app;
GRANT SELECT, INSERT ON case_documents, case_events TO okno_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON saved_filters TO okno_app;

-- +goose Down
DROP TABLE saved_filters, intake_rejections, status_deliveries, case_events, case_documents, cases, registry_counters;
ALTER TABLE agencies DROP COLUMN smev_mnemonic;
