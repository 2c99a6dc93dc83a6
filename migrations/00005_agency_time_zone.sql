-- Each agency's time zone: the registry's year, due dates, "today" and the
-- registry's date filters follow the agency's local day, not the server's.
-- Russia spans eleven zones; Moscow is the default for existing agencies.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION is_time_zone(name text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    PERFORM now() AT TIME ZONE name;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END $$;
-- +goose StatementEnd

ALTER TABLE agencies ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Moscow'
    CHECK (is_time_zone(time_zone));

-- +goose Down
ALTER TABLE agencies DROP COLUMN time_zone;
DROP FUNCTION is_time_zone(text);
