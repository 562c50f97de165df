-- The desktop's loans and collections screens (crates/store/src/loan_desk.rs, src-tauri commands
-- `loans` and `collections`): indexes that keep the loans list fast at 100 000 loans, who may
-- record a payment or move a collection date, the manual trigger of the daily collections run,
-- and change notifications for collection flags.

-- The loans list: newest pay-out first, over every status or within one, with the tie-breaker
-- the list uses, so a page walks an index instead of sorting the book.
create index loan_disbursed_idx on loan (disbursed_on desc, loan_id desc);
create index loan_status_disbursed_idx on loan (status, disbursed_on desc, loan_id desc);
-- A loan's postings in the order of the statement (effective date, then sequence).
create index ledger_posting_loan_effective_idx on ledger_posting (loan_id, effective_date, seq);

-- Who records a payment received outside the debit orders (an EFT) and who moves a collection
-- date: collections clerks and supervisors (PRODUCT.md: the collections work; DESIGN.md decision
-- 1: grants enforce it). Plain officers pay loans out (the principal posting) but do not post
-- payments; the worker never posts them.
create function guard_payment_posting() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    if not (pocket_acts_as('pocket_collections') or pocket_acts_as('pocket_supervisor')) then
        raise exception 'only collections or a supervisor may record a payment'
            using errcode = 'insufficient_privilege', constraint = 'ledger_posting_payment_guard';
    end if;
    return new;
end
$$;

create trigger ledger_posting_payment_guard before insert on ledger_posting
    for each row when (new.kind = 'payment') execute function guard_payment_posting();

-- Moving a collection date changes the instalment's due date (not yet presented) or the day it
-- is presented again (returned): collections and supervisors only. The worker keeps collect_on
-- for the reason-code policy (migration 20261125000008).
revoke update (due_date) on instalment from pocket_officer;
revoke update (collect_on) on instalment from pocket_officer;
grant update (due_date, collect_on) on instalment to pocket_supervisor;
-- A supervisor's payment refreshes loan statuses, which keeps the in duplum limit (NCA s103(5)).
grant update (default_limit_cents) on loan to pocket_supervisor;

-- The manual trigger of the daily collections run (DESIGN.md decision 2: the desktop records the
-- intent, the worker calls the provider). Collections clerks and supervisors only; the job's
-- idempotency key is the minute it was asked for, so a double click enqueues one run.
create function trigger_collections_run(p_for date, p_at timestamptz) returns uuid
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_key text := 'collections.daily:manual:' || to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI');
    -- Inside a SECURITY DEFINER function current_user is the owner: ask about the caller.
    v_caller text := pocket_effective_role();
    v_job uuid;
begin
    if not (pg_has_role(v_caller, 'pocket_collections', 'usage')
            or pg_has_role(v_caller, 'pocket_supervisor', 'usage')) then
        raise exception 'only collections or a supervisor may start the collections run'
            using errcode = 'insufficient_privilege', constraint = 'collections_run_guard';
    end if;
    if p_for is null or p_at is null then
        raise exception 'the run needs its day and time'
            using errcode = 'check_violation', constraint = 'collections_run_day';
    end if;
    insert into job (kind, payload, run_at, max_attempts, idempotency_key)
    values ('collections.daily', jsonb_build_object('date', p_for::text), p_at, 10, v_key)
    on conflict (idempotency_key) do nothing
    returning job_id into v_job;
    if v_job is null then
        select job_id into v_job from job where idempotency_key = v_key;
    end if;
    return v_job;
end
$$;

revoke all on function trigger_collections_run(date, timestamptz) from public;
grant execute on function trigger_collections_run(date, timestamptz)
    to pocket_collections, pocket_supervisor, pocket_officer, pocket_admin, pocket_auditor;

-- The collections page reloads when a flag is raised or resolved.
create trigger collection_flag_notify after insert or update on collection_flag
    for each row execute function notify_change();
