-- Foundation: agencies (tenants), departments, people, sessions and the audit log.
--
-- Tenancy: every tenant-owned table carries agency_id, which leads its primary
-- key and every unique key, so the schema can later be distributed by agency_id.
-- Row-level security restricts rows to the agency set for the current
-- transaction (set_config('app.agency_id', ..., true)); an unset setting reads
-- as '' and matches nothing, so a forgotten scope fails closed. The app runs as
-- role okno_app, which owns nothing and cannot bypass RLS; migrations run as the
-- owner. Reference tables (agencies, login_directory) have no agency scope.

-- +goose Up
CREATE FUNCTION current_agency_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.agency_id', true), '')::uuid $$;

CREATE TABLE agencies (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    short_name  text NOT NULL CHECK (length(short_name) BETWEEN 1 AND 100),
    is_platform boolean NOT NULL DEFAULT false,
    -- When true, heads and administrators must pass a TOTP second factor.
    require_second_factor boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE departments (
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, name)
);

CREATE TABLE users (
    agency_id            uuid NOT NULL REFERENCES agencies (id),
    id                   uuid NOT NULL,
    login                text NOT NULL CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    full_name            text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 300),
    role                 text NOT NULL CHECK (role IN ('clerk', 'head', 'agency_admin', 'platform_admin')),
    department_id        uuid,
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    disabled_at          timestamptz,
    failed_logins        integer NOT NULL DEFAULT 0,
    locked_until         timestamptz,
    totp_secret          text,
    totp_enabled_at      timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    UNIQUE (agency_id, login),
    FOREIGN KEY (agency_id, department_id) REFERENCES departments (agency_id, id)
);
CREATE INDEX users_department ON users (agency_id, department_id);

-- Logins are unique across the installation, so the login form needs no agency
-- field. This small reference table maps a login to its agency before any
-- tenant scope exists; it holds no personal data beyond the login itself.
CREATE TABLE login_directory (
    login     text PRIMARY KEY,
    agency_id uuid NOT NULL,
    user_id   uuid NOT NULL,
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
);

CREATE TABLE recovery_codes (
    agency_id uuid NOT NULL,
    user_id   uuid NOT NULL,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (agency_id, user_id, code_hash),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
);

-- Server-side half of a login session: the cookie carries the token, the
-- table only its SHA-256, so a leaked table does not leak sessions.
CREATE TABLE user_sessions (
    agency_id      uuid NOT NULL,
    token_hash     bytea NOT NULL,
    user_id        uuid NOT NULL,
    second_factor_pending boolean NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (agency_id, token_hash),
    FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
);
CREATE INDEX user_sessions_user ON user_sessions (agency_id, user_id);

-- Audit log: append-only, hash-chained per agency. Each row's hash covers its
-- fields and the previous row's hash; audit_verify recomputes the chain.
CREATE TABLE audit_log (
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    seq         bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    actor_id    uuid,
    actor_login text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    client_ip   text NOT NULL,
    details     jsonb NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (agency_id, seq)
);
CREATE INDEX audit_log_time ON audit_log (agency_id, occurred_at DESC);

CREATE TABLE audit_heads (
    agency_id uuid PRIMARY KEY REFERENCES agencies (id),
    seq       bigint NOT NULL,
    hash      bytea NOT NULL
);

CREATE FUNCTION audit_row_hash(
    p_agency uuid, p_seq bigint, p_prev bytea, p_at timestamptz, p_actor uuid, p_actor_login text,
    p_action text, p_object_type text, p_object_id text, p_ip text, p_details jsonb
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(concat_ws(E'\x1f',
        p_agency::text, p_seq::text, encode(p_prev, 'hex'),
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(p_actor::text, '-'), p_actor_login, p_action, p_object_type, p_object_id,
        p_ip, p_details::text), 'UTF8'))
$$;

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
    -- The row lock serialises appends per agency, so the chain never forks.
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

-- audit_verify returns the first row of the current agency's chain that does
-- not check out (a changed row, a removed row, or a cut tail), or no row.
-- +goose StatementBegin
CREATE FUNCTION audit_verify() RETURNS TABLE (broken_seq bigint, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r          audit_log;
    v_expected bigint := 1;
    v_prev     bytea := ''::bytea;
    v_head     audit_heads;
BEGIN
    FOR r IN SELECT * FROM audit_log WHERE agency_id = current_agency_id() ORDER BY seq LOOP
        IF r.seq <> v_expected THEN
            broken_seq := v_expected; reason := 'row missing'; RETURN NEXT; RETURN;
        END IF;
        IF r.prev_hash <> v_prev THEN
            broken_seq := r.seq; reason := 'previous hash does not match'; RETURN NEXT; RETURN;
        END IF;
        IF r.hash <> audit_row_hash(r.agency_id, r.seq, r.prev_hash, r.occurred_at, r.actor_id,
                r.actor_login, r.action, r.object_type, r.object_id, r.client_ip, r.details) THEN
            broken_seq := r.seq; reason := 'row content changed'; RETURN NEXT; RETURN;
        END IF;
        v_prev := r.hash;
        v_expected := v_expected + 1;
    END LOOP;
    SELECT * INTO v_head FROM audit_heads WHERE agency_id = current_agency_id();
    IF FOUND AND (v_head.seq <> v_expected - 1 OR v_head.hash <> v_prev) THEN
        broken_seq := v_expected; reason := 'rows missing at the end'; RETURN NEXT;
    END IF;
END $$;
-- +goose StatementEnd

-- Even the owner cannot rewrite history through ordinary statements.
-- +goose StatementBegin
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();

ALTER TABLE departments ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant ON departments
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON users
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON recovery_codes
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON user_sessions
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON audit_log
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());
CREATE POLICY tenant ON audit_heads
    USING (agency_id = current_agency_id()) WITH CHECK (agency_id = current_agency_id());

GRANT USAGE ON SCHEMA public TO okno_app;
GRANT SELECT, INSERT, UPDATE ON agencies TO okno_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON departments, users, login_directory, recovery_codes, user_sessions TO okno_app;
GRANT SELECT, INSERT ON audit_log TO okno_app;
GRANT SELECT, INSERT, UPDATE ON audit_heads TO okno_app;
GRANT EXECUTE ON FUNCTION current_agency_id(), audit_row_hash(uuid, bigint, bytea, timestamptz, uuid, text, text, text, text, text, jsonb),
    audit_append(uuid, text, text, text, text, text, jsonb), audit_verify() TO okno_app;

-- +goose Down
DROP TABLE audit_heads, audit_log, user_sessions, recovery_codes, login_directory, users, departments, agencies;
DROP FUNCTION audit_log_immutable(), audit_verify(), audit_append(uuid, text, text, text, text, text, jsonb),
    audit_row_hash(uuid, bigint, bytea, timestamptz, uuid, text, text, text, text, text, jsonb), current_agency_id();
