-- The registry list's read path.
--
-- Row-level security lets the planner use an index only for leakproof
-- operators: full-text match (@@) and ILIKE are not leakproof, so under the
-- cases policy their GIN indexes go unused and a search reads the agency's
-- whole table. registry_cases is a plain (not security_barrier) view owned by
-- the migration owner, to whom the policy does not apply; it scopes rows to
-- the transaction's agency itself, with the very condition of the policy, so
-- the search conditions reach the GIN indexes. The application reads it and
-- cannot write through it. Its queries are written by us, never by users, so
-- the ordering of leaky quals that a security barrier guards against does
-- not matter here.

-- +goose Up
CREATE VIEW registry_cases AS
    SELECT agency_id, id, number, service_type_id, status, applicant_name, received_at, due_date,
           department_id, executor_id, search
    FROM cases
    WHERE agency_id = current_agency_id();
GRANT SELECT ON registry_cases TO okno_app;

-- Filtering by service type in the default order (most urgent first).
CREATE INDEX cases_service_type_due ON cases (agency_id, service_type_id, due_date, id);

-- +goose Down
DROP INDEX cases_service_type_due;
DROP VIEW registry_cases;
