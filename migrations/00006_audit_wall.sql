-- The second wall: what the application role can no longer do even when a
-- query of ours is turned against us (an injection, a stolen app password).
--
-- Audit log: only audit_append_entries, a SECURITY DEFINER function, writes
-- audit_log and audit_heads. It takes the agency, the actor and the time
-- from the transaction (app.agency_id, app.actor_*, now()), never from its
-- arguments, and appends a transaction's whole batch at once, just before
-- commit (internal/database.InAgency), so the agency's head row is locked
-- only from there to the commit.
--
-- Anchors: the agency's head (seq, hash), signed with a GOST R 34.10-2012
-- key outside the database, kept in audit_anchors (append-only, written only
-- by audit_add_anchor) and in a file outside the database; a chain the owner
-- rewrote or cut shows against them (internal/audit.Verifier).
--
-- registry_cases becomes a security_barrier view: the caller's conditions
-- run after its agency condition, so a failing cast cannot show another
-- agency's values in its error. Full-text and trigram search, which are not
-- leakproof and so cannot reach the GIN indexes through a barrier, are
-- answered by registry_search inside the agency condition.
--
-- agencies and login_directory: readable by all (the login form needs them
-- before any scope), writable only in the agency's own scope.

-- +goose Up
DROP FUNCTION audit_append(uuid, text, text, text, text, text, jsonb);
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log, audit_heads FROM okno_app;

