-- A document's detached signature is kept (its blob, for download) and its
-- check is stored as data rather than text: who signed, the certificate's
-- serial, issuer and validity, and the trust verdict with its reason, so the
-- card can show each part and format times on the agency's clock.
-- signature_info stays for rows checked before; new rows leave it empty.

-- +goose Up
ALTER TABLE case_documents
    ADD COLUMN signature_blob_key text NOT NULL DEFAULT '',
    ADD COLUMN signature_check jsonb;

-- +goose Down
ALTER TABLE case_documents
    DROP COLUMN signature_check,
    DROP COLUMN signature_blob_key;
