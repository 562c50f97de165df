-- The applicant portal: idempotent document uploads, the client address of PIN requests (for
-- rate limiting), requests for a human review of an automated decision (POPIA s71), and what the
-- portal's own login needs to submit an application.

-- An upload that was interrupted and repeated, or sent twice, is one document: an application
-- holds a given file (by SHA-256) once.
create unique index document_application_sha256_key on document (application_id, sha256);

-- PIN sends are limited per mobile number and per client address (abuse of the SMS budget).
alter table otp_challenge add column client_address text;
alter table otp_challenge add constraint otp_challenge_client_address_length
    check (length(client_address) <= 64);
create index otp_challenge_client_address_idx on otp_challenge (client_address, created_at);

-- POPIA s71 (credit-law.md): an automated decline offers the applicant a human review. The
-- request is evidence: append-only, one open request per application.
create table review_request (
    review_request_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    channel text not null,
    requested_at timestamptz not null default now(),
    constraint review_request_pkey primary key (review_request_id),
    constraint review_request_application_fkey foreign key (application_id) references application (application_id),
    constraint review_request_application_key unique (application_id),
    constraint review_request_channel_check check (channel in ('portal', 'partner', 'officer'))
);
create trigger review_request_append_only before update or delete on review_request
    for each row execute function forbid_mutation();
create trigger review_request_no_truncate before truncate on review_request
    for each statement execute function forbid_mutation();

grant select, insert on review_request to pocket_portal;
grant select on review_request to pocket_officer, pocket_supervisor, pocket_auditor, pocket_worker;

-- decide::submit records the bureau enquiry in the same transaction as the submission (POPIA s11:
-- it rests on the recorded consent); the portal submits, so it may insert the enquiry.
grant select, insert on bureau_enquiry to pocket_portal;
