-- Loans, instalments, DebiCheck mandates, collection batches, presentments with their events, and
-- the ledger. These tables hold the invariants that cost money when wrong (DESIGN.md decision 3).

create table loan (
    loan_id uuid not null default gen_random_uuid(),
    application_id uuid not null,
    applicant_id uuid not null,
    agreement_id uuid not null,
    decision_id uuid not null,
    principal_cents bigint not null,
    term_days integer not null,
    interest_rate_bp integer not null,
    first_loan boolean not null,
    total_repayable_cents bigint not null,
    -- Kept equal to the sum of the loan's ledger postings by a trigger (collections.md rule 5).
    balance_cents bigint not null default 0,
    status text not null default 'active',
    disbursed_on date not null,
    disbursement_reference text,
    paid_up_on date,
    written_off_on date,
    written_off_reason text,
    -- s103(5) in duplum: accrual stops once the loan is in default; the day is kept as evidence.
    default_on date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint loan_pkey primary key (loan_id),
    constraint loan_application_key unique (application_id),
    constraint loan_application_fkey foreign key (application_id) references application (application_id),
    constraint loan_applicant_fkey foreign key (applicant_id) references applicant (applicant_id),
    constraint loan_agreement_fkey foreign key (agreement_id) references agreement (agreement_id),
    constraint loan_decision_fkey foreign key (decision_id) references decision (decision_id),
    constraint loan_principal_check check (principal_cents > 0),
    constraint loan_term_check check (term_days > 0),
    constraint loan_rate_check check (interest_rate_bp >= 0),
    constraint loan_total_check check (total_repayable_cents >= principal_cents),
    constraint loan_status_check check (status in (
        'active', 'in_arrears', 'paid_up', 'written_off', 'cancelled'
    )),
    constraint loan_paid_up_check check ((status = 'paid_up') = (paid_up_on is not null) or status = 'written_off'),
    constraint loan_written_off_check check (
        (status = 'written_off') = (written_off_on is not null and written_off_reason is not null)
    )
);
create index loan_applicant_idx on loan (applicant_id);
create index loan_status_idx on loan (status);

create table instalment (
    instalment_id uuid not null default gen_random_uuid(),
    loan_id uuid not null,
    sequence integer not null,
    due_date date not null,
    principal_cents bigint not null,
    interest_cents bigint not null,
    fee_cents bigint not null,
    vat_cents bigint not null,
    amount_cents bigint not null,
    paid_cents bigint not null default 0,
    status text not null default 'scheduled',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint instalment_pkey primary key (instalment_id),
    constraint instalment_loan_fkey foreign key (loan_id) references loan (loan_id),
    constraint instalment_loan_sequence_key unique (loan_id, sequence),
    constraint instalment_sequence_check check (sequence > 0),
    constraint instalment_parts_check check (
        principal_cents >= 0 and interest_cents >= 0 and fee_cents >= 0 and vat_cents >= 0
    ),
    constraint instalment_amount_check check (
        amount_cents > 0 and amount_cents = principal_cents + interest_cents + fee_cents + vat_cents
    ),
    constraint instalment_paid_check check (paid_cents >= 0 and paid_cents <= amount_cents),
    constraint instalment_status_check check (status in (
        'scheduled', 'presented', 'paid', 'partially_paid', 'unpaid', 'waived', 'cancelled'
    )),
    constraint instalment_paid_status_check check ((status = 'paid') = (paid_cents = amount_cents))
);
create index instalment_due_date_idx on instalment (due_date) where status in ('scheduled', 'unpaid', 'partially_paid');

