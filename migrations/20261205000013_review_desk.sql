-- The officer's review desk (crates/workflows/src/desk.rs, crates/store/src/review_desk.rs): who
-- viewed which document (POPIA s19: access to personal information is controlled and traceable),
-- the verification checklist an officer confirmed for a document, requests for documents, notes
-- on an application, and the application's history read from the audit log.
--
-- Every table here is append-only: a note or a check is corrected by a newer row, never edited.

-- Every view of a document's content, by login. Written only through record_document_view, so
-- that a role that may read documents but writes nothing (the auditor) still leaves its trace.
create table document_view (
    document_view_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    document_id uuid not null,
    application_id uuid not null,
    officer_id uuid,
    login_role text not null default session_user,
    viewed_at timestamptz not null default now(),
    constraint document_view_pkey primary key (document_view_id),
    constraint document_view_seq_key unique (seq),
    constraint document_view_document_fkey foreign key (document_id) references document (document_id),
    constraint document_view_application_fkey foreign key (application_id) references application (application_id),
    constraint document_view_officer_fkey foreign key (officer_id) references officer (officer_id)
);
create index document_view_application_idx on document_view (application_id, seq);
create trigger document_view_append_only before update or delete on document_view
    for each row execute function forbid_mutation();
create trigger document_view_no_truncate before truncate on document_view
    for each statement execute function forbid_mutation();

-- The checklist an officer went through for a document, with the verdict it led to.
create table document_check (
    document_check_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    document_id uuid not null,
    application_id uuid not null,
    officer_id uuid not null,
    verdict text not null,
    -- The checklist items the officer confirmed (codes of crates/workflows/src/desk.rs).
    confirmed text[] not null,
    rejection_reason text,
    login_role text not null default session_user,
    checked_at timestamptz not null default now(),
    constraint document_check_pkey primary key (document_check_id),
    constraint document_check_seq_key unique (seq),
    constraint document_check_document_fkey foreign key (document_id) references document (document_id),
    constraint document_check_application_fkey foreign key (application_id) references application (application_id),
    constraint document_check_officer_fkey foreign key (officer_id) references officer (officer_id),
    constraint document_check_verdict_check check (verdict in ('verified', 'rejected')),
    -- A verified document had its checklist confirmed; a rejected one says why.
    constraint document_check_confirmed_check check (verdict <> 'verified' or cardinality(confirmed) > 0),
    constraint document_check_reason_check check (
        (verdict <> 'rejected' or rejection_reason is not null)
        and char_length(coalesce(rejection_reason, '')) <= 500
    )
);
create index document_check_application_idx on document_check (application_id, seq);
create trigger document_check_append_only before update or delete on document_check
    for each row execute function forbid_mutation();
create trigger document_check_no_truncate before truncate on document_check
    for each statement execute function forbid_mutation();

-- An officer's request for documents; the applicant is told by SMS and email (the outbox).
create table document_request (
    document_request_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    application_id uuid not null,
    officer_id uuid not null,
    kinds text[] not null,
    note text,
    login_role text not null default session_user,
    requested_at timestamptz not null default now(),
    constraint document_request_pkey primary key (document_request_id),
    constraint document_request_seq_key unique (seq),
    constraint document_request_application_fkey foreign key (application_id) references application (application_id),
    constraint document_request_officer_fkey foreign key (officer_id) references officer (officer_id),
    constraint document_request_kinds_check check (
        cardinality(kinds) between 1 and 6
        and kinds <@ array['id_copy', 'payslip', 'bank_statement', 'proof_of_address', 'other']
    ),
    constraint document_request_note_check check (char_length(coalesce(note, '')) <= 1000)
);
create index document_request_application_idx on document_request (application_id, seq);
create trigger document_request_append_only before update or delete on document_request
    for each row execute function forbid_mutation();
create trigger document_request_no_truncate before truncate on document_request
    for each statement execute function forbid_mutation();

-- Notes on an application: officer and time, never edited.
create table application_note (
    application_note_id uuid not null default gen_random_uuid(),
    seq bigint generated always as identity,
    application_id uuid not null,
    officer_id uuid not null,
    body text not null,
    login_role text not null default session_user,
    written_at timestamptz not null default now(),
    constraint application_note_pkey primary key (application_note_id),
    constraint application_note_seq_key unique (seq),
    constraint application_note_application_fkey foreign key (application_id) references application (application_id),
    constraint application_note_officer_fkey foreign key (officer_id) references officer (officer_id),
    constraint application_note_body_check check (char_length(btrim(body)) between 1 and 2000)
);
create index application_note_application_idx on application_note (application_id, seq);
create trigger application_note_append_only before update or delete on application_note
    for each row execute function forbid_mutation();
