-- A TOTP code is accepted once: the last time step used is kept per user and
-- a code of that step or an earlier one is refused. totp_secret now holds the
-- secret sealed with OKNO_SECRETS_KEY ("v1:" + base64 of nonce and AES-GCM
-- ciphertext, the user id as associated data); a secret still in clear from
-- before is sealed by the server on its next use.

-- +goose Up
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- +goose Down
ALTER TABLE users DROP COLUMN totp_last_step;