-- DebiCheck mandate (collections.md, SARB Directive 1 of 2017).
create table mandate (
    mandate_id uuid not null default gen_random_uuid(),
    loan_id uuid,
    application_id uuid not null,
    contract_reference text not null,
    frequency text not null,
    collection_day integer not null,
    instalment_cents bigint not null,
    first_collection_cents bigint not null,
    first_collection_date date not null,
    max_collection_cents bigint not null,
    adjustment_category text not null default 'never',
    adjustment_rate_bp integer not null default 0,
    date_adjustment_allowed boolean not null,
    tracking_days integer not null default 0,
    authentication_type text not null,
    branch_code text not null,
    account_number text not null,
    account_type smallint not null,
    account_holder text not null,
    status text not null default 'pending',
    authenticated_at timestamptz,
    provider_reference text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint mandate_pkey primary key (mandate_id),
    constraint mandate_loan_fkey foreign key (loan_id) references loan (loan_id),
    constraint mandate_application_fkey foreign key (application_id) references application (application_id),
    constraint mandate_contract_reference_key unique (contract_reference),
    constraint mandate_contract_reference_format check (contract_reference ~ '^[A-Za-z0-9-]{4,14}$'),
    constraint mandate_frequency_check check (frequency in ('monthly', 'fortnightly', 'weekly')),
    constraint mandate_collection_day_check check (
        (frequency = 'monthly' and collection_day between 1 and 31)
        or (frequency <> 'monthly' and collection_day between 1 and 7)
    ),
    constraint mandate_amounts_check check (
        instalment_cents > 0 and first_collection_cents > 0 and max_collection_cents >= instalment_cents
        and max_collection_cents >= first_collection_cents
    ),
    constraint mandate_adjustment_check check (
        adjustment_category in ('never', 'quarterly', 'biannually', 'annually', 'repo')
        and adjustment_rate_bp >= 0
    ),
    -- collections.md: tracking lets the bank retry for up to 10 days.
    constraint mandate_tracking_check check (tracking_days between 0 and 10),
    -- collections.md: TT1 real time, TT2 batch, TT3 card and PIN.
    constraint mandate_authentication_type_check check (authentication_type in ('tt1', 'tt2', 'tt3')),
    constraint mandate_branch_code_format check (branch_code ~ '^[0-9]{6}$'),
    constraint mandate_account_number_format check (account_number ~ '^[0-9]{4,16}$'),
    constraint mandate_account_type_check check (account_type in (1, 2, 3)),
    -- collections.md: a registered mandate that is not authenticated (RMS) stays disputable.
    constraint mandate_status_check check (status in (
        'pending', 'requested', 'authenticated', 'registered_unauthenticated', 'rejected',
        'cancelled', 'suspended'
    )),
    constraint mandate_authenticated_check check ((status = 'authenticated') <= (authenticated_at is not null))
);
create index mandate_loan_idx on mandate (loan_id);

-- A file sent to the debit-order provider (netcash-niws.md): the name is deterministic and unique
-- because the provider has no duplicate-batch protection.
create table collection_batch (
    collection_batch_id uuid not null default gen_random_uuid(),
    name text not null,
    action_date date not null,
    instruction text not null,
    sequence integer not null,
    status text not null default 'open',
    item_count integer not null default 0,
    total_cents bigint not null default 0,
    file_token text,
    load_report text,
    provider_status integer,
    submitted_at timestamptz,
    loaded_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint collection_batch_pkey primary key (collection_batch_id),
    constraint collection_batch_name_key unique (name),
    constraint collection_batch_date_sequence_key unique (action_date, instruction, sequence),
    constraint collection_batch_file_token_key unique (file_token),
    -- netcash-niws.md: `LOANS-<action date>-<sequence>`.
    constraint collection_batch_name_format check (name ~ '^LOANS-[0-9]{8}-[0-9]+$'),
    constraint collection_batch_instruction_check check (instruction in ('same_day', 'two_day', 'mandates')),
    constraint collection_batch_sequence_check check (sequence > 0),
    -- collections.md rule 2: a submission that timed out is `unknown` until reconciled.
    constraint collection_batch_status_check check (status in (
        'open', 'submitting', 'unknown', 'submitted', 'loaded', 'loaded_with_errors', 'rejected',
        'authorised', 'processed', 'cancelled'
    )),
    -- netcash-niws.md RetrieveBatchStatus: 1 unauthorised .. 5 insufficient funds.
    constraint collection_batch_provider_status_check check (provider_status between 1 and 5),
    constraint collection_batch_totals_check check (item_count >= 0 and total_cents >= 0),
    constraint collection_batch_token_check check (
        status in ('open', 'submitting', 'unknown', 'cancelled') or file_token is not null
    )
);
create index collection_batch_action_date_idx on collection_batch (action_date);

-- One debit-order instruction for one instalment. The status column is moved only by appending a
-- presentment_event (collections.md rule 3).
create table presentment (
    presentment_id uuid not null default gen_random_uuid(),
    instalment_id uuid not null,
    loan_id uuid not null,
    mandate_id uuid not null,
    collection_batch_id uuid,
    attempt integer not null,
    amount_cents bigint not null,
    action_date date not null,
    -- netcash-niws.md field 101, 2-22 characters, matches results back to this row.
    account_reference text not null,
    status text not null default 'pending',
    reason_code text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint presentment_pkey primary key (presentment_id),
    constraint presentment_instalment_fkey foreign key (instalment_id) references instalment (instalment_id),
    constraint presentment_loan_fkey foreign key (loan_id) references loan (loan_id),
    constraint presentment_mandate_fkey foreign key (mandate_id) references mandate (mandate_id),
    constraint presentment_batch_fkey foreign key (collection_batch_id) references collection_batch (collection_batch_id),
    constraint presentment_account_reference_key unique (account_reference),
    constraint presentment_account_reference_format check (account_reference ~ '^[A-Za-z0-9]{2,22}$'),
    -- collections.md: a code 02 unpaid may be re-presented at most 2 more times.
    constraint presentment_attempt_check check (attempt between 1 and 3),
    constraint presentment_instalment_attempt_key unique (instalment_id, attempt),
    constraint presentment_amount_check check (amount_cents > 0),
    constraint presentment_status_check check (status in (
        'pending', 'submitted', 'unknown', 'loaded', 'successful', 'unpaid', 'disputed', 'rejected',
        'cancelled'
    )),
    -- Unknown codes are kept verbatim (collections.md), so only the shape is checked.
    constraint presentment_reason_code_format check (reason_code ~ '^[0-9A-Za-z]{1,4}$'),
    constraint presentment_reason_code_check check (
        (status in ('unpaid', 'disputed')) <= (reason_code is not null)
    )
);
-- collections.md rule 1: never present the same instalment twice at once. The active statuses
-- are those of pocket_domain::PresentmentState::is_active: pending (Scheduled), submitted,
-- unknown (SubmissionUnknown) and loaded.
create unique index presentment_one_active_per_instalment
    on presentment (instalment_id) where status in ('pending', 'submitted', 'unknown', 'loaded');
