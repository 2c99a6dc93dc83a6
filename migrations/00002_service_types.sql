-- Service types and the business calendar.
--
-- A service type is configuration, never code: it says which portal form
-- (namespace + root element) it accepts, how the form maps onto a case card
-- (mapping, fields), which documents are required, how registry numbers look
-- and how many working days the regulation allows. Its shape is checked by
-- internal/forms before it is written; the checks here only keep the table
-- consistent when someone edits it by hand.
--
-- The business calendar holds only the exceptions to "Monday to Friday":
-- holidays (including transferred days off) and working Saturdays or Sundays.

-- +goose Up
CREATE TABLE service_types (
    agency_id             uuid NOT NULL REFERENCES agencies (id),
    id                    uuid NOT NULL,
    code                  text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9-]{0,15}$'),
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    namespace_uri         text NOT NULL CHECK (length(namespace_uri) BETWEEN 1 AND 1000),
    root_element          text NOT NULL CHECK (length(root_element) BETWEEN 1 AND 200),
    registry_pattern      text NOT NULL CHECK (registry_pattern LIKE '%{seq%'),
    deadline_working_days integer NOT NULL CHECK (deadline_working_days BETWEEN 1 AND 365),
    on_problem            text NOT NULL CHECK (on_problem IN ('register', 'reject')),
    fields                jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'array'),
    required_documents    jsonb NOT NULL CHECK (jsonb_typeof(required_documents) = 'array'),
    mapping               jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'object'),
    version               integer NOT NULL CHECK (version >= 1),
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, code)
);
-- One active service type per portal form, so intake never has to choose.
CREATE UNIQUE INDEX service_types_form ON service_types (agency_id, namespace_uri, root_element) WHERE active;

CREATE TABLE business_days (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    day       date NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    note      text NOT NULL DEFAULT '' CHECK (length(note) <= 300),
    PRIMARY KEY (agency_id, day)
);

ALTER TABLE service_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_days ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant ON service_types
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON business_days
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());

GRANT SELECT, INSERT, UPDATE ON service_types TO okno_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON business_days TO okno_app;

-- +goose Down
DROP TABLE business_days, service_types;
