-- Collections end to end (collections.md): what the daily cycle needs beyond the loans schema.
--
-- * A loan whose collection stopped after a return code carries the hold, so no new debit order
--   is created for it until a person acts (or a new mandate is authenticated).
-- * An instalment returned with a code that allows re-presentment carries the day it is to be
--   presented again (collections.md: code 02 on a later payday, at most 2 more times).
-- * Flags for the collections officer, one per cause, so that reading a statement twice raises
--   nothing twice.

alter table loan
    add column collection_hold text,
    add column collection_hold_since date,
    -- collections.md, code 18: no further contact by SMS.
    add column no_sms_contact boolean not null default false,
    add constraint loan_collection_hold_check check (
        (collection_hold is null) = (collection_hold_since is null)
    );

alter table instalment
    add column collect_on date;

create index instalment_collect_on_idx on instalment (collect_on)
    where status in ('unpaid', 'partially_paid');

create table collection_flag (
    collection_flag_id uuid not null default gen_random_uuid(),
    loan_id uuid not null,
    presentment_id uuid,
    reason_code text,
    action text not null,
    note text not null,
    raised_on date not null,
    resolved_at timestamptz,
    created_at timestamptz not null default now(),
    constraint collection_flag_pkey primary key (collection_flag_id),
    constraint collection_flag_loan_fkey foreign key (loan_id) references loan (loan_id),
    constraint collection_flag_presentment_fkey foreign key (presentment_id) references presentment (presentment_id),
    constraint collection_flag_action_check check (action in (
        're_present', 'new_mandate', 'legal', 'deceased', 'review', 'dispute', 'route_to_person',
        'rejected_by_provider'
    )),
    constraint collection_flag_note_check check (length(btrim(note)) > 0)
);
-- One flag per presentment and code: a statement read twice raises nothing twice.
create unique index collection_flag_once on collection_flag (presentment_id, coalesce(reason_code, ''));
create index collection_flag_loan_idx on collection_flag (loan_id);
create index collection_flag_open_idx on collection_flag (created_at) where resolved_at is null;

create trigger collection_flag_audit after insert or update or delete on collection_flag
    for each row execute function audit_row();

grant select on collection_flag to pocket_officer, pocket_supervisor, pocket_admin, pocket_auditor;
grant select, insert, update on collection_flag to pocket_collections, pocket_worker;
grant update (collect_on) on instalment to pocket_worker, pocket_collections, pocket_officer;
grant update (collection_hold, collection_hold_since, no_sms_contact) on loan
    to pocket_worker, pocket_collections;
grant update (provider_reference, authenticated_at) on mandate to pocket_worker;

-- The day the instalment's interest, fees and VAT were posted to the ledger (they accrue when the
-- instalment falls due, not at pay-out), so that accrual runs once per instalment.
alter table instalment
    add column charges_posted_on date;

-- What the provider's statements said, line by line, as read (netcash-niws.md, "Statement"):
-- each reading is one load; the lines are matched to presentments by account reference (field 101)
-- in set-based statements, and kept as the record of what was read.
create table statement_line (
    load_id uuid not null,
    line_no integer not null,
    line_date date not null,
    -- collected (TDD, SDD, DCS), unpaid (DRU, DCX), disputed (DCD) or other.
    kind text not null,
    account_reference text not null,
    -- The code as the statement gave it, verbatim (collections.md: unknown codes are kept).
    reason_text text,
    amount_cents bigint not null,
    transaction_id text not null,
    constraint statement_line_pkey primary key (load_id, line_no),
    constraint statement_line_kind_check check (kind in ('collected', 'unpaid', 'disputed', 'other'))
);

create table statement_load (
    load_id uuid not null default gen_random_uuid(),
    from_date date not null,
    read_on date not null,
    line_count integer not null,
    matched integer,
    created_at timestamptz not null default now(),
    constraint statement_load_pkey primary key (load_id)
);

grant select on statement_line, statement_load to pocket_officer, pocket_supervisor, pocket_admin, pocket_auditor;
grant select, insert on statement_line, statement_load to pocket_collections, pocket_worker;
grant update (matched) on statement_load to pocket_collections, pocket_worker;
grant update (charges_posted_on) on instalment to pocket_worker, pocket_collections;
-- collections.md, code 18: the worker records that a deceased holder's number is never contacted.
grant update (do_not_contact) on applicant to pocket_worker;

-- NCA s103(5), in duplum (credit-law.md): the unpaid balance when the current default began, the
-- most that charges may add while it lasts (loan.default_on is its first day).
alter table loan
    add column default_limit_cents bigint,
    add constraint loan_default_limit_check check ((default_limit_cents is null) or (default_on is not null));
grant update (default_limit_cents) on loan to pocket_worker, pocket_collections;

-- ---------------------------------------------------------------------------------------------
-- Set-based triggers on the collections tables. The daily cycle moves a whole action date at
-- once (a million presentments, postings and instalments in one statement); the row-level
-- triggers of 000004 and 000006 did the same work one row at a time. These keep what they
-- record (one audit row per changed row, one event per created presentment, a balance equal to
-- the sum of the postings) and do it once per statement, from the statement's transition tables.
-- ---------------------------------------------------------------------------------------------