create index presentment_batch_idx on presentment (collection_batch_id);
create index presentment_loan_idx on presentment (loan_id);
create index presentment_action_date_idx on presentment (action_date, status);

-- collections.md rule 3: every state change of a debit order is an appended event.
create table presentment_event (
    presentment_event_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    presentment_id uuid not null,
    from_status text,
    to_status text not null,
    reason_code text,
    provider_reference text,
    detail jsonb not null default '{}',
    login_role text not null default session_user,
    effective_role text not null default current_user,
    occurred_at timestamptz not null default now(),
    constraint presentment_event_pkey primary key (presentment_event_id),
    constraint presentment_event_seq_key unique (seq),
    constraint presentment_event_presentment_fkey foreign key (presentment_id) references presentment (presentment_id),
    constraint presentment_event_to_status_check check (to_status in (
        'pending', 'submitted', 'unknown', 'loaded', 'successful', 'unpaid', 'disputed', 'rejected',
        'cancelled'
    )),
    constraint presentment_event_reason_code_format check (reason_code ~ '^[0-9A-Za-z]{1,4}$')
);
create index presentment_event_presentment_idx on presentment_event (presentment_id, seq);

create trigger presentment_event_append_only before update or delete on presentment_event
    for each row execute function forbid_mutation();
create trigger presentment_event_no_truncate before truncate on presentment_event
    for each statement execute function forbid_mutation();

-- Applying an event moves the presentment (as the owner, since no working role may update the
-- status column directly) and records the status it came from.
create function apply_presentment_event() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_status text;
begin
    select status into v_status from presentment where presentment_id = new.presentment_id for update;
    -- The first event is the presentment's creation and has no status before it.
    if exists (select from presentment_event where presentment_id = new.presentment_id) then
        new.from_status := v_status;
    else
        new.from_status := null;
    end if;
    new.effective_role := pocket_effective_role();
    update presentment
    set status = new.to_status, reason_code = coalesce(new.reason_code, reason_code)
    where presentment_id = new.presentment_id;
    return new;
end
$$;

create trigger presentment_event_apply before insert on presentment_event
    for each row execute function apply_presentment_event();

-- The opening event of every presentment, so that the events tell the whole story.
create function record_presentment_created() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    insert into presentment_event (presentment_id, from_status, to_status, effective_role)
    values (new.presentment_id, null, new.status, pocket_effective_role());
    return null;
end
$$;

create trigger presentment_created after insert on presentment
    for each row execute function record_presentment_created();

create table ledger_posting (
    ledger_posting_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    loan_id uuid not null,
    kind text not null,
    -- Positive amounts increase what the consumer owes, negative ones reduce it.
    amount_cents bigint not null,
    effective_date date not null,
    instalment_id uuid,
    presentment_id uuid,
    reverses_posting_id uuid,
    -- collections.md rule 5: every posting names its cause.
    reference text not null,
    login_role text not null default session_user,
    posted_at timestamptz not null default now(),
    constraint ledger_posting_pkey primary key (ledger_posting_id),
    constraint ledger_posting_seq_key unique (seq),
    constraint ledger_posting_loan_fkey foreign key (loan_id) references loan (loan_id),
    constraint ledger_posting_instalment_fkey foreign key (instalment_id) references instalment (instalment_id),
    constraint ledger_posting_presentment_fkey foreign key (presentment_id) references presentment (presentment_id),
    constraint ledger_posting_reverses_fkey foreign key (reverses_posting_id) references ledger_posting (ledger_posting_id),
    -- NCA s101: only these charges are lawful; plus the credits and reversals.
    constraint ledger_posting_kind_check check (kind in (
        'principal', 'initiation_fee', 'service_fee', 'interest', 'vat', 'default_charge',
        'collection_cost', 'refund', 'collection', 'payment', 'waiver', 'write_off', 'reversal'
    )),
    constraint ledger_posting_sign_check check (
        (kind in ('principal', 'initiation_fee', 'service_fee', 'interest', 'vat', 'default_charge',
                  'collection_cost', 'refund') and amount_cents > 0)
        or (kind in ('collection', 'payment', 'waiver', 'write_off') and amount_cents < 0)
        or (kind = 'reversal' and amount_cents <> 0)
    ),
    constraint ledger_posting_reversal_check check ((kind = 'reversal') = (reverses_posting_id is not null)),
    -- A posting is reversed at most once.
    constraint ledger_posting_reverses_key unique (reverses_posting_id),
    constraint ledger_posting_collection_cause_check check (kind <> 'collection' or presentment_id is not null),
    constraint ledger_posting_reference_check check (length(btrim(reference)) > 0)
);
create index ledger_posting_loan_idx on ledger_posting (loan_id, seq);

