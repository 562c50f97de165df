-- The partner API: an audit row for every call, and the idempotency keys of submissions.
--
-- The audit says who called (partner and key prefix), what (method and route template, never the
-- raw path or query string), the answer and its time. It holds no personal data: no bodies, no
-- references, no ID or mobile numbers (POPIA s19: no more than the purpose needs).

create table partner_api_call (
    partner_api_call_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    -- Null when the key presented was unknown, revoked or absent.
    partner_id uuid,
    -- The prefix of the key presented, kept only when it has the shape of a prefix.
    key_prefix text,
    method text not null,
    route text not null,
    status smallint not null,
    duration_ms integer not null,
    request_id text,
    called_at timestamptz not null default now(),
    constraint partner_api_call_pkey primary key (partner_api_call_id),
    constraint partner_api_call_seq_key unique (seq),
    constraint partner_api_call_partner_fkey foreign key (partner_id) references partner (partner_id),
    constraint partner_api_call_prefix_format check (key_prefix ~ '^[A-Za-z0-9]{8,16}$'),
    constraint partner_api_call_method_check check (method ~ '^[A-Z]{3,7}$'),
    constraint partner_api_call_route_check check (length(route) between 1 and 200),
    constraint partner_api_call_status_check check (status between 100 and 599),
    constraint partner_api_call_duration_check check (duration_ms >= 0),
    constraint partner_api_call_request_id_check check (length(request_id) <= 100)
);
create index partner_api_call_partner_idx on partner_api_call (partner_id, called_at);

create trigger partner_api_call_append_only before update or delete on partner_api_call
    for each row execute function forbid_mutation();
create trigger partner_api_call_no_truncate before truncate on partner_api_call
    for each statement execute function forbid_mutation();

-- A repeated `Idempotency-Key` returns the first application instead of making a second; the
-- same key with another body is refused. The body is kept only as its SHA-256.
create table partner_idempotency (
    partner_id uuid not null,
    idempotency_key text not null,
    request_sha256 text not null,
    application_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint partner_idempotency_pkey primary key (partner_id, idempotency_key),
    constraint partner_idempotency_partner_fkey foreign key (partner_id) references partner (partner_id),
    constraint partner_idempotency_application_fkey
        foreign key (application_id) references application (application_id),
    constraint partner_idempotency_key_format check (idempotency_key ~ '^[\x21-\x7e]{1,255}$'),
    constraint partner_idempotency_sha256_format check (request_sha256 ~ '^[0-9a-f]{64}$')
);

create trigger partner_idempotency_updated_at before update on partner_idempotency
    for each row execute function set_updated_at();

-- The portal process serves the API: it writes the audit and the idempotency records, reads the
-- queue's and the decisions' counts for /metrics, and compares the applied migrations for /readyz.
grant insert on partner_api_call to pocket_portal;
grant select, insert on partner_idempotency to pocket_portal;
grant update (application_id) on partner_idempotency to pocket_portal;
grant select (kind) on job to pocket_portal;
grant select on partner_api_call, partner_idempotency to pocket_auditor, pocket_admin;
grant select (version, checksum, success) on _sqlx_migrations to pocket_portal;
