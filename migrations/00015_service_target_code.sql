-- The service's target code in ФРГУ (serviceTargetCode of the cabinet's
-- orders). A portal application carries its own; an application filed at the
-- office creates its order in the cabinet, which names the service only by
-- this code, so the service type must know it.

-- +goose Up
ALTER TABLE service_types ADD COLUMN service_target_code text NOT NULL DEFAULT ''
    CHECK (service_target_code ~ '^[0-9]{0,20}$');

-- +goose Down
ALTER TABLE service_types DROP COLUMN service_target_code;
