-- Applicants, consents, portal sign-in, applications and everything that leads to a decision:
-- documents, bureau enquiries, affordability assessments, decisions, quotes and agreements.

create table applicant (
    applicant_id uuid not null default gen_random_uuid(),
    -- identity.md: mobile numbers are stored in E.164, 9 digits after +27 starting with 6, 7 or 8.
    msisdn text not null,
    -- identity.md: 13 digits, YYMMDD SSSS C A Z; the Luhn digit is checked by the domain type.
    id_number text,
    first_names text,
    surname text,
    email text,
    date_of_birth date,
    address_line1 text,
    address_line2 text,
    suburb text,
    city text,
    postal_code text,
    -- collections.md code 18 (deceased): no further contact by SMS.
    do_not_contact boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint applicant_pkey primary key (applicant_id),
    constraint applicant_msisdn_key unique (msisdn),
    constraint applicant_id_number_key unique (id_number),
    constraint applicant_msisdn_format check (msisdn ~ '^\+27[678][0-9]{8}$'),
    constraint applicant_id_number_format check (id_number ~ '^[0-9]{13}$'),
    constraint applicant_email_format check (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    constraint applicant_postal_code_format check (postal_code ~ '^[0-9]{4}$')
);

-- POPIA s11 and s69: each consent with its purpose, the text version shown, time and channel.
-- A withdrawal is a separate row; a consent is never edited.
create table consent (
    consent_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    applicant_id uuid not null,
    purpose text not null,
    text_version text not null,
    channel text not null,
    given_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    constraint consent_pkey primary key (consent_id),
    constraint consent_seq_key unique (seq),
    constraint consent_applicant_fkey foreign key (applicant_id) references applicant (applicant_id),
    constraint consent_purpose_check check (purpose in (
        'bureau_enquiry', 'processing', 'marketing', 'debit_order'
    )),
    constraint consent_channel_check check (channel in ('portal', 'partner', 'officer')),
    constraint consent_text_version_check check (length(btrim(text_version)) > 0)
);
create index consent_applicant_idx on consent (applicant_id, purpose);

create table consent_withdrawal (
    consent_withdrawal_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    consent_id uuid not null,
    channel text not null,
    withdrawn_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    constraint consent_withdrawal_pkey primary key (consent_withdrawal_id),
    constraint consent_withdrawal_seq_key unique (seq),
    constraint consent_withdrawal_consent_fkey foreign key (consent_id) references consent (consent_id),
    constraint consent_withdrawal_consent_key unique (consent_id),
    constraint consent_withdrawal_channel_check check (channel in ('portal', 'partner', 'officer'))
);

-- SMS one-time PINs: only a hash of the PIN is kept, with an expiry and an attempt budget.
create table otp_challenge (
    otp_challenge_id uuid not null default gen_random_uuid(),
    msisdn text not null,
    purpose text not null,
    pin_hash text not null,
    expires_at timestamptz not null,
    attempts integer not null default 0,
    max_attempts integer not null default 3,
    verified_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint otp_challenge_pkey primary key (otp_challenge_id),
    constraint otp_challenge_msisdn_format check (msisdn ~ '^\+27[678][0-9]{8}$'),
    constraint otp_challenge_purpose_check check (purpose in ('sign_in', 'sign_agreement')),
    constraint otp_challenge_attempts_check check (attempts >= 0 and attempts <= max_attempts),
    constraint otp_challenge_max_attempts_check check (max_attempts between 1 and 10)
);
create index otp_challenge_msisdn_idx on otp_challenge (msisdn, created_at);

-- Portal web sessions: the cookie holds a random token, the database only its SHA-256.
create table portal_session (
    portal_session_id uuid not null default gen_random_uuid(),
    token_hash text not null,
    msisdn text not null,
    applicant_id uuid,
    expires_at timestamptz not null,
    last_seen_at timestamptz not null default now(),
    revoked_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint portal_session_pkey primary key (portal_session_id),
    constraint portal_session_token_hash_key unique (token_hash),
    constraint portal_session_token_hash_format check (token_hash ~ '^[0-9a-f]{64}$'),
    constraint portal_session_applicant_fkey foreign key (applicant_id) references applicant (applicant_id)
);

create sequence application_reference_seq;

create table application (
    application_id uuid not null default gen_random_uuid(),
    -- Human-readable, said over the phone and printed on letters.
    reference text not null default 'PL-' || lpad(nextval('application_reference_seq')::text, 7, '0'),
    applicant_id uuid not null,
    product_id uuid not null,
    channel text not null,
    partner_id uuid,
    created_by_officer_id uuid,
    status text not null default 'draft',
    requested_amount_cents bigint not null,
    requested_term_days integer not null,
    employer_name text,
    employment_type text,
    pay_frequency text,
    -- Payday rule as the domain calendar spells it, for example `monthly:25` or `last_working_day`.
    payday text,
    gross_income_cents bigint,
    net_income_cents bigint,
    declared_expenses_cents bigint,
    declared_debt_cents bigint,
    bank_branch_code text,
    bank_account_number text,
    bank_account_type smallint,
    bank_account_holder text,
    submitted_at timestamptz,
    decided_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint application_pkey primary key (application_id),
    constraint application_reference_key unique (reference),
    constraint application_applicant_fkey foreign key (applicant_id) references applicant (applicant_id),
    constraint application_product_fkey foreign key (product_id) references product (product_id),
    constraint application_partner_fkey foreign key (partner_id) references partner (partner_id),
    constraint application_officer_fkey foreign key (created_by_officer_id) references officer (officer_id),
    constraint application_status_check check (status in (
        'draft', 'submitted', 'pre_approved', 'referred', 'documents_requested', 'declined',
        'approved', 'signed', 'paid_out', 'cancelled', 'expired'
    )),
    constraint application_channel_check check (channel in ('portal', 'partner', 'officer')),
    constraint application_channel_partner_check check ((channel = 'partner') = (partner_id is not null)),
    constraint application_channel_officer_check check (
        channel <> 'officer' or created_by_officer_id is not null
    ),
    constraint application_requested_amount_check check (requested_amount_cents > 0),
    constraint application_requested_term_check check (requested_term_days > 0),
    constraint application_employment_type_check check (employment_type in (
        'permanent', 'contract', 'self_employed', 'grant', 'other'
    )),
    constraint application_pay_frequency_check check (pay_frequency in ('monthly', 'fortnightly', 'weekly')),
    constraint application_income_check check (
        gross_income_cents >= 0 and net_income_cents >= 0 and net_income_cents <= gross_income_cents
    ),
    constraint application_expenses_check check (declared_expenses_cents >= 0 and declared_debt_cents >= 0),
    -- identity.md: a branch code is 6 digits; account types 1 current, 2 savings, 3 transmission.
    constraint application_branch_code_format check (bank_branch_code ~ '^[0-9]{6}$'),
    constraint application_account_number_format check (bank_account_number ~ '^[0-9]{4,16}$'),
    constraint application_account_type_check check (bank_account_type in (1, 2, 3)),
    -- A submitted application has everything the decision needs.
    constraint application_submitted_complete_check check (
        status in ('draft', 'cancelled', 'expired') or (
            submitted_at is not null and gross_income_cents is not null
            and net_income_cents is not null and declared_expenses_cents is not null
            and declared_debt_cents is not null and bank_branch_code is not null
            and bank_account_number is not null and bank_account_type is not null
        )
    )
);
create index application_applicant_idx on application (applicant_id);
create index application_status_idx on application (status, updated_at);

-- Every status change, appended by a trigger so that it cannot be forgotten.
create table application_status_history (
    application_status_history_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    application_id uuid not null,
    from_status text,
    to_status text not null,
    login_role text not null default session_user,
    effective_role text not null,
    note text,
    changed_at timestamptz not null default now(),
    constraint application_status_history_pkey primary key (application_status_history_id),
    constraint application_status_history_seq_key unique (seq),
    constraint application_status_history_application_fkey
        foreign key (application_id) references application (application_id)
);
create index application_status_history_application_idx on application_status_history (application_id, seq);

create table document (
    document_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    kind text not null,
    storage_key text not null,
    file_name text not null,
    size_bytes bigint not null,
    content_type text not null,
    sha256 text not null,
    verification_status text not null default 'pending',
    verified_by_officer_id uuid,
    verified_at timestamptz,
    rejection_reason text,
    uploaded_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint document_pkey primary key (document_id),
    constraint document_application_fkey foreign key (application_id) references application (application_id),
    constraint document_officer_fkey foreign key (verified_by_officer_id) references officer (officer_id),
    constraint document_storage_key_key unique (storage_key),
    constraint document_kind_check check (kind in (
        'id_copy', 'payslip', 'bank_statement', 'proof_of_address', 'agreement', 'other'
    )),
    -- PRODUCT.md: uploads are checked for type and size.
    constraint document_size_check check (size_bytes > 0 and size_bytes <= 20971520),
    constraint document_content_type_check check (content_type in (
        'application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic'
    )),
    constraint document_sha256_format check (sha256 ~ '^[0-9a-f]{64}$'),
    constraint document_verification_status_check check (
        verification_status in ('pending', 'verified', 'rejected')
    ),
    constraint document_verified_check check (
        (verification_status = 'pending') = (verified_at is null)
        and (verification_status <> 'rejected' or rejection_reason is not null)
    )
);
create index document_application_idx on document (application_id);

create table bureau_enquiry (
    bureau_enquiry_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    -- POPIA s11: an enquiry rests on the applicant's bureau consent.
    consent_id uuid not null,
    status text not null default 'pending',
    provider_reference text,
    error text,
    requested_at timestamptz not null default now(),
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint bureau_enquiry_pkey primary key (bureau_enquiry_id),
    constraint bureau_enquiry_application_fkey foreign key (application_id) references application (application_id),
    constraint bureau_enquiry_consent_fkey foreign key (consent_id) references consent (consent_id),
    constraint bureau_enquiry_status_check check (status in ('pending', 'completed', 'failed')),
    constraint bureau_enquiry_completed_check check ((status = 'pending') = (completed_at is null))
);
create index bureau_enquiry_application_idx on bureau_enquiry (application_id);

-- The bureau's answer as received: evidence for s80/s81 (reckless lending), never edited.
create table bureau_result (
    bureau_result_id uuid not null default gen_random_uuid(),
    bureau_enquiry_id uuid not null,
    matched boolean not null,
    score integer,
    adverse_listings integer not null default 0,
    judgments integer not null default 0,
    monthly_obligations_cents bigint not null default 0,
    raw_response_key text not null,
    summary jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint bureau_result_pkey primary key (bureau_result_id),
    constraint bureau_result_enquiry_fkey foreign key (bureau_enquiry_id) references bureau_enquiry (bureau_enquiry_id),
    constraint bureau_result_enquiry_key unique (bureau_enquiry_id),
    constraint bureau_result_score_check check (score between 0 and 999),
    constraint bureau_result_counts_check check (adverse_listings >= 0 and judgments >= 0),
    constraint bureau_result_obligations_check check (monthly_obligations_cents >= 0),
    constraint bureau_result_match_check check (matched or score is null)
);

-- NCA Reg 23A: the worksheet kept as evidence (declared vs norm vs bureau), never edited.
create table affordability_assessment (
    affordability_assessment_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    application_id uuid not null,
    gross_income_cents bigint not null,
    statutory_deductions_cents bigint not null,
    declared_expenses_cents bigint not null,
    norm_expenses_cents bigint not null,
    expenses_used_cents bigint not null,
    expense_disclosure_signed boolean not null,
    declared_debt_cents bigint not null,
    bureau_debt_cents bigint not null,
    debt_used_cents bigint not null,
    discretionary_income_cents bigint not null,
    proposed_instalment_cents bigint not null,
    affordable boolean not null,
    norm_effective_from date not null,
    assessed_at timestamptz not null default now(),
    constraint affordability_assessment_pkey primary key (affordability_assessment_id),
    constraint affordability_assessment_seq_key unique (seq),
    constraint affordability_assessment_application_fkey
        foreign key (application_id) references application (application_id),
    constraint affordability_assessment_amounts_check check (
        gross_income_cents >= 0 and statutory_deductions_cents >= 0 and declared_expenses_cents >= 0
        and norm_expenses_cents >= 0 and expenses_used_cents >= 0 and declared_debt_cents >= 0
        and bureau_debt_cents >= 0 and debt_used_cents >= 0 and proposed_instalment_cents > 0
    ),
    -- Reg 23A: the higher of declared and norm expenses, unless the consumer signed a disclosure.
    constraint affordability_assessment_expenses_used_check check (
        expense_disclosure_signed
        or expenses_used_cents >= greatest(declared_expenses_cents, norm_expenses_cents)
    ),
    constraint affordability_assessment_debt_used_check check (
        debt_used_cents >= greatest(declared_debt_cents, bureau_debt_cents)
    ),
    constraint affordability_assessment_discretionary_check check (
        discretionary_income_cents
            = gross_income_cents - statutory_deductions_cents - expenses_used_cents - debt_used_cents
    ),
    -- s80/s81: credit the assessment shows to be unaffordable is never marked affordable.
    constraint affordability_assessment_affordable_check check (
        not affordable or proposed_instalment_cents <= discretionary_income_cents
    )
);
create index affordability_assessment_application_idx on affordability_assessment (application_id);

-- A decision by the lending policy or by an officer, with machine-readable reasons (NCA s62 and
-- POPIA s71). An officer's approval above their limit needs a second approver (maker-checker).
create table decision (
    decision_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    source text not null,
    outcome text not null,
    reason_codes text[] not null default '{}',
    approved_amount_cents bigint,
    approved_term_days integer,
    decided_by_officer_id uuid,
    second_approver_officer_id uuid,
    second_approved_at timestamptz,
    policy_version text,
    note text,
    affordability_assessment_id uuid,
    decided_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint decision_pkey primary key (decision_id),
    constraint decision_application_fkey foreign key (application_id) references application (application_id),
    constraint decision_officer_fkey foreign key (decided_by_officer_id) references officer (officer_id),
    constraint decision_second_approver_fkey
        foreign key (second_approver_officer_id) references officer (officer_id),
    constraint decision_affordability_fkey
        foreign key (affordability_assessment_id) references affordability_assessment (affordability_assessment_id),
    constraint decision_source_check check (source in ('policy', 'officer')),
    constraint decision_outcome_check check (outcome in ('approve', 'refer', 'decline')),
    constraint decision_source_officer_check check ((source = 'officer') = (decided_by_officer_id is not null)),
    constraint decision_policy_version_check check (source <> 'policy' or policy_version is not null),
    constraint decision_approved_amount_check check (
        (outcome = 'approve') = (approved_amount_cents is not null and approved_term_days is not null)
        and (approved_amount_cents is null or approved_amount_cents > 0)
        and (approved_term_days is null or approved_term_days > 0)
    ),
    -- NCA s62: every decline carries its reasons.
    constraint decision_decline_reasons_check check (outcome <> 'decline' or cardinality(reason_codes) > 0),
    constraint decision_second_approver_check check (
        second_approver_officer_id is null
        or (outcome = 'approve' and source = 'officer'
            and second_approver_officer_id <> decided_by_officer_id and second_approved_at is not null)
    )
);
create index decision_application_idx on decision (application_id, decided_at);

-- NCA s92, Reg 28: the pre-agreement statement and quotation, itemised, binding until valid_until.
create table quote (
    quote_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    principal_cents bigint not null,
    term_days integer not null,
    first_loan boolean not null,
    interest_rate_bp integer not null,
    interest_cents bigint not null,
    initiation_fee_cents bigint not null,
    service_fee_cents bigint not null,
    vat_cents bigint not null,
    total_repayable_cents bigint not null,
    instalment_count integer not null,
    first_instalment_date date not null,
    valid_until date not null,
    status text not null default 'offered',
    accepted_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint quote_pkey primary key (quote_id),
    constraint quote_application_fkey foreign key (application_id) references application (application_id),
    constraint quote_principal_check check (principal_cents > 0),
    constraint quote_term_check check (term_days > 0 and instalment_count > 0),
    constraint quote_charges_check check (
        interest_rate_bp >= 0 and interest_cents >= 0 and initiation_fee_cents >= 0
        and service_fee_cents >= 0 and vat_cents >= 0
    ),
    constraint quote_total_check check (
        total_repayable_cents
            = principal_cents + interest_cents + initiation_fee_cents + service_fee_cents + vat_cents
    ),
    constraint quote_status_check check (status in ('offered', 'accepted', 'expired', 'superseded', 'declined')),
    constraint quote_accepted_check check ((status = 'accepted') = (accepted_at is not null))
);
-- An application has at most one accepted quote.
create unique index quote_one_accepted_idx on quote (application_id) where status = 'accepted';

-- NCA s93, Reg 30: the agreement, accepted electronically with a one-time PIN.
create table agreement (
    agreement_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    quote_id uuid not null,
    text_version text not null,
    otp_challenge_id uuid not null,
    document_storage_key text,
    signed_at timestamptz not null default now(),
    cooling_off_until date not null,
    status text not null default 'signed',
    cancelled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint agreement_pkey primary key (agreement_id),
    constraint agreement_application_fkey foreign key (application_id) references application (application_id),
    constraint agreement_quote_fkey foreign key (quote_id) references quote (quote_id),
    constraint agreement_otp_fkey foreign key (otp_challenge_id) references otp_challenge (otp_challenge_id),
    constraint agreement_quote_key unique (quote_id),
    constraint agreement_otp_key unique (otp_challenge_id),
    constraint agreement_status_check check (status in ('signed', 'cancelled')),
    constraint agreement_cancelled_check check ((status = 'cancelled') = (cancelled_at is not null))
);
create unique index agreement_one_signed_idx on agreement (application_id) where status = 'signed';

create trigger applicant_updated_at before update on applicant for each row execute function set_updated_at();
create trigger otp_challenge_updated_at before update on otp_challenge for each row execute function set_updated_at();
create trigger portal_session_updated_at before update on portal_session for each row execute function set_updated_at();
create trigger application_updated_at before update on application for each row execute function set_updated_at();
create trigger document_updated_at before update on document for each row execute function set_updated_at();
create trigger bureau_enquiry_updated_at before update on bureau_enquiry for each row execute function set_updated_at();
create trigger decision_updated_at before update on decision for each row execute function set_updated_at();
create trigger quote_updated_at before update on quote for each row execute function set_updated_at();
create trigger agreement_updated_at before update on agreement for each row execute function set_updated_at();

-- Append-only evidence.
create trigger consent_append_only before update or delete on consent
    for each row execute function forbid_mutation();
create trigger consent_no_truncate before truncate on consent
    for each statement execute function forbid_mutation();
create trigger consent_withdrawal_append_only before update or delete on consent_withdrawal
    for each row execute function forbid_mutation();
create trigger consent_withdrawal_no_truncate before truncate on consent_withdrawal
    for each statement execute function forbid_mutation();
create trigger application_status_history_append_only before update or delete on application_status_history
    for each row execute function forbid_mutation();
create trigger application_status_history_no_truncate before truncate on application_status_history
    for each statement execute function forbid_mutation();
create trigger bureau_result_append_only before update or delete on bureau_result
    for each row execute function forbid_mutation();
create trigger bureau_result_no_truncate before truncate on bureau_result
    for each statement execute function forbid_mutation();
create trigger affordability_assessment_append_only before update or delete on affordability_assessment
    for each row execute function forbid_mutation();
create trigger affordability_assessment_no_truncate before truncate on affordability_assessment
    for each statement execute function forbid_mutation();

-- The status history is written by its owner so no working role needs INSERT on it.
create function record_application_status() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        insert into application_status_history (application_id, from_status, to_status, effective_role, note)
        values (
            new.application_id,
            case when tg_op = 'UPDATE' then old.status end,
            new.status,
            pocket_effective_role(),
            nullif(current_setting('pocket.status_note', true), '')
        );
    end if;
    return null;
end
$$;

create trigger application_status_history_record after insert or update of status on application
    for each row execute function record_application_status();

-- The portal may move an application only through the applicant's own steps; deciding, approving
-- and paying out belong to the worker and to officers.
create function guard_application_status() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    if new.status is distinct from old.status
        and pocket_acts_as('pocket_portal')
        and not pocket_acts_as('pocket_worker')
        and not pocket_acts_as('pocket_officer')
        and not (
            (old.status = 'draft' and new.status = 'submitted')
            or (old.status = 'approved' and new.status = 'signed')
            or (new.status = 'cancelled' and old.status not in ('paid_out', 'declined', 'expired'))
        )
    then
        raise exception 'the portal may not move an application from % to %', old.status, new.status
            using errcode = 'insufficient_privilege', constraint = 'application_portal_status_guard';
    end if;
    return new;
end
$$;

create trigger application_portal_status_guard before update of status on application
    for each row execute function guard_application_status();

-- Maker-checker: a second approval must come from an officer whose limit covers the amount.
create function check_decision_approval() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
declare
    v_limit bigint;
begin
    if new.second_approver_officer_id is not null
        and new.second_approver_officer_id is distinct from old.second_approver_officer_id
    then
        -- The checker is never the maker (the CHECK says so too; this gives the clearer error first).
        if new.second_approver_officer_id = new.decided_by_officer_id then
            raise exception 'the second approver must be another officer'
                using errcode = 'check_violation', constraint = 'decision_second_approver_check';
        end if;
        select approval_limit_cents into v_limit
        from officer where officer_id = new.second_approver_officer_id and active;
        if v_limit is null or v_limit < new.approved_amount_cents then
            raise exception 'the second approver''s limit does not cover % cents', new.approved_amount_cents
                using errcode = 'check_violation', constraint = 'decision_second_approver_limit';
        end if;
    end if;
    return new;
end
$$;

create trigger decision_second_approver_limit before insert or update on decision
    for each row execute function check_decision_approval();