create trigger application_note_no_truncate before truncate on application_note
    for each statement execute function forbid_mutation();

create trigger document_check_audit after insert on document_check for each row execute function audit_row();
create trigger document_request_audit after insert on document_request for each row execute function audit_row();
create trigger application_note_audit after insert on application_note for each row execute function audit_row();

-- Other officers with the application open see notes, checks and requests as they happen.
create trigger document_check_notify after insert on document_check for each row execute function notify_change();
create trigger document_request_notify after insert on document_request for each row execute function notify_change();
create trigger application_note_notify after insert on application_note for each row execute function notify_change();

-- Officers (and supervisors, who are officers) write checks, requests and notes; the auditor and
-- the administrator read them.
grant select, insert on document_check, document_request, application_note to pocket_officer;
grant select on document_check, document_request, application_note, document_view
    to pocket_auditor, pocket_admin;
grant select on document_view to pocket_officer;

-- Records that the caller is about to see a document's content. Runs as its owner so that the
-- auditor, who may read documents but write nothing, leaves the trace too; the caller must be
-- allowed to read documents at all.
create function record_document_view(p_application_id uuid, p_document_id uuid) returns uuid
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
    v_id uuid;
begin
    if not has_table_privilege(session_user, 'public.document', 'select') then
        raise exception 'your role may not read documents'
            using errcode = 'insufficient_privilege', constraint = 'document_view_privilege';
    end if;
    if not exists (
        select from document where document_id = p_document_id and application_id = p_application_id
    ) then
        raise exception 'no such document' using errcode = 'no_data_found', constraint = 'document_pkey';
    end if;
    insert into document_view (document_id, application_id, officer_id)
    values (
        p_document_id,
        p_application_id,
        (select officer_id from officer where login_name = session_user)
    )
    returning document_view_id into v_id;
    return v_id;
end
$$;

-- One application's history from the audit log (which officers cannot read directly): the
-- application row, its documents, decisions, quotes, agreements, checks, requests and notes, and
-- the document views, newest first. Only the columns that changed are returned.
create function application_audit_trail(p_application_id uuid, p_limit integer)
returns table (
    seq bigint,
    occurred_at timestamptz,
    table_name text,
    action text,
    login_role text,
    changes jsonb
)
language sql
stable
security definer
set search_path = pg_catalog, public
as $$
    with rows as (
        select p_application_id::text as row_key, 'application'::text as table_name
        union all select document_id::text, 'document' from document where application_id = p_application_id
        union all select decision_id::text, 'decision' from decision where application_id = p_application_id
        union all select quote_id::text, 'quote' from quote where application_id = p_application_id
        union all select agreement_id::text, 'agreement' from agreement where application_id = p_application_id
        union all select document_check_id::text, 'document_check' from document_check where application_id = p_application_id
        union all select document_request_id::text, 'document_request' from document_request where application_id = p_application_id
        union all select application_note_id::text, 'application_note' from application_note where application_id = p_application_id
    ),
    trail as (
        select l.seq, l.occurred_at, l.table_name, l.action, l.login_role,
               coalesce((
                   select jsonb_object_agg(n.key, jsonb_build_array(l.old_row -> n.key, n.value))
                   from jsonb_each(l.new_row) n
                   where l.action = 'update'
                     and n.key not in ('updated_at', 'created_at')
                     and (l.old_row -> n.key) is distinct from n.value
               ), '{}'::jsonb) as changes
        from rows r
        join audit_log l on l.table_name = r.table_name and l.row_key = r.row_key
        where has_table_privilege(session_user, 'public.application', 'select')
        union all
        select v.seq, v.viewed_at, 'document_view', 'view', v.login_role,
               jsonb_build_object('document_id', v.document_id)
        from document_view v
        where v.application_id = p_application_id
          and has_table_privilege(session_user, 'public.application', 'select')
    )
    select seq, occurred_at, table_name, action, login_role, changes
    from trail
    order by occurred_at desc, seq desc
    limit least(greatest(p_limit, 1), 1000)
$$;

revoke all on function record_document_view(uuid, uuid) from public;
revoke all on function application_audit_trail(uuid, integer) from public;
grant execute on function record_document_view(uuid, uuid) to pocket_officer, pocket_auditor, pocket_admin;
grant execute on function application_audit_trail(uuid, integer) to pocket_officer, pocket_auditor, pocket_admin;
