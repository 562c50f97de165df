-- The back office's reports and administration screens (crates/store/src/reports.rs and
-- crates/store/src/admin.rs).
--
-- 1. Effective-dated values are history once in force: nobody but the schema's owner may add a
--    value from a day already past, nor change or remove one in force (credit-law.md: the value
--    on a day must stay what it was on that day). A new value is a new row; the unique
--    (code, effective_from) constraints keep two values from competing on one day.
-- 2. An administrator changes an officer's group role through a SECURITY DEFINER function, as
--    creating and disabling already go (DESIGN.md decision 1).
-- 3. Indexes for the reports' date ranges and the audit log viewer's filters.

-- Today as a business date (Africa/Johannesburg civil date, ARCHITECTURE.md).
create function business_today() returns date
language sql
stable
set search_path = pg_catalog
as $$ select (now() at time zone 'Africa/Johannesburg')::date $$;

-- Whether the role in effect may rewrite effective-dated history: the owner of the schema (who
-- runs the migrations and the seed) and superusers only.
create function may_rewrite_history(p_table regclass) returns boolean
language sql
stable
set search_path = pg_catalog
as $$
    select current_user = (select pg_get_userbyid(relowner) from pg_class where oid = p_table)
        or coalesce((select rolsuper from pg_roles where rolname = current_user), false)
$$;

create function guard_effective_history() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    if may_rewrite_history(tg_relid) then
        return coalesce(new, old);
    end if;
    if tg_op = 'INSERT' then
        if new.effective_from < business_today() then
            raise exception 'a value cannot start on %: that day is past (history is never rewritten)',
                new.effective_from
                using errcode = 'check_violation', constraint = tg_table_name || '_not_backdated';
        end if;
        return new;
    end if;
    if old.effective_from <= business_today() then
        raise exception 'a value in force since % is history: add a new value instead',
            old.effective_from
            using errcode = 'check_violation', constraint = tg_table_name || '_history_frozen';
    end if;
    if tg_op = 'UPDATE' and new.effective_from < business_today() then
        raise exception 'a value cannot start on a past day'
            using errcode = 'check_violation', constraint = tg_table_name || '_not_backdated';
    end if;
    return coalesce(new, old);
end
$$;

create trigger regulatory_parameter_history before insert or update or delete on regulatory_parameter
    for each row execute function guard_effective_history();
create trigger product_pricing_history before insert or update or delete on product_pricing
    for each row execute function guard_effective_history();
create trigger lending_policy_threshold_history before insert or update or delete on lending_policy_threshold
    for each row execute function guard_effective_history();

-- Moves an officer to another group role: the login leaves every officer group and joins the new
-- one, in one transaction with the officer row (which the audit trigger records).
create function set_officer_group(p_officer_id uuid, p_group_role text) returns void
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_login text;
    v_group text;
begin
    if p_group_role is null or p_group_role not in (
        'pocket_officer', 'pocket_supervisor', 'pocket_collections', 'pocket_admin', 'pocket_auditor'
    ) then
        raise exception 'not an officer group'
            using errcode = 'invalid_parameter_value', constraint = 'officer_group_role_check';
    end if;
    select login_name into v_login from officer where officer_id = p_officer_id and active for update;
    if v_login is null then
        raise exception 'no active officer %', p_officer_id
            using errcode = 'no_data_found', constraint = 'officer_pkey';
    end if;
    -- An administrator cannot demote themselves: the last way back would be the database owner.
    if v_login = session_user and p_group_role <> 'pocket_admin' then
        raise exception 'administrators cannot change their own role'
            using errcode = 'insufficient_privilege', constraint = 'officer_own_role';
    end if;
    foreach v_group in array array[
        'pocket_officer', 'pocket_supervisor', 'pocket_collections', 'pocket_admin', 'pocket_auditor'
    ] loop
        if v_group <> p_group_role and exists (
            select from pg_auth_members m
            where m.roleid = v_group::regrole and m.member = v_login::regrole
        ) then
            execute format('revoke %I from %I', v_group, v_login);
        end if;
    end loop;
    execute format('grant %I to %I', p_group_role, v_login);
    update officer set group_role = p_group_role where officer_id = p_officer_id;
end
$$;

revoke all on function set_officer_group(uuid, text) from public;
grant execute on function set_officer_group(uuid, text) to pocket_admin;

-- Reports: applications by the day they were created, loans by the day they were paid out.
create index application_created_idx on application (created_at);
-- Loans by pay-out date use loan_disbursed_idx (20261205000014), which serves ranges in either direction.
-- The audit log viewer: newest first, within a table, or by the person.
create index audit_log_table_seq_idx on audit_log (table_name, seq desc);
create index audit_log_login_seq_idx on audit_log (login_role, seq desc);