create trigger ledger_posting_append_only before update or delete on ledger_posting
    for each row execute function forbid_mutation();
create trigger ledger_posting_no_truncate before truncate on ledger_posting
    for each statement execute function forbid_mutation();

-- A reversal undoes exactly one posting of the same loan (collections.md: disputes reverse the
-- collection), and only a supervisor writes off.
create function check_ledger_posting() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
declare
    v_target ledger_posting%rowtype;
begin
    if new.kind = 'reversal' then
        select * into v_target from ledger_posting where ledger_posting_id = new.reverses_posting_id;
        if v_target.loan_id is distinct from new.loan_id
            or v_target.kind = 'reversal'
            or v_target.amount_cents <> -new.amount_cents
        then
            raise exception 'a reversal must negate one non-reversal posting of the same loan'
                using errcode = 'check_violation', constraint = 'ledger_posting_reversal_matches';
        end if;
    end if;
    if new.kind = 'write_off' and not pocket_acts_as('pocket_supervisor') then
        raise exception 'only a supervisor may write off'
            using errcode = 'insufficient_privilege', constraint = 'ledger_posting_write_off_guard';
    end if;
    return new;
end
$$;

create trigger ledger_posting_check before insert on ledger_posting
    for each row execute function check_ledger_posting();

-- collections.md rule 5: the balance always equals the sum of the postings.
create function apply_ledger_posting() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    update loan set balance_cents = balance_cents + new.amount_cents where loan_id = new.loan_id;
    return null;
end
$$;

create trigger ledger_posting_apply after insert on ledger_posting
    for each row execute function apply_ledger_posting();

-- The balance moves only with postings; a write-off only by a supervisor; and a loan exists only
-- on an officer approval within that officer's limit, or a second approval (maker-checker).
create function guard_loan() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
declare
    v_decision decision%rowtype;
    v_limit bigint;
begin
    if tg_op = 'INSERT' then
        if new.balance_cents <> 0 then
            raise exception 'a new loan starts at a zero balance; postings move it'
                using errcode = 'check_violation', constraint = 'loan_balance_from_postings';
        end if;
        select * into v_decision from decision where decision_id = new.decision_id;
        select approval_limit_cents into v_limit from officer where officer_id = v_decision.decided_by_officer_id;
        if v_decision.application_id is distinct from new.application_id
            or v_decision.outcome <> 'approve'
            or v_decision.source <> 'officer'
            or new.principal_cents > v_decision.approved_amount_cents
            or (v_decision.approved_amount_cents > coalesce(v_limit, 0)
                and v_decision.second_approver_officer_id is null)
        then
            raise exception 'a loan needs an officer approval of at least its principal within the approvers'' limits'
                using errcode = 'check_violation', constraint = 'loan_requires_approval';
        end if;
    elsif new.balance_cents <> old.balance_cents and pg_trigger_depth() < 2 then
        raise exception 'the balance moves only with ledger postings'
            using errcode = 'check_violation', constraint = 'loan_balance_from_postings';
    end if;
    if new.status = 'written_off' and (tg_op = 'INSERT' or old.status <> 'written_off')
        and not pocket_acts_as('pocket_supervisor')
    then
        raise exception 'only a supervisor may write off'
            using errcode = 'insufficient_privilege', constraint = 'loan_write_off_guard';
    end if;
    return new;
end
$$;

create trigger loan_guard before insert or update on loan
    for each row execute function guard_loan();

create trigger loan_updated_at before update on loan for each row execute function set_updated_at();
create trigger instalment_updated_at before update on instalment for each row execute function set_updated_at();
create trigger mandate_updated_at before update on mandate for each row execute function set_updated_at();
create trigger collection_batch_updated_at before update on collection_batch for each row execute function set_updated_at();
create trigger presentment_updated_at before update on presentment for each row execute function set_updated_at();
