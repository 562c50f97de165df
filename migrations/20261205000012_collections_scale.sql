-- Collections at scale: the daily cycle moves a whole action date at once (a million
-- presentments, events, postings and instalments in a handful of statements). What the triggers
-- of 000004, 000006 and 000008 still did row by row, or did twice, is done here once per
-- statement, keeping every rule they enforced:
--
-- * collections.md rule 1: the partial unique index presentment_one_active_per_instalment is
--   untouched and stays the last word.
-- * collections.md rule 3: every state change is an appended presentment_event, and the status it
--   came from is exact: either the database fills it in under the presentment's row lock (an
--   insert that leaves it out, as before), or the statement supplies it and the database checks
--   it against the presentment while moving it (a statement that supplies a stale status fails
--   with serialization_failure and changes nothing). Events stay append-only.
-- * collections.md rule 5: the balance equals the sum of the postings (apply_ledger_postings of
--   000008, unchanged); the ledger stays append-only.
-- * DESIGN.md decision 2 (live updates): one notification per statement and table instead of one
--   per row. A statement that touched one row names it as before; one that touched many sends the
--   id `*`, and the reader refreshes the table (the desktop refreshes its pages on any change).
-- * The audit trail of what people change (000006): see "Audit" below for what is no longer
--   copied a second time and why.

-- ---------------------------------------------------------------------------------------------
-- Live updates, once per statement.
-- ---------------------------------------------------------------------------------------------
create function notify_changes() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
declare
    v_n bigint;
    v_id text;
begin
    -- At most two rows are read: enough to tell one row from many.
    select count(*), min(x.id) into v_n, v_id
    from (select to_jsonb(r) ->> (tg_table_name || '_id') as id from new_rows r limit 2) x;
    if v_n = 0 then
        return null;
    end if;
    perform pg_notify(
        'pocket_change',
        json_build_object(
            'table', tg_table_name,
            'id', case when v_n = 1 then v_id else '*' end,
            'op', lower(tg_op)
        )::text
    );
    return null;
end
$$;

drop trigger presentment_notify on presentment;
create trigger presentment_notify_insert after insert on presentment
    referencing new table as new_rows for each statement execute function notify_changes();
create trigger presentment_notify_update after update on presentment
    referencing new table as new_rows for each statement execute function notify_changes();

drop trigger loan_notify on loan;
create trigger loan_notify_insert after insert on loan
    referencing new table as new_rows for each statement execute function notify_changes();
create trigger loan_notify_update after update on loan
    referencing new table as new_rows for each statement execute function notify_changes();

