-- Who may do what (DESIGN.md decision 1), the audit and change-notification triggers, and the
-- SECURITY DEFINER functions that stand in for privileges a role must not hold.
--
-- No group role gets DELETE on business data: mistakes are corrected by new rows or status
-- changes, and the append-only tables refuse edits even to their owner.

revoke all on all tables in schema public from public;
revoke all on all sequences in schema public from public;

-- Audit: every table that matters, old and new rows as jsonb. Secrets are left out of the copy.
create trigger officer_audit after insert or update or delete on officer for each row execute function audit_row();
create trigger partner_audit after insert or update or delete on partner for each row execute function audit_row();
create trigger partner_api_key_audit after insert or update or delete on partner_api_key for each row execute function audit_row('key_hash');
create trigger regulatory_parameter_audit after insert or update or delete on regulatory_parameter for each row execute function audit_row();
create trigger expense_norm_band_audit after insert or update or delete on expense_norm_band for each row execute function audit_row();
create trigger product_audit after insert or update or delete on product for each row execute function audit_row();
create trigger product_pricing_audit after insert or update or delete on product_pricing for each row execute function audit_row();
create trigger lending_policy_threshold_audit after insert or update or delete on lending_policy_threshold for each row execute function audit_row();
create trigger public_holiday_audit after insert or update or delete on public_holiday for each row execute function audit_row();
create trigger message_template_audit after insert or update or delete on message_template for each row execute function audit_row();
create trigger applicant_audit after insert or update or delete on applicant for each row execute function audit_row();
create trigger consent_audit after insert on consent for each row execute function audit_row();
create trigger consent_withdrawal_audit after insert on consent_withdrawal for each row execute function audit_row();
create trigger application_audit after insert or update or delete on application for each row execute function audit_row();
create trigger document_audit after insert or update or delete on document for each row execute function audit_row();
create trigger bureau_enquiry_audit after insert or update or delete on bureau_enquiry for each row execute function audit_row();
create trigger bureau_result_audit after insert on bureau_result for each row execute function audit_row();
create trigger affordability_assessment_audit after insert on affordability_assessment for each row execute function audit_row();
create trigger decision_audit after insert or update or delete on decision for each row execute function audit_row();
create trigger quote_audit after insert or update or delete on quote for each row execute function audit_row();
create trigger agreement_audit after insert or update or delete on agreement for each row execute function audit_row();
create trigger loan_audit after insert or update or delete on loan for each row execute function audit_row();
create trigger instalment_audit after insert or update or delete on instalment for each row execute function audit_row();
create trigger mandate_audit after insert or update or delete on mandate for each row execute function audit_row();
create trigger collection_batch_audit after insert or update or delete on collection_batch for each row execute function audit_row();
create trigger presentment_audit after insert or update or delete on presentment for each row execute function audit_row();
create trigger ledger_posting_audit after insert on ledger_posting for each row execute function audit_row();

-- Live changes for the desktop app and the worker.
create trigger application_notify after insert or update on application for each row execute function notify_change();
create trigger loan_notify after insert or update on loan for each row execute function notify_change();
create trigger presentment_notify after insert or update on presentment for each row execute function notify_change();
create trigger collection_batch_notify after insert or update on collection_batch for each row execute function notify_change();
create trigger job_notify after insert or update on job for each row execute function notify_change();

-- Auditor: reads everything except secrets (PIN and token hashes could be brute-forced), writes
-- nothing.
grant select on
    officer, partner, regulatory_parameter, expense_norm_band, product, product_pricing,
    lending_policy_threshold, public_holiday, message_template, applicant, consent,
    consent_withdrawal, application, application_status_history, document, bureau_enquiry,
    bureau_result, affordability_assessment, decision, quote, agreement, loan, instalment, mandate,
    collection_batch, presentment, presentment_event, ledger_posting, notification, job, audit_log
