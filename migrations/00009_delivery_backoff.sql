-- A status delivery that cannot go (the bus refuses it, or an earlier status
-- of the case is still on its way) is retried with a growing delay, and
-- after a while marked stuck so the case card and the metric show it; an
-- administrator may retry it at once or cancel it ("cancelled", with the
-- reason). tries counts the attempts since the last retry by hand and sets
-- the delay; first_tried_at is when that count started; job_id is the
-- River job that carries the delivery, so the retry by hand can wake it.

-- +goose Up
ALTER TABLE status_deliveries
    ADD COLUMN tries integer NOT NULL DEFAULT 0,
    ADD COLUMN first_tried_at timestamptz,
    ADD COLUMN stuck_since timestamptz,
    ADD COLUMN job_id bigint,
    ADD COLUMN cancel_reason text NOT NULL DEFAULT '',
    DROP CONSTRAINT status_deliveries_state_check,
    ADD CONSTRAINT status_deliveries_state_check CHECK (state IN ('queued', 'sent', 'accepted', 'failed', 'cancelled'));
CREATE INDEX status_deliveries_stuck ON status_deliveries (agency_id) WHERE stuck_since IS NOT NULL AND state IN ('queued', 'sent');

-- +goose Down
DROP INDEX status_deliveries_stuck;
UPDATE status_deliveries SET state = 'failed' WHERE state = 'cancelled';
ALTER TABLE status_deliveries
    DROP CONSTRAINT status_deliveries_state_check,
    ADD CONSTRAINT status_deliveries_state_check CHECK (state IN ('queued', 'sent', 'accepted', 'failed')),
    DROP COLUMN tries, DROP COLUMN first_tried_at, DROP COLUMN stuck_since, DROP COLUMN job_id, DROP COLUMN cancel_reason;