-- The audit of 000006 (audit_row), for a whole statement: one audit_log row per inserted,
-- changed or deleted row, no-op updates left out. A trigger with transition tables serves one
-- event, so each table has one trigger per event, all naming their tables new_rows / old_rows.
create function audit_rows() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_key text := tg_table_name || '_id';
    v_role text := pocket_effective_role();
begin
    if tg_op = 'INSERT' then
        insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
        select tg_table_name, n.j ->> v_key, 'insert', null, n.j, v_role
        from (select to_jsonb(r) as j from new_rows r) n;
    elsif tg_op = 'UPDATE' then
        -- Old and new images are paired by grouping on the key, not by a join: the planner knows
        -- nothing of a transition table's size and would pair a million rows in a nested loop.
        insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
        select tg_table_name, t.k, 'update', t.o, t.n, v_role
        from (select x.j ->> v_key as k,
                     (array_agg(x.j) filter (where x.side = 0))[1] as o,
                     (array_agg(x.j) filter (where x.side = 1))[1] as n
              from (select 0 as side, to_jsonb(r) as j from old_rows r
                    union all
                    select 1 as side, to_jsonb(r) as j from new_rows r) x
              group by x.j ->> v_key) t
        where t.o is distinct from t.n;
    elsif tg_op = 'DELETE' then
        insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
        select tg_table_name, o.j ->> v_key, 'delete', o.j, null, v_role
        from (select to_jsonb(r) as j from old_rows r) o;
    end if;
    return null;
end
$$;

drop trigger presentment_audit on presentment;
create trigger presentment_audit_insert after insert on presentment
    referencing new table as new_rows for each statement execute function audit_rows();
create trigger presentment_audit_update after update on presentment
    referencing old table as old_rows new table as new_rows for each statement execute function audit_rows();
create trigger presentment_audit_delete after delete on presentment
    referencing old table as old_rows for each statement execute function audit_rows();

drop trigger instalment_audit on instalment;
create trigger instalment_audit_insert after insert on instalment
    referencing new table as new_rows for each statement execute function audit_rows();
create trigger instalment_audit_update after update on instalment
    referencing old table as old_rows new table as new_rows for each statement execute function audit_rows();
create trigger instalment_audit_delete after delete on instalment
    referencing old table as old_rows for each statement execute function audit_rows();

drop trigger loan_audit on loan;
create trigger loan_audit_insert after insert on loan
    referencing new table as new_rows for each statement execute function audit_rows();
create trigger loan_audit_update after update on loan
    referencing old table as old_rows new table as new_rows for each statement execute function audit_rows();
create trigger loan_audit_delete after delete on loan
    referencing old table as old_rows for each statement execute function audit_rows();

drop trigger ledger_posting_audit on ledger_posting;
create trigger ledger_posting_audit after insert on ledger_posting
    referencing new table as new_rows for each statement execute function audit_rows();

-- collections.md rule 5, for a whole statement: the loans' balances move by the sum of the
-- statement's postings, one update per loan.
drop trigger ledger_posting_apply on ledger_posting;
drop function apply_ledger_posting();
create function apply_ledger_postings() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    update loan l set balance_cents = l.balance_cents + t.total
    from (select loan_id, sum(amount_cents)::bigint as total from new_rows group by loan_id) t
    where l.loan_id = t.loan_id and t.total <> 0;
    return null;
end
$$;
create trigger ledger_posting_apply after insert on ledger_posting
    referencing new table as new_rows for each statement execute function apply_ledger_postings();

-- The opening event of every presentment (collections.md rule 3), for a whole statement.
drop trigger presentment_created on presentment;
drop function record_presentment_created();
create function record_presentments_created() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    insert into presentment_event (presentment_id, from_status, to_status, effective_role)
    select presentment_id, null, status, pocket_effective_role() from new_rows order by presentment_id;
    return null;
end
$$;
create trigger presentment_created after insert on presentment
    referencing new table as new_rows for each statement execute function record_presentments_created();

-- Applying events (000004): each event still records, row by row, the status it came from
-- (under the presentment's row lock); the presentments then move once per statement, to the
-- last event of each, and only when something changes (an opening event changes nothing).
create or replace function apply_presentment_event() returns trigger
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
    return new;
end
$$;

create function apply_presentment_events() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    update presentment p
    set status = e.to_status, reason_code = coalesce(e.reason_code, p.reason_code)
    from (select distinct on (presentment_id) presentment_id, to_status, reason_code
          from new_rows order by presentment_id, seq desc) e
    where p.presentment_id = e.presentment_id
      and (p.status is distinct from e.to_status
           or (e.reason_code is not null and e.reason_code is distinct from p.reason_code));
    return null;
end
$$;
create trigger presentment_events_apply after insert on presentment_event
    referencing new table as new_rows for each statement execute function apply_presentment_events();
