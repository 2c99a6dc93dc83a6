-- A dead letter whose SMEV signature (or attachments) failed the check is not
-- proven to come from the bus: it was acknowledged accepted=false, never
-- answered, and may only be closed, never run again. Rows kept before this
-- migration were all verified deliveries.

-- +goose Up
ALTER TABLE intake_dead_letters ADD COLUMN verified boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE intake_dead_letters DROP COLUMN verified;
