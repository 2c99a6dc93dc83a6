-- A bus message that intake (or the outbox, for the portal's answers) fails
-- to process is counted here, one row per message; after the configured
-- number of attempts it is answered as the protocol allows (RequestRejected
-- for a request, Ack accepted=false for a response), acknowledged, and kept
-- as a dead letter the platform administrator can run again or close.

-- +goose Up
CREATE TABLE intake_dead_letters (
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    bus_message_id text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('request', 'response')),
    -- failing: still retried from the bus; dead: answered and kept here;
    -- closed: taken again by hand, or closed by a person with a reason.
    state          text NOT NULL CHECK (state IN ('failing', 'dead', 'closed')),
    attempts       integer NOT NULL CHECK (attempts > 0),
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    reason         text NOT NULL,
    -- The SOAP envelope as received, and the whole delivery with its
    -- attachments (smevclient.Delivery.Keep) for running it again.
    envelope       bytea NOT NULL,
    delivery       bytea NOT NULL,
    closed_at      timestamptz,
    closed_reason  text NOT NULL DEFAULT '' CHECK (length(closed_reason) <= 1000),
    PRIMARY KEY (agency_id, bus_message_id)
);
CREATE INDEX intake_dead_letters_state ON intake_dead_letters (agency_id, state, last_seen DESC);

ALTER TABLE intake_dead_letters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON intake_dead_letters USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
GRANT SELECT, INSERT, UPDATE ON intake_dead_letters TO okno_app;

-- +goose Down
DROP TABLE intake_dead_letters;