-- +goose StatementBegin
CREATE FUNCTION audit_append_entries(p_entries jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_agency uuid := current_agency_id();
    v_actor  uuid := NULLIF(current_setting('app.actor_id', true), '')::uuid;
    v_login  text := NULLIF(current_setting('app.actor_login', true), '');
    v_ip     text := coalesce(NULLIF(current_setting('app.actor_ip', true), ''), '-');
    v_at     timestamptz := now();
    v_seq    bigint;
    v_prev   bytea;
    v_hash   bytea;
    e        jsonb;
BEGIN
    IF v_agency IS NULL THEN
        RAISE EXCEPTION 'audit_append_entries: no agency scope in this transaction';
    END IF;
    IF v_login IS NULL THEN
        RAISE EXCEPTION 'audit_append_entries: no actor in this transaction';
    END IF;
    IF jsonb_typeof(p_entries) IS DISTINCT FROM 'array' OR jsonb_array_length(p_entries) = 0 THEN
        RAISE EXCEPTION 'audit_append_entries: entries must be a non-empty array';
    END IF;
    INSERT INTO audit_heads (agency_id, seq, hash) VALUES (v_agency, 0, ''::bytea)
        ON CONFLICT (agency_id) DO NOTHING;
    -- The row lock serialises appends per agency, so the chain never forks.
    SELECT seq, hash INTO v_seq, v_prev FROM audit_heads WHERE agency_id = v_agency FOR UPDATE;
    FOR e IN SELECT value FROM jsonb_array_elements(p_entries) LOOP
        IF jsonb_typeof(e->'details') IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION 'audit_append_entries: details must be an object';
        END IF;
        v_seq := v_seq + 1;
        v_hash := audit_row_hash(v_agency, v_seq, v_prev, v_at, v_actor, v_login, e->>'action',
                                 e->>'object_type', e->>'object_id', v_ip, e->'details');
        INSERT INTO audit_log (agency_id, seq, occurred_at, actor_id, actor_login, action, object_type,
                               object_id, client_ip, details, prev_hash, hash)
        VALUES (v_agency, v_seq, v_at, v_actor, v_login, e->>'action', e->>'object_type', e->>'object_id',
                v_ip, e->'details', v_prev, v_hash);
        v_prev := v_hash;
    END LOOP;
    UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE agency_id = v_agency;
    RETURN v_seq;
END $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION audit_append_entries(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append_entries(jsonb) TO okno_app;

CREATE TABLE audit_anchors (
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    seq         bigint NOT NULL,
    hash        bytea NOT NULL,
    signed_at   timestamptz NOT NULL,
    certificate bytea NOT NULL, -- DER of the signing certificate
    signature   bytea NOT NULL, -- GOST R 34.10-2012 over the anchor's statement (internal/audit)
    PRIMARY KEY (agency_id, seq)
);
CREATE TRIGGER audit_anchors_immutable BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
ALTER TABLE audit_anchors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audit_anchors
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
GRANT SELECT ON audit_anchors TO okno_app;

-- audit_add_anchor keeps a signed head; it refuses a head the log does not
-- hold and a signing time other than the transaction's.
-- +goose StatementBegin
CREATE FUNCTION audit_add_anchor(p_seq bigint, p_hash bytea, p_signed_at timestamptz,
                                 p_certificate bytea, p_signature bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_agency uuid := current_agency_id();
BEGIN
    IF v_agency IS NULL THEN
        RAISE EXCEPTION 'audit_add_anchor: no agency scope in this transaction';
    END IF;
    IF p_signed_at <> now() THEN
        RAISE EXCEPTION 'audit_add_anchor: an anchor is signed at the time of its transaction';
    END IF;
    IF NOT EXISTS (SELECT FROM audit_log WHERE agency_id = v_agency AND seq = p_seq AND hash = p_hash) THEN
        RAISE EXCEPTION 'audit_add_anchor: the log holds no entry % with this hash', p_seq;
    END IF;
    INSERT INTO audit_anchors (agency_id, seq, hash, signed_at, certificate, signature)
    VALUES (v_agency, p_seq, p_hash, p_signed_at, p_certificate, p_signature);
END $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION audit_add_anchor(bigint, bytea, timestamptz, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_add_anchor(bigint, bytea, timestamptz, bytea, bytea) TO okno_app;

ALTER VIEW registry_cases SET (security_barrier = true);

-- registry_search returns the ids of the agency's cases that match a search:
-- Russian full text, and the number or the applicant's name containing
-- p_like (an ILIKE pattern; NULL for input too short for trigrams). Each
-- call is planned with its values (EXECUTE), as the registry's list is.
-- +goose StatementBegin
CREATE FUNCTION registry_search(p_search text, p_like text) RETURNS uuid[]
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
REVOKE EXECUTE ON FUNCTION registry_search(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_search(text, text) TO okno_app;

-- Agencies: created by the platform administrator in the new agency's own
-- scope (people.CreateAgency, SeedAgency) or by installation tooling; an
-- agency changes only its own settings.
ALTER TABLE agencies ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON agencies FOR SELECT USING (true);
CREATE POLICY created ON agencies FOR INSERT WITH CHECK (true);
CREATE POLICY own ON agencies FOR UPDATE
    USING (id = current_agency_id()) WITH CHECK (id = current_agency_id());
REVOKE UPDATE ON agencies FROM okno_app;
GRANT UPDATE (require_second_factor) ON agencies TO okno_app;

-- The login directory: a login is entered with its user, in the user's
-- agency; nothing rewrites an entry (a user's login never changes).
ALTER TABLE login_directory ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON login_directory FOR SELECT USING (true);
CREATE POLICY own_insert ON login_directory FOR INSERT WITH CHECK (agency_id = current_agency_id());
CREATE POLICY own_delete ON login_directory FOR DELETE USING (agency_id = current_agency_id());
REVOKE UPDATE ON login_directory FROM okno_app;

-- +goose Down
GRANT UPDATE ON login_directory TO okno_app;
DROP POLICY own_delete ON login_directory;
DROP POLICY own_insert ON login_directory;
DROP POLICY readable ON login_directory;
ALTER TABLE login_directory DISABLE ROW LEVEL SECURITY;
REVOKE UPDATE (require_second_factor) ON agencies FROM okno_app;
GRANT UPDATE ON agencies TO okno_app;
DROP POLICY own ON agencies;
DROP POLICY created ON agencies;
DROP POLICY readable ON agencies;
ALTER TABLE agencies DISABLE ROW LEVEL SECURITY;
DROP FUNCTION registry_search(text, text);
ALTER VIEW registry_cases SET (security_barrier = false);
DROP FUNCTION audit_add_anchor(bigint, bytea, timestamptz, bytea, bytea);
DROP TABLE audit_anchors;
DROP FUNCTION audit_append_entries(jsonb);
GRANT INSERT ON audit_log TO okno_app;
GRANT INSERT, UPDATE ON audit_heads TO okno_app;
-- +goose StatementBegin
CREATE FUNCTION audit_append(
    p_actor uuid, p_actor_login text, p_action text, p_object_type text, p_object_id text,
    p_ip text, p_details jsonb
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_agency uuid := current_agency_id();
    v_seq    bigint;
    v_prev   bytea;
    v_at     timestamptz := clock_timestamp();
    v_hash   bytea;
BEGIN
    IF v_agency IS NULL THEN
        RAISE EXCEPTION 'audit_append: no agency scope in this transaction';
    END IF;
    INSERT INTO audit_heads (agency_id, seq, hash) VALUES (v_agency, 0, ''::bytea)
        ON CONFLICT (agency_id) DO NOTHING;
    SELECT seq, hash INTO v_seq, v_prev FROM audit_heads WHERE agency_id = v_agency FOR UPDATE;
    v_seq := v_seq + 1;
    v_hash := audit_row_hash(v_agency, v_seq, v_prev, v_at, p_actor, p_actor_login, p_action,
                             p_object_type, p_object_id, p_ip, p_details);
    INSERT INTO audit_log (agency_id, seq, occurred_at, actor_id, actor_login, action, object_type,
                           object_id, client_ip, details, prev_hash, hash)
    VALUES (v_agency, v_seq, v_at, p_actor, p_actor_login, p_action, p_object_type, p_object_id,
            p_ip, p_details, v_prev, v_hash);
    UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE agency_id = v_agency;
    RETURN v_seq;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION audit_append(uuid, text, text, text, text, text, jsonb) TO okno_app;
