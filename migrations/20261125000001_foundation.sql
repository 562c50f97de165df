-- Foundation: group roles, shared trigger functions and the audit log.
--
-- Conventions (STYLE.md, SQL): lowercase SQL, singular table names, `<table>_id` uuid keys,
-- created_at/updated_at kept by a trigger, every constraint named so the store can map a
-- violation to a typed error. Append-only logs also carry a `seq` identity column because
-- rows written in one transaction share the same now() and still need a total order.

-- Group roles (DESIGN.md decision 1). Roles are cluster-wide and `#[sqlx::test]` applies these
-- migrations to many databases of one cluster at the same time, so creation must tolerate both a
-- role that already exists and a concurrent creator that wins the race.
do $$
declare
    v_role text;
begin
    foreach v_role in array array[
        'pocket_officer', 'pocket_supervisor', 'pocket_collections', 'pocket_admin',
        'pocket_auditor', 'pocket_portal', 'pocket_worker'
    ] loop
        begin
            execute format('create role %I nologin', v_role);
        exception when duplicate_object or unique_violation then
            null;
        end;
    end loop;
end
$$;

-- A supervisor is an officer with more rights: membership passes the officer grants on (roles
-- inherit by default, and so do the officer logins created in each group).
do $$
begin
    if not pg_has_role('pocket_supervisor', 'pocket_officer', 'member') then
        begin
            grant pocket_officer to pocket_supervisor;
        exception when duplicate_object or unique_violation then
            null;
        end;
    end if;
end
$$;

-- Nobody but the owner may create objects in the schema.
revoke create on schema public from public;

-- Whether the role now in effect acts with the rights of `p_role`. Superusers (the migration and
-- test owner) pass every check, as PostgreSQL's own privilege checks do.
create function pocket_acts_as(p_role text) returns boolean
language sql stable
set search_path = pg_catalog, public
as $$
    select pg_has_role(current_user, p_role, 'usage')
$$;

-- The role the caller is using, also from inside a SECURITY DEFINER function (where current_user
-- is the function's owner): `SET ROLE` is kept in the `role` setting, otherwise it is the login.
create function pocket_effective_role() returns text
language sql stable
set search_path = pg_catalog, public
as $$
    select case
        when current_setting('role') = 'none' then session_user::text
        else current_setting('role')
    end
$$;

create function set_updated_at() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    new.updated_at := now();
    return new;
end
$$;

-- Append-only tables refuse UPDATE, DELETE and TRUNCATE for everyone, owners and superusers
-- included (DESIGN.md decision 3): a correction is a new row, never an edit.
create function forbid_mutation() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
begin
    raise exception '% is append-only: % is not allowed', tg_table_name, lower(tg_op)
        using errcode = 'restrict_violation', constraint = tg_table_name || '_append_only';
end
$$;

create table audit_log (
    audit_log_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    table_name text not null,
    row_key text,
    action text not null,
    old_row jsonb,
    new_row jsonb,
    -- session_user is the real login even after SET ROLE; effective_role is what it acted as.
    login_role text not null default session_user,
    effective_role text not null,
    txid bigint not null default txid_current(),
    occurred_at timestamptz not null default now(),
    constraint audit_log_pkey primary key (audit_log_id),
    constraint audit_log_seq_key unique (seq),
    constraint audit_log_action_check check (action in ('insert', 'update', 'delete'))
);
create index audit_log_table_row_idx on audit_log (table_name, row_key);
create index audit_log_occurred_at_idx on audit_log (occurred_at);

create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function forbid_mutation();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function forbid_mutation();

-- The audit trigger runs as its owner so that no working role needs INSERT on audit_log (and so
-- cannot forge entries). Trigger arguments name columns to leave out (secrets such as hashes).
create function audit_row() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_old jsonb;
    v_new jsonb;
    v_redact text[] := coalesce(tg_argv::text[], '{}');
begin
    if tg_op in ('UPDATE', 'DELETE') then
        v_old := to_jsonb(old) - v_redact;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        v_new := to_jsonb(new) - v_redact;
    end if;
    if tg_op = 'UPDATE' and v_old = v_new then
        return null;
    end if;
    insert into audit_log (table_name, row_key, action, old_row, new_row, effective_role)
    values (
        tg_table_name,
        coalesce(v_new, v_old) ->> (tg_table_name || '_id'),
        lower(tg_op),
        v_old,
        v_new,
        pocket_effective_role()
    );
    return null;
end
$$;

-- Live updates for the desktop app (DESIGN.md decision 2): a small payload, the reader fetches the
-- row itself with its own rights.
create function notify_change() returns trigger
language plpgsql
set search_path = pg_catalog, public
as $$
declare
    v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
    perform pg_notify(
        'pocket_change',
        json_build_object(
            'table', tg_table_name,
            'id', v_row ->> (tg_table_name || '_id'),
            'op', lower(tg_op)
        )::text
    );
    return null;
end
$$;
