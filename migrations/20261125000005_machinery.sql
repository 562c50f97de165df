-- The outbox of notifications and the job queue (DESIGN.md decisions 2 and 9).

-- A message recorded in the same transaction as the change that causes it; the worker sends it.
create table notification (
    notification_id uuid not null default gen_random_uuid(),
    applicant_id uuid,
    channel text not null,
    recipient text not null,
    template_code text not null,
    subject text,
    body text not null,
    status text not null default 'pending',
    idempotency_key text not null,
    provider_message_id text,
    attempts integer not null default 0,
    last_error text,
    send_after timestamptz not null default now(),
    sent_at timestamptz,
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint notification_pkey primary key (notification_id),
    constraint notification_applicant_fkey foreign key (applicant_id) references applicant (applicant_id),
    constraint notification_idempotency_key_key unique (idempotency_key),
    constraint notification_channel_check check (channel in ('sms', 'email')),
    constraint notification_recipient_check check (
        (channel = 'sms' and recipient ~ '^\+27[678][0-9]{8}$')
        or (channel = 'email' and recipient ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$')
    ),
    constraint notification_status_check check (status in (
        'pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled'
    )),
    constraint notification_attempts_check check (attempts >= 0),
    constraint notification_sent_check check (
        (status in ('sent', 'delivered')) <= (sent_at is not null and provider_message_id is not null)
    )
);
create index notification_pending_idx on notification (send_after) where status = 'pending';
create index notification_provider_idx on notification (provider_message_id);

-- Work claimed with FOR UPDATE SKIP LOCKED, so that any number of workers never run a job twice
-- at once (DESIGN.md decision 9); a lease lets another worker take over from one that died.
create table job (
    job_id uuid not null default gen_random_uuid(),
    kind text not null,
    payload jsonb not null default '{}',
    status text not null default 'queued',
    run_at timestamptz not null default now(),
    attempts integer not null default 0,
    max_attempts integer not null default 5,
    locked_until timestamptz,
    locked_by text,
    idempotency_key text,
    last_error text,
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint job_pkey primary key (job_id),
    constraint job_idempotency_key_key unique (idempotency_key),
    constraint job_kind_check check (kind ~ '^[a-z][a-z0-9_.]*$'),
    constraint job_status_check check (status in ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    constraint job_attempts_check check (attempts >= 0 and attempts <= max_attempts),
    constraint job_max_attempts_check check (max_attempts > 0),
    constraint job_lease_check check ((status = 'running') = (locked_until is not null and locked_by is not null)),
    constraint job_completed_check check ((status in ('succeeded', 'dead', 'cancelled')) = (completed_at is not null))
);
create index job_ready_idx on job (run_at) where status = 'queued';
create index job_lease_idx on job (locked_until) where status = 'running';

create trigger notification_updated_at before update on notification for each row execute function set_updated_at();
create trigger job_updated_at before update on job for each row execute function set_updated_at();
