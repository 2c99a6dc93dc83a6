-- The registry reads cases directly, under their row-level security policy.
--
-- A policy is itself a security barrier: a caller's condition that is not
-- leakproof runs after the policy's agency condition, so a failing cast
-- cannot show another agency's values. Since search moved into
-- registry_search (00006), every other condition of the registry (=, = ANY,
-- date and row comparisons) is leakproof, and the planner walks the ordered
-- indexes with the policy's condition, which it could not do through the
-- security_barrier view registry_cases. The view is no longer read.
--
-- Search also finds a case by its representative's name (an organisation's
-- applicant keeps its representative's name parts) and by the applicant's
-- e-mail: in the full-text vector and in applicant_contacts, trigram-indexed.
--
-- Cases due the same day are listed by number, then id; the due-date indexes
-- keep that order so that a page and its keyset cursor walk them.
--
-- drafts: what a user typed into a long form and has not sent, per form key
-- (internal/drafts), capped at 64 KiB and expiring after a week.

-- +goose Up
DROP VIEW registry_cases;

DROP INDEX cases_search;
ALTER TABLE cases DROP COLUMN search;
ALTER TABLE cases ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian'::regconfig, number || ' ' || applicant_name), 'A') ||
    setweight(to_tsvector('simple'::regconfig, applicant_snils || ' ' || applicant_inn || ' ' || applicant_ogrn || ' ' || portal_order_id), 'A') ||
    setweight(to_tsvector('russian'::regconfig, coalesce(applicant->>'last_name', '') || ' ' ||
        coalesce(applicant->>'first_name', '') || ' ' || coalesce(applicant->>'middle_name', '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(applicant->>'email', '')), 'A') ||
    setweight(jsonb_to_tsvector('russian'::regconfig, fields, '["string"]'), 'B')
) STORED;
CREATE INDEX cases_search ON cases USING gin (agency_id, search);

ALTER TABLE cases ADD COLUMN applicant_contacts text GENERATED ALWAYS AS (
    coalesce(applicant->>'last_name', '') || ' ' || coalesce(applicant->>'first_name', '') || ' ' ||
    coalesce(applicant->>'middle_name', '') || ' ' || coalesce(applicant->>'email', '')
) STORED;
CREATE INDEX cases_contacts_trgm ON cases USING gin (agency_id, applicant_contacts gin_trgm_ops);

DROP INDEX cases_due;
DROP INDEX cases_status_due;
DROP INDEX cases_executor_due;
DROP INDEX cases_department_due;
DROP INDEX cases_service_type_due;
CREATE INDEX cases_due ON cases (agency_id, due_date, number, id);
CREATE INDEX cases_status_due ON cases (agency_id, status, due_date, number, id);
CREATE INDEX cases_executor_due ON cases (agency_id, executor_id, due_date, number, id);
CREATE INDEX cases_department_due ON cases (agency_id, department_id, due_date, number, id);
CREATE INDEX cases_service_type_due ON cases (agency_id, service_type_id, due_date, number, id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION registry_search(p_search text, p_like text) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF p_like IS NULL THEN
        EXECUTE 'SELECT array_agg(id) FROM cases WHERE agency_id = current_agency_id()
                 AND search @@ websearch_to_tsquery(''russian'', $1)'
            INTO v_ids USING p_search;
    ELSE
        EXECUTE 'SELECT array_agg(id) FROM cases WHERE agency_id = current_agency_id()
                 AND (search @@ websearch_to_tsquery(''russian'', $1) OR number ILIKE $2
                      OR applicant_name ILIKE $2 OR applicant_contacts ILIKE $2)'
            INTO v_ids USING p_search, p_like;
    END IF;
    RETURN coalesce(v_ids, '{}');
END $$;
-- +goose StatementEnd

CREATE TABLE drafts (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    user_id   uuid NOT NULL,
    form_key  text NOT NULL CHECK (octet_length(form_key) BETWEEN 1 AND 200),
    body      jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object' AND octet_length(body::text) <= 65536),
    saved_at  timestamptz NOT NULL,
    PRIMARY KEY (agency_id, user_id, form_key),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
);
ALTER TABLE drafts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON drafts USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON drafts TO okno_app;

-- +goose Down
DROP TABLE drafts;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION registry_search(p_search text, p_like text) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF p_like IS NULL THEN
        EXECUTE 'SELECT array_agg(id) FROM cases WHERE agency_id = current_agency_id()
                 AND search @@ websearch_to_tsquery(''russian'', $1)'
            INTO v_ids USING p_search;
    ELSE
        EXECUTE 'SELECT array_agg(id) FROM cases WHERE agency_id = current_agency_id()
                 AND (search @@ websearch_to_tsquery(''russian'', $1) OR number ILIKE $2 OR applicant_name ILIKE $2)'
            INTO v_ids USING p_search, p_like;
    END IF;
    RETURN coalesce(v_ids, '{}');
END $$;
-- +goose StatementEnd
DROP INDEX cases_due;
DROP INDEX cases_status_due;
DROP INDEX cases_executor_due;
DROP INDEX cases_department_due;
DROP INDEX cases_service_type_due;
CREATE INDEX cases_due ON cases (agency_id, due_date, id);
CREATE INDEX cases_status_due ON cases (agency_id, status, due_date, id);
CREATE INDEX cases_executor_due ON cases (agency_id, executor_id, due_date, id);
CREATE INDEX cases_department_due ON cases (agency_id, department_id, due_date, id);
CREATE INDEX cases_service_type_due ON cases (agency_id, service_type_id, due_date, id);
DROP INDEX cases_contacts_trgm;
ALTER TABLE cases DROP COLUMN applicant_contacts;
DROP INDEX cases_search;
ALTER TABLE cases DROP COLUMN search;
ALTER TABLE cases ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian'::regconfig, number || ' ' || applicant_name), 'A') ||
    setweight(to_tsvector('simple'::regconfig, applicant_snils || ' ' || applicant_inn || ' ' || applicant_ogrn || ' ' || portal_order_id), 'A') ||
    setweight(jsonb_to_tsvector('russian'::regconfig, fields, '["string"]'), 'B')
) STORED;
CREATE INDEX cases_search ON cases USING gin (agency_id, search);
CREATE VIEW registry_cases WITH (security_barrier = true) AS
    SELECT agency_id, id, number, service_type_id, status, applicant_name, received_at, due_date,
           department_id, executor_id, search
    FROM cases
    WHERE agency_id = current_agency_id();
GRANT SELECT ON registry_cases TO okno_app;