to pocket_auditor;
grant select (partner_api_key_id, partner_id, key_prefix, label, last_used_at, revoked_at, created_at, updated_at)
    on partner_api_key to pocket_auditor;

-- Officer: reviews applications, decides within the approval limit, pays out, records payments.
-- No DELETE of anything and no access to the audit log.
grant select on
    officer, partner, regulatory_parameter, expense_norm_band, product, product_pricing,
    lending_policy_threshold, public_holiday, message_template, applicant, consent,
    consent_withdrawal, application, application_status_history, document, bureau_enquiry,
    bureau_result, affordability_assessment, decision, quote, agreement, loan, instalment, mandate,
    collection_batch, presentment, presentment_event, ledger_posting, notification, job
to pocket_officer;
grant insert on
    applicant, consent, consent_withdrawal, application, document, bureau_enquiry,
    affordability_assessment, decision, quote, loan, instalment, mandate, ledger_posting,
    notification, job
to pocket_officer;
grant update on applicant, application, mandate to pocket_officer;
grant update (verification_status, verified_by_officer_id, verified_at, rejection_reason) on document to pocket_officer;
grant update (second_approver_officer_id, second_approved_at, note) on decision to pocket_officer;
grant update (status) on quote to pocket_officer;
grant update (status, paid_up_on, default_on, disbursement_reference) on loan to pocket_officer;
grant update (due_date, status, paid_cents) on instalment to pocket_officer;
grant usage on sequence application_reference_seq to pocket_officer;

-- Supervisor: an officer who may also write off (the triggers check the role as well).
grant update (written_off_on, written_off_reason) on loan to pocket_supervisor;

-- Collections clerk: batches, presentments and their results, the ledger effects of collections.
grant select on
    officer, regulatory_parameter, public_holiday, message_template, applicant, application,
    application_status_history, loan, instalment, mandate, collection_batch, presentment,
    presentment_event, ledger_posting, notification, job
to pocket_collections;
grant insert on collection_batch, presentment, presentment_event, ledger_posting, notification, job
to pocket_collections;
grant update on collection_batch, mandate to pocket_collections;
grant update (collection_batch_id) on presentment to pocket_collections;
grant update (due_date, status, paid_cents) on instalment to pocket_collections;
grant update (status, paid_up_on, default_on) on loan to pocket_collections;
grant update (do_not_contact) on applicant to pocket_collections;

-- Administrator: parameters, pricing, policy thresholds, holidays, templates, partners, and officers
-- (through the functions below). Reads everything but secrets, including the audit log.
grant select on
    officer, partner, regulatory_parameter, expense_norm_band, product, product_pricing,
    lending_policy_threshold, public_holiday, message_template, applicant, consent,
    consent_withdrawal, application, application_status_history, document, bureau_enquiry,
    bureau_result, affordability_assessment, decision, quote, agreement, loan, instalment, mandate,
    collection_batch, presentment, presentment_event, ledger_posting, notification, job, audit_log
to pocket_admin;
grant select (partner_api_key_id, partner_id, key_prefix, label, last_used_at, revoked_at, created_at, updated_at)
    on partner_api_key to pocket_admin;
grant insert, update on
    regulatory_parameter, expense_norm_band, product, product_pricing, lending_policy_threshold,
    public_holiday, message_template, partner, partner_api_key
to pocket_admin;
-- A holiday declared by mistake can be removed before it takes effect.
grant delete on public_holiday to pocket_admin;
grant update (full_name, email, approval_limit_cents) on officer to pocket_admin;
grant insert, update on job to pocket_admin;