-- ---------------------------------------------------------------------------------------------
-- Audit. audit_log keeps what people change; what the collections cycle does in bulk already has
-- an append-only trail of its own, and copying it row by row into audit_log a second time cost
-- more than the work itself. No longer copied:
--
-- * a presentment's creation: the row is written once, its opening presentment_event records
--   when and as which login and role it was created, and every later change of its status and
--   reason code is itself an appended event. Changes of any other column (its batch, its amount,
--   its mandate...) are still copied, row by row, as before.
-- * a loan's balance moving with its postings: guard_loan (000004) lets the balance move only
--   from inside the ledger's trigger, where nothing else of the loan changes, and every posting
--   is an append-only ledger_posting row. A loan update at trigger depth 2 or more is that
--   application; every other change of a loan (status, hold, write-off...) is still copied.
-- * postings that name a presentment (a debit order's collection and its reversal): the posting
--   is itself an append-only row with its login and time, and its cause is the presentment with
--   its events. Every other posting (payments, waivers, write-offs, charges) is still copied.
--
-- Instalments are still copied in full: people change them too (due dates, manual payments).
-- ---------------------------------------------------------------------------------------------

-- audit_rows of 000008, now with an optional argument: 'top_level' leaves out statements run
-- from inside another trigger (trigger depth 2 or more, see above), and a cheaper pairing of the
-- old and new images of an update.
create or replace function audit_rows() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_key text := tg_table_name || '_id';
    v_role text := pocket_effective_role();
begin
    if tg_nargs > 0 and tg_argv[0] = 'top_level' and pg_trigger_depth() > 1 then
        return null;
    end if;
    if tg_op = 'INSERT' then
        insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
        select tg_table_name, n.j ->> v_key, 'insert', null, n.j, v_role
        from (select to_jsonb(r) as j from new_rows r) n;
    elsif tg_op = 'UPDATE' then
        -- Old and new images are paired on the key by a hash join (the planner knows how many
        -- rows a transition table holds) and compared as rows, so only changed rows are turned
        -- into JSON: a third of the work of grouping JSON images (000008).
        execute format(
            'insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
             select %1$L, o.%2$I::text, ''update'', to_jsonb(o), to_jsonb(n), %3$L
             from old_rows o join new_rows n on n.%2$I = o.%2$I
             where o is distinct from n',
            tg_table_name, v_key, v_role);
    elsif tg_op = 'DELETE' then
        insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
        select tg_table_name, o.j ->> v_key, 'delete', o.j, null, v_role
        from (select to_jsonb(r) as j from old_rows r) o;
    end if;
    return null;
end
$$;

drop trigger presentment_audit_insert on presentment;
drop trigger presentment_audit_update on presentment;
create trigger presentment_audit_update after update on presentment
    for each row
    when ((old.instalment_id, old.loan_id, old.mandate_id, old.collection_batch_id, old.attempt,
           old.amount_cents, old.action_date, old.account_reference, old.created_at)
          is distinct from
          (new.instalment_id, new.loan_id, new.mandate_id, new.collection_batch_id, new.attempt,
           new.amount_cents, new.action_date, new.account_reference, new.created_at))
    execute function audit_row();

drop trigger loan_audit_update on loan;
create trigger loan_audit_update after update on loan
    referencing old table as old_rows new table as new_rows
    for each statement execute function audit_rows('top_level');

create function audit_ledger_postings() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_role text := pocket_effective_role();
begin
    insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
    select 'ledger_posting', r.ledger_posting_id::text, 'insert', null, to_jsonb(r), v_role
    from new_rows r
    where r.presentment_id is null;
    return null;
end
$$;
drop trigger ledger_posting_audit on ledger_posting;
create trigger ledger_posting_audit after insert on ledger_posting
    referencing new table as new_rows for each statement execute function audit_ledger_postings();

-- ---------------------------------------------------------------------------------------------
-- Presentment events, once per statement.
-- ---------------------------------------------------------------------------------------------

-- The opening events: the role in effect is read once per statement, not once per row.
create or replace function record_presentments_created() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_role text := pocket_effective_role();
begin
    insert into presentment_event (presentment_id, from_status, to_status, effective_role)
    select presentment_id, null, status, v_role from new_rows order by presentment_id;
    return null;
end
$$;

-- The row-level step of 000004/000008 (fill in from_status under the presentment's row lock)
-- now runs only for inserts that leave from_status out, as single events do. Statements that
-- supply it (the cycle's bulk statements) and the opening events written by the trigger above
-- (trigger depth 1, their from_status is null by definition) are checked once per statement by
-- apply_presentment_events below instead.
drop trigger presentment_event_apply on presentment_event;
create trigger presentment_event_apply before insert on presentment_event
    for each row
    when (new.from_status is null and pg_trigger_depth() = 0)
    execute function apply_presentment_event();

-- Checks and applies a statement's events (collections.md rule 3):
-- * every event records the role in effect (the column's default, current_user, is that role
--   outside SECURITY DEFINER functions; such functions pass pocket_effective_role());
-- * an event with a from_status moves its presentment only if the presentment is in that status
--   now: the update below takes the presentment's row lock and re-reads it, so two writers cannot
--   both move it from the same status; a statement whose from_status is stale fails with
--   serialization_failure (40001) and is retried by its job;
-- * a statement appends at most one event per presentment;
-- * an event without from_status is an opening event: its presentment has no earlier event.
create or replace function apply_presentment_events() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_role text := pocket_effective_role();
    v_moving bigint;
    v_forged bigint;
    v_moved bigint;
begin
    select count(*) filter (where from_status is not null),
           count(*) filter (where effective_role is distinct from v_role)
    into v_moving, v_forged
    from new_rows;
    if v_forged > 0 then
        raise exception 'a presentment event records the role in effect (%)', v_role
            using errcode = 'check_violation', constraint = 'presentment_event_effective_role';
    end if;
    if v_moving > 0 then
        update presentment p
        set status = n.to_status, reason_code = coalesce(n.reason_code, p.reason_code), updated_at = now()
        from new_rows n
        where p.presentment_id = n.presentment_id
          and n.from_status is not null
          and p.status = n.from_status;
        get diagnostics v_moved = row_count;
        if v_moved <> v_moving then
            if exists (select from new_rows group by presentment_id having count(*) > 1) then
                raise exception 'a statement appends at most one event per presentment'
                    using errcode = 'check_violation', constraint = 'presentment_event_one_per_statement';
            end if;
            raise exception 'a presentment is no longer in the status its event moves it from'
                using errcode = 'serialization_failure', constraint = 'presentment_event_from_status';
        end if;
    end if;
    if exists (select from new_rows n
               where n.from_status is null
                 and exists (select from presentment_event e
                             where e.presentment_id = n.presentment_id and e.seq < n.seq)) then
        raise exception 'only the first event of a presentment comes from no status'
            using errcode = 'check_violation', constraint = 'presentment_event_from_status';
    end if;
    return null;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Statistics of a statement just read. The lines of a statement are copied in and matched in the
-- same transaction, before autovacuum could sample them; without statistics the planner takes a
-- million lines for a handful and probes the presentments a million times. ANALYZE needs the
-- table's owner, so the cycle asks for it through this function.
-- ---------------------------------------------------------------------------------------------
create function analyze_statement_lines() returns void
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    analyze statement_line;
end
$$;
revoke all on function analyze_statement_lines() from public;
grant execute on function analyze_statement_lines() to pocket_worker, pocket_collections;

-- ---------------------------------------------------------------------------------------------
-- Referential integrity of the three tables the cycle fills by the million, once per statement.
-- A foreign key checks each new row on its own (one lookup and one row lock on the referenced
-- row per key per row: four per presentment, three per posting), and again for every row
-- updated twice in one transaction. These triggers enforce the same rules with the same
-- constraint names and error code (foreign_key_violation):
--
-- * a new row's key must name an existing row (one hash or merge join for the whole statement);
-- * a row that is still referenced cannot be deleted (checked once per delete statement);
-- * the referenced keys never change (a primary key update is refused).
--
-- Unlike a foreign key, the check does not lock the referenced rows FOR KEY SHARE: at a million
-- rows that lock rewrites three million rows of loans, instalments and mandates. What the lock
-- guards against is a delete of the referenced row committing between the check and the end of
-- the inserting transaction; no role is granted DELETE on these tables and nothing in the
-- platform deletes them, so only the owner could race that way, and a delete made afterwards
-- still fails on the references it finds.
--
-- presentment_event and ledger_posting are append-only, so their keys are checked on insert
-- only; presentment's keys are checked again when an update changes one (a batch assignment).
-- ---------------------------------------------------------------------------------------------

-- Arguments, in groups of four: the column of the new rows, the referenced table, its key
-- column, and the constraint's name.
create function check_references() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    i integer := 0;
    v_wanted bigint;
    v_held bigint;
begin
    while i + 3 < tg_nargs loop
        execute format(
            'with wanted as (select distinct %1$I as k from new_rows where %1$I is not null)
             select (select count(*) from wanted),
                    (select count(*) from %2$I p where p.%3$I in (select k from wanted))',
            tg_argv[i], tg_argv[i + 1], tg_argv[i + 2])
        into v_wanted, v_held;
        if v_wanted <> v_held then
            raise exception 'insert or update on table "%" violates foreign key constraint "%"',
                tg_table_name, tg_argv[i + 3]
                using errcode = 'foreign_key_violation', constraint = tg_argv[i + 3],
                      table = tg_table_name;
        end if;
        i := i + 4;
    end loop;
    return null;
end
$$;

-- The same for one updated row (same arguments).
create function check_references_row() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    i integer := 0;
    v_key text;
    v_found boolean;
begin
    while i + 3 < tg_nargs loop
        v_key := to_jsonb(new) ->> tg_argv[i];
        if v_key is not null then
            execute format('select true from %1$I p where p.%2$I = %3$L',
                           tg_argv[i + 1], tg_argv[i + 2], v_key)
            into v_found;
            if v_found is null then
                raise exception 'insert or update on table "%" violates foreign key constraint "%"',
                    tg_table_name, tg_argv[i + 3]
                    using errcode = 'foreign_key_violation', constraint = tg_argv[i + 3],
                          table = tg_table_name;
            end if;
        end if;
        i := i + 4;
    end loop;
    return null;
end
$$;

-- Arguments, in groups of four: this table's key column, a referencing table, its column, and
-- the constraint's name.
create function restrict_referenced() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    i integer := 0;
    v_found boolean;
begin
    while i + 3 < tg_nargs loop
        execute format(
            'select exists (select from old_rows o join %2$I c on c.%3$I = o.%1$I)',
            tg_argv[i], tg_argv[i + 1], tg_argv[i + 2])
        into v_found;
        if v_found then
            raise exception 'update or delete on table "%" violates foreign key constraint "%" on table "%"',
                tg_table_name, tg_argv[i + 3], tg_argv[i + 1]
                using errcode = 'foreign_key_violation', constraint = tg_argv[i + 3],
                      table = tg_argv[i + 1];
        end if;
        i := i + 4;
    end loop;
    return null;
end
$$;

create function forbid_key_change() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    raise exception 'the key of % never changes', tg_table_name
        using errcode = 'foreign_key_violation', constraint = tg_table_name || '_pkey';
end
$$;

alter table presentment
    drop constraint presentment_instalment_fkey,
    drop constraint presentment_loan_fkey,
    drop constraint presentment_mandate_fkey,
    drop constraint presentment_batch_fkey;
alter table presentment_event
    drop constraint presentment_event_presentment_fkey;
alter table ledger_posting
    drop constraint ledger_posting_loan_fkey,
    drop constraint ledger_posting_instalment_fkey,
    drop constraint ledger_posting_presentment_fkey;

create trigger presentment_references after insert on presentment
    referencing new table as new_rows for each statement
    execute function check_references(
        'instalment_id', 'instalment', 'instalment_id', 'presentment_instalment_fkey',
        'loan_id', 'loan', 'loan_id', 'presentment_loan_fkey',
        'mandate_id', 'mandate', 'mandate_id', 'presentment_mandate_fkey',
        'collection_batch_id', 'collection_batch', 'collection_batch_id', 'presentment_batch_fkey');
create trigger presentment_references_update after update on presentment
    for each row
    when ((old.instalment_id, old.loan_id, old.mandate_id, old.collection_batch_id)
          is distinct from (new.instalment_id, new.loan_id, new.mandate_id, new.collection_batch_id))
    execute function check_references_row(
        'instalment_id', 'instalment', 'instalment_id', 'presentment_instalment_fkey',
        'loan_id', 'loan', 'loan_id', 'presentment_loan_fkey',
        'mandate_id', 'mandate', 'mandate_id', 'presentment_mandate_fkey',
        'collection_batch_id', 'collection_batch', 'collection_batch_id', 'presentment_batch_fkey');
create trigger presentment_event_references after insert on presentment_event
    referencing new table as new_rows for each statement
    execute function check_references(
        'presentment_id', 'presentment', 'presentment_id', 'presentment_event_presentment_fkey');
create trigger ledger_posting_references after insert on ledger_posting
    referencing new table as new_rows for each statement
    execute function check_references(
        'loan_id', 'loan', 'loan_id', 'ledger_posting_loan_fkey',
        'instalment_id', 'instalment', 'instalment_id', 'ledger_posting_instalment_fkey',
        'presentment_id', 'presentment', 'presentment_id', 'ledger_posting_presentment_fkey');

create trigger loan_referenced after delete on loan
    referencing old table as old_rows for each statement
    execute function restrict_referenced(
        'loan_id', 'presentment', 'loan_id', 'presentment_loan_fkey',
        'loan_id', 'ledger_posting', 'loan_id', 'ledger_posting_loan_fkey');
create trigger instalment_referenced after delete on instalment
    referencing old table as old_rows for each statement
    execute function restrict_referenced(
        'instalment_id', 'presentment', 'instalment_id', 'presentment_instalment_fkey',
        'instalment_id', 'ledger_posting', 'instalment_id', 'ledger_posting_instalment_fkey');
create trigger mandate_referenced after delete on mandate
    referencing old table as old_rows for each statement
    execute function restrict_referenced(
        'mandate_id', 'presentment', 'mandate_id', 'presentment_mandate_fkey');
create trigger collection_batch_referenced after delete on collection_batch
    referencing old table as old_rows for each statement
    execute function restrict_referenced(
        'collection_batch_id', 'presentment', 'collection_batch_id', 'presentment_batch_fkey');
create trigger presentment_referenced after delete on presentment
    referencing old table as old_rows for each statement
    execute function restrict_referenced(
        'presentment_id', 'presentment_event', 'presentment_id', 'presentment_event_presentment_fkey',
        'presentment_id', 'ledger_posting', 'presentment_id', 'ledger_posting_presentment_fkey');

create trigger loan_key_fixed before update on loan
    for each row when (old.loan_id is distinct from new.loan_id) execute function forbid_key_change();
create trigger instalment_key_fixed before update on instalment
    for each row when (old.instalment_id is distinct from new.instalment_id) execute function forbid_key_change();
create trigger mandate_key_fixed before update on mandate
    for each row when (old.mandate_id is distinct from new.mandate_id) execute function forbid_key_change();
create trigger collection_batch_key_fixed before update on collection_batch
    for each row when (old.collection_batch_id is distinct from new.collection_batch_id)
    execute function forbid_key_change();
create trigger presentment_key_fixed before update on presentment
    for each row when (old.presentment_id is distinct from new.presentment_id) execute function forbid_key_change();

-- ---------------------------------------------------------------------------------------------
-- Row triggers that only matter for some rows run only for those rows.
-- ---------------------------------------------------------------------------------------------

-- check_ledger_posting (000004) only looks at reversals and write-offs.
drop trigger ledger_posting_check on ledger_posting;
create trigger ledger_posting_check before insert on ledger_posting
    for each row when (new.kind in ('reversal', 'write_off')) execute function check_ledger_posting();

-- guard_loan (000004): every insert; an update only when the balance or the write-off status
-- changes, the two things it guards on an update.
drop trigger loan_guard on loan;
create trigger loan_guard before insert on loan
    for each row execute function guard_loan();
create trigger loan_guard_update before update on loan
    for each row
    when (old.balance_cents is distinct from new.balance_cents
          or (new.status = 'written_off' and old.status is distinct from 'written_off'))
    execute function guard_loan();

-- set_updated_at (000001) for the tables the cycle updates in bulk, only for rows whose
-- updated_at is not now() already (the cycle's statements set it themselves): the result is the
-- same as before, updated_at = now() after every update.
drop trigger loan_updated_at on loan;
create trigger loan_updated_at before update on loan
    for each row when (new.updated_at is distinct from now()) execute function set_updated_at();
drop trigger instalment_updated_at on instalment;
create trigger instalment_updated_at before update on instalment
    for each row when (new.updated_at is distinct from now()) execute function set_updated_at();
drop trigger presentment_updated_at on presentment;
create trigger presentment_updated_at before update on presentment
    for each row when (new.updated_at is distinct from now()) execute function set_updated_at();
-- The statements that set updated_at themselves run as the roles that hold column grants on
-- these tables (the worker, collections clerks, officers and supervisors), so the column is theirs
-- to set too; the trigger still makes any other value now().
grant update (updated_at) on loan, instalment, presentment
    to pocket_worker, pocket_collections, pocket_officer, pocket_supervisor;

-- apply_ledger_postings (000008) with the loan's updated_at set by the statement itself.
create or replace function apply_ledger_postings() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
    update loan l set balance_cents = l.balance_cents + t.total, updated_at = now()
    from (select loan_id, sum(amount_cents)::bigint as total from new_rows group by loan_id) t
    where l.loan_id = t.loan_id and t.total <> 0;
    return null;
end
$$;

-- The loan's own references, the same way: the cycle updates a loan twice in one transaction
-- (its balance with the postings, then its status), and a foreign key checks every key of a row
-- again when the row was already written by the same transaction, four lookups and locks per
-- loan for keys that did not change. Nothing deletes applications, applicants, agreements or
-- decisions; should anything try while a loan names them, it fails as before.
alter table loan
    drop constraint loan_application_fkey,
    drop constraint loan_applicant_fkey,
    drop constraint loan_agreement_fkey,
    drop constraint loan_decision_fkey;
create trigger loan_references after insert on loan
    referencing new table as new_rows for each statement
    execute function check_references(
        'application_id', 'application', 'application_id', 'loan_application_fkey',
        'applicant_id', 'applicant', 'applicant_id', 'loan_applicant_fkey',
        'agreement_id', 'agreement', 'agreement_id', 'loan_agreement_fkey',
        'decision_id', 'decision', 'decision_id', 'loan_decision_fkey');
create trigger loan_references_update after update on loan
    for each row
    when ((old.application_id, old.applicant_id, old.agreement_id, old.decision_id)
          is distinct from (new.application_id, new.applicant_id, new.agreement_id, new.decision_id))
    execute function check_references_row(
        'application_id', 'application', 'application_id', 'loan_application_fkey',
        'applicant_id', 'applicant', 'applicant_id', 'loan_applicant_fkey',
        'agreement_id', 'agreement', 'agreement_id', 'loan_agreement_fkey',
        'decision_id', 'decision', 'decision_id', 'loan_decision_fkey');
create trigger application_referenced_by_loan after delete on application
    referencing old table as old_rows for each statement
    execute function restrict_referenced('application_id', 'loan', 'application_id', 'loan_application_fkey');
create trigger applicant_referenced_by_loan after delete on applicant
    referencing old table as old_rows for each statement
    execute function restrict_referenced('applicant_id', 'loan', 'applicant_id', 'loan_applicant_fkey');
create trigger agreement_referenced_by_loan after delete on agreement
    referencing old table as old_rows for each statement
    execute function restrict_referenced('agreement_id', 'loan', 'agreement_id', 'loan_agreement_fkey');
create trigger decision_referenced_by_loan after delete on decision
    referencing old table as old_rows for each statement
    execute function restrict_referenced('decision_id', 'loan', 'decision_id', 'loan_decision_fkey');
create trigger application_key_fixed before update on application
    for each row when (old.application_id is distinct from new.application_id) execute function forbid_key_change();
create trigger applicant_key_fixed before update on applicant
    for each row when (old.applicant_id is distinct from new.applicant_id) execute function forbid_key_change();
create trigger agreement_key_fixed before update on agreement
    for each row when (old.agreement_id is distinct from new.agreement_id) execute function forbid_key_change();
create trigger decision_key_fixed before update on decision
    for each row when (old.decision_id is distinct from new.decision_id) execute function forbid_key_change();
