//! Officers: PostgreSQL logins in one group role each (DESIGN.md decision 1), created and disabled
//! through SECURITY DEFINER functions that only `pocket_admin` may call.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};
use crate::scram;

text_enum! {
    /// The group roles an officer login can belong to.
    pub enum OfficerGroup {
        Officer => "pocket_officer",
        Supervisor => "pocket_supervisor",
        Collections => "pocket_collections",
        Admin => "pocket_admin",
        Auditor => "pocket_auditor",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOfficer {
    pub login_name: String,
    pub group: OfficerGroup,
    pub full_name: String,
    pub email: String,
    pub approval_limit_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub officer_id: Uuid,
    pub login_name: String,
    pub full_name: String,
    pub email: String,
    pub group: OfficerGroup,
    pub approval_limit_cents: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Creates the officer's login from a SCRAM-SHA-256 verifier (what the desktop sends).
pub async fn create_with_verifier(
    conn: &mut PgConnection,
    new: &NewOfficer,
    verifier: &str,
) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"select create_officer($1, $2, $3, $4, $5, $6) as "officer_id!""#,
        new.login_name,
        verifier,
        new.group.as_str(),
        new.full_name,
        new.email,
        new.approval_limit_cents,
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Creates the officer's login from a password, computing the verifier here so the password never
/// leaves the process.
pub async fn create(conn: &mut PgConnection, new: &NewOfficer, password: &str) -> Result<Uuid> {
    create_with_verifier(conn, new, &scram::verifier(password)).await
}

pub async fn disable(conn: &mut PgConnection, officer_id: Uuid) -> Result<()> {
    sqlx::query!("select disable_officer($1)", officer_id).execute(conn).await?;
    Ok(())
}

pub async fn set_approval_limit(
    conn: &mut PgConnection,
    officer_id: Uuid,
    cents: i64,
) -> Result<()> {
    let done = sqlx::query!(
        "update officer set approval_limit_cents = $2 where officer_id = $1",
        officer_id,
        cents
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "officer")
}

/// The officer signed in on this connection (matched on the real login, `session_user`).
pub async fn current(conn: &mut PgConnection) -> Result<Option<Officer>> {
    Ok(sqlx::query_as!(
        Officer,
        r#"select officer_id, login_name, full_name, email, group_role as "group: OfficerGroup",
                  approval_limit_cents, active, created_at
           from officer where login_name = session_user"#
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn get(conn: &mut PgConnection, officer_id: Uuid) -> Result<Officer> {
    let row = sqlx::query_as!(
        Officer,
        r#"select officer_id, login_name, full_name, email, group_role as "group: OfficerGroup",
                  approval_limit_cents, active, created_at
           from officer where officer_id = $1"#,
        officer_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "officer")
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<Officer>> {
    Ok(sqlx::query_as!(
        Officer,
        r#"select officer_id, login_name, full_name, email, group_role as "group: OfficerGroup",
                  approval_limit_cents, active, created_at
           from officer order by full_name, login_name"#
    )
    .fetch_all(conn)
    .await?)
}