-- Portal: the applicant's own journey. It cannot read loans, instalments, mandates, presentments
-- or the ledger; the functions below return one signed-in applicant's own loan instead.
grant select, insert, update on applicant, otp_challenge, portal_session to pocket_portal;
grant select, insert on consent, consent_withdrawal, document, agreement to pocket_portal;
grant select, insert on application to pocket_portal;
grant update (
    status, requested_amount_cents, requested_term_days, employer_name, employment_type,
    pay_frequency, payday, gross_income_cents, net_income_cents, declared_expenses_cents,
    declared_debt_cents, bank_branch_code, bank_account_number, bank_account_type,
    bank_account_holder, submitted_at
) on application to pocket_portal;
grant select on application_status_history, decision, quote to pocket_portal;
grant update (status, accepted_at) on quote to pocket_portal;
grant select on
    product, product_pricing, regulatory_parameter, expense_norm_band, lending_policy_threshold,
    public_holiday, message_template, partner
to pocket_portal;
grant select (partner_api_key_id, partner_id, key_prefix, key_hash, revoked_at) on partner_api_key to pocket_portal;
grant update (last_used_at) on partner_api_key to pocket_portal;
grant insert on notification, job to pocket_portal;
grant select (notification_id, idempotency_key) on notification to pocket_portal;
grant select (job_id, idempotency_key, status) on job to pocket_portal;
grant usage on sequence application_reference_seq to pocket_portal;

-- Worker: the queue, the outbox, bureau results, decisions by policy, batches, presentments and
-- the ledger effects of results.
grant select on
    officer, partner, regulatory_parameter, expense_norm_band, product, product_pricing,
    lending_policy_threshold, public_holiday, message_template, applicant, consent,
    consent_withdrawal, application, document, bureau_enquiry, bureau_result,
    affordability_assessment, decision, quote, agreement, loan, instalment, mandate,
    collection_batch, presentment, presentment_event, ledger_posting, notification, job
to pocket_worker;
grant insert, update on job, notification, collection_batch to pocket_worker;
grant insert on
    bureau_enquiry, bureau_result, affordability_assessment, decision, quote, presentment,
    presentment_event, ledger_posting
to pocket_worker;
grant update on bureau_enquiry to pocket_worker;
grant update (status, decided_at) on application to pocket_worker;
grant update (status) on quote, mandate to pocket_worker;
grant update (collection_batch_id) on presentment to pocket_worker;
grant update (status, paid_cents) on instalment to pocket_worker;
grant update (status, paid_up_on, default_on) on loan to pocket_worker;
grant update (do_not_contact) on applicant to pocket_worker;
grant select (otp_challenge_id, msisdn, purpose, expires_at) on otp_challenge to pocket_worker;

-- Officers are PostgreSQL logins (DESIGN.md decision 1). The desktop sends a SCRAM-SHA-256
-- verifier (RFC 5802/7677), never the password; this function checks its shape and creates the
-- login in exactly one officer group. It runs as its owner, who holds CREATEROLE.
create function create_officer(
    p_login_name text,
    p_scram_verifier text,
    p_group_role text,
    p_full_name text,
    p_email text,
    p_approval_limit_cents bigint
) returns uuid
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_officer_id uuid;
begin
    if p_login_name is null
        or p_login_name !~ '^[a-z][a-z0-9_]{2,62}$'
        or p_login_name ~ '^(pg_|pocket_)'
    then
        raise exception 'login names are 3 to 63 lowercase letters, digits or underscores'
            using errcode = 'invalid_parameter_value', constraint = 'officer_login_name_format';
    end if;
    -- RFC 5803 text form, as PostgreSQL stores it: SCRAM-SHA-256$<iter>:<salt>$<stored>:<server>.
    if p_scram_verifier is null
        or p_scram_verifier !~ '^SCRAM-SHA-256\$[1-9][0-9]{3,6}:[A-Za-z0-9+/]{16,}={0,2}\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$'
    then
        raise exception 'not a SCRAM-SHA-256 verifier'
            using errcode = 'invalid_parameter_value', constraint = 'officer_scram_verifier_format';
    end if;
    if p_group_role is null or p_group_role not in (
        'pocket_officer', 'pocket_supervisor', 'pocket_collections', 'pocket_admin', 'pocket_auditor'
    ) then
        raise exception 'not an officer group'
            using errcode = 'invalid_parameter_value', constraint = 'officer_group_role_check';
    end if;
    if exists (select from pg_roles where rolname = p_login_name) then
        raise exception 'the login already exists'
            using errcode = 'duplicate_object', constraint = 'officer_login_name_key';
    end if;
    execute format(
        'create role %I login inherit nosuperuser nocreatedb nocreaterole noreplication password %L in role %I',
        p_login_name, p_scram_verifier, p_group_role
    );
    insert into officer (login_name, full_name, email, group_role, approval_limit_cents)
    values (p_login_name, p_full_name, p_email, p_group_role, p_approval_limit_cents)
    returning officer_id into v_officer_id;
    return v_officer_id;
