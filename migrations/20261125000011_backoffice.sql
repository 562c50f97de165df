-- The desktop back office's queue (crates/store/src/backoffice.rs), kept fast with 100 000
-- applications: an index for each order the queue offers, and trigram indexes for searching a
-- part of a name, an ID number, a mobile number or a reference.

-- pg_trgm is a trusted extension: the database owner that runs the migrations may create it.
create extension if not exists pg_trgm;

-- Every status at once, oldest or newest change first (by status: application_status_idx).
create index application_updated_idx on application (updated_at, application_id);
-- Largest amount first, over every status or within one.
create index application_amount_idx on application (requested_amount_cents desc, application_id);
create index application_status_amount_idx on application (status, requested_amount_cents desc, application_id);
-- The waiting order within a status, with the tie-breaker the queue uses.
create index application_status_waiting_idx on application (status, updated_at, application_id);

create index application_reference_trgm_idx on application using gin (reference gin_trgm_ops);
create index applicant_id_number_trgm_idx on applicant using gin (id_number gin_trgm_ops);
create index applicant_msisdn_trgm_idx on applicant using gin (msisdn gin_trgm_ops);
-- The same expression as the queue's search; concat_ws is not immutable, || and coalesce are.
create index applicant_name_trgm_idx on applicant
    using gin ((lower(coalesce(first_names, '') || ' ' || coalesce(surname, ''))) gin_trgm_ops);