end
$$;

-- Disabling keeps the officer's row (their past actions reference it) and the login role, but the
-- login can no longer connect, and open sessions are ended.
create function disable_officer(p_officer_id uuid) returns void
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_login text;
begin
    update officer set active = false, disabled_at = now()
    where officer_id = p_officer_id and active
    returning login_name into v_login;
    if v_login is null then
        raise exception 'no active officer %', p_officer_id
            using errcode = 'no_data_found', constraint = 'officer_pkey';
    end if;
    execute format('alter role %I nologin', v_login);
    perform pg_terminate_backend(pid) from pg_stat_activity where usename = v_login;
end
$$;

revoke all on function create_officer(text, text, text, text, text, bigint) from public;
revoke all on function disable_officer(uuid) from public;
grant execute on function create_officer(text, text, text, text, text, bigint) to pocket_admin;
grant execute on function disable_officer(uuid) to pocket_admin;

-- The portal's window on loans: only the loans of the applicant signed in with this session.
create function portal_loan_summary(p_session_token_hash text)
returns table (
    loan_id uuid,
    application_reference text,
    status text,
    principal_cents bigint,
    total_repayable_cents bigint,
    balance_cents bigint,
    disbursed_on date,
    next_due_date date,
    next_due_cents bigint
)
language sql
stable
security definer
set search_path = pg_catalog, public
as $$
    select l.loan_id, a.reference, l.status, l.principal_cents, l.total_repayable_cents,
           l.balance_cents, l.disbursed_on, n.due_date, n.amount_cents - n.paid_cents
    from portal_session s
    join loan l on l.applicant_id = s.applicant_id
    join application a on a.application_id = l.application_id
    left join lateral (
        select i.due_date, i.amount_cents, i.paid_cents
        from instalment i
        where i.loan_id = l.loan_id and i.status in ('scheduled', 'presented', 'unpaid', 'partially_paid')
        order by i.due_date, i.sequence
        limit 1
    ) n on true
    where s.token_hash = p_session_token_hash
      and s.revoked_at is null
      and s.expires_at > now()
    order by l.disbursed_on desc
$$;

create function portal_loan_schedule(p_session_token_hash text, p_loan_id uuid)
returns table (
    sequence integer,
    due_date date,
    amount_cents bigint,
    paid_cents bigint,
    status text
)
language sql
stable
security definer
set search_path = pg_catalog, public
as $$
    select i.sequence, i.due_date, i.amount_cents, i.paid_cents, i.status
    from portal_session s
    join loan l on l.applicant_id = s.applicant_id and l.loan_id = p_loan_id
    join instalment i on i.loan_id = l.loan_id
    where s.token_hash = p_session_token_hash
      and s.revoked_at is null
      and s.expires_at > now()
    order by i.sequence
$$;

revoke all on function portal_loan_summary(text) from public;
revoke all on function portal_loan_schedule(text, uuid) from public;
grant execute on function portal_loan_summary(text) to pocket_portal;
grant execute on function portal_loan_schedule(text, uuid) to pocket_portal;
