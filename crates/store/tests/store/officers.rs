//! Officers are real PostgreSQL logins created from a SCRAM-SHA-256 verifier.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use pocket_store::officers::{self, NewOfficer, OfficerGroup};
use pocket_store::{DbSettings, Password, StoreError, scram};
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::common;

fn unique_login(prefix: &str) -> String {
    format!("{prefix}_{}", &Uuid::new_v4().simple().to_string()[..10])
}

fn new_officer(login: &str, group: OfficerGroup) -> NewOfficer {
    NewOfficer {
        login_name: login.to_owned(),
        group,
        full_name: "Naledi Dlamini".into(),
        email: "naledi@example.co.za".into(),
        approval_limit_cents: 300_000,
    }
}

/// The server's check of a password against a stored verifier (RFC 5802 section 3): recompute
/// the ClientKey from the password with the stored salt and iterations, and compare its hash with
/// the StoredKey.
fn verifier_accepts(verifier: &str, password: &str) -> bool {
    let rest = verifier.strip_prefix("SCRAM-SHA-256$").unwrap();
    let (params, keys) = rest.split_once('$').unwrap();
    let (iterations, salt) = params.split_once(':').unwrap();
    let (stored, _server) = keys.split_once(':').unwrap();
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password.as_bytes(),
        &STANDARD.decode(salt).unwrap(),
        iterations.parse().unwrap(),
        &mut salted,
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&salted).unwrap();
    mac.update(b"Client Key");
    let client_key = mac.finalize().into_bytes();
    Sha256::digest(client_key).as_slice() == STANDARD.decode(stored).unwrap().as_slice()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_officer_created_from_a_verifier_can_sign_in_with_the_password(pool: PgPool) {
    let login = unique_login("naledi");
    let password = "Winter-is-coming-2026";
    let verifier = scram::verifier(password);
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role pocket_admin").execute(&mut *tx).await.unwrap();
    let officer_id = officers::create_with_verifier(
        &mut tx,
        &new_officer(&login, OfficerGroup::Supervisor),
        &verifier,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // PostgreSQL stored exactly the verifier, and it accepts the password and no other.
    let stored: Option<String> =
        sqlx::query_scalar("select rolpassword from pg_authid where rolname = $1")
            .bind(&login)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some(verifier.as_str()));
    assert!(verifier_accepts(&verifier, password));
    assert!(!verifier_accepts(&verifier, "winter-is-coming-2026"));

    // The login connects to the server the tests run on, as itself, and acts as its group. Where
    // that server checks passwords (the project's private cluster does, with SCRAM), this is the
    // real handshake; the verifier check above proves the password where a server trusts.
    let database: String =
        sqlx::query_scalar("select current_database()").fetch_one(&pool).await.unwrap();
    let server = common::server_settings();
    let mut settings = DbSettings { username: login.clone(), database, ..server };
    settings.password = Password::new(password);
    let mut conn = PgConnection::connect_with(&settings.connect_options()).await.unwrap();
    let me = officers::current(&mut conn).await.unwrap().unwrap();
    assert_eq!((me.officer_id, me.group), (officer_id, OfficerGroup::Supervisor));
    let member: bool =
        sqlx::query_scalar("select pg_has_role(session_user, 'pocket_officer', 'usage')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(member, "a supervisor has the officer's rights too");
    conn.close().await.unwrap();

    // Disabling ends the ability to connect.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role pocket_admin").execute(&mut *tx).await.unwrap();
    officers::disable(&mut tx, officer_id).await.unwrap();
    tx.commit().await.unwrap();
    assert!(PgConnection::connect_with(&settings.connect_options()).await.is_err());
    common::drop_logins(&pool, &[&login]).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn only_an_admin_may_create_an_officer(pool: PgPool) {
    for role in [
        "pocket_officer",
        "pocket_supervisor",
        "pocket_collections",
        "pocket_auditor",
        "pocket_portal",
        "pocket_worker",
    ] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&format!("set local role {role}")).execute(&mut *tx).await.unwrap();
        let login = unique_login("mallory");
        let result =
            officers::create(&mut tx, &new_officer(&login, OfficerGroup::Admin), "pw").await;
        assert!(matches!(result, Err(StoreError::Forbidden { .. })), "{role}: {result:?}");
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_create_officer_function_checks_the_login_the_verifier_and_the_group(pool: PgPool) {
    let good = scram::verifier("pw");
    let cases = [
        ("Bad-Name", good.as_str(), "pocket_officer", "officer_login_name_format"),
        ("pocket_evil", good.as_str(), "pocket_officer", "officer_login_name_format"),
        ("pg_evil", good.as_str(), "pocket_officer", "officer_login_name_format"),
        ("valid_name", "plain-password", "pocket_officer", "officer_scram_verifier_format"),
        ("valid_name", "md5abcdef", "pocket_officer", "officer_scram_verifier_format"),
        ("valid_name", good.as_str(), "postgres", "officer_group_role_check"),
        ("valid_name", good.as_str(), "pocket_portal", "officer_group_role_check"),
    ];
    // A login that already exists (the test's own) cannot be taken over.
    let me: String =
        sqlx::query_scalar("select session_user::text").fetch_one(&pool).await.unwrap();
    let cases = cases.into_iter().chain([(
        me.as_str(),
        good.as_str(),
        "pocket_officer",
        "officer_login_name_key",
    )]);
    for (login, verifier, group, expected) in cases {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("set local role pocket_admin").execute(&mut *tx).await.unwrap();
        let result: Result<_, StoreError> = sqlx::query_scalar::<_, Uuid>(
            "select create_officer($1, $2, $3, 'X', 'x@example.co.za', 0)",
        )
        .bind(login)
        .bind(verifier)
        .bind(group)
        .fetch_one(&mut *tx)
        .await
        .map_err(Into::into);
        let err = result.expect_err(expected);
        assert_eq!(err.constraint(), Some(expected), "{login} {group}: {err:?}");
    }
}

#[test]
fn settings_never_print_the_password() {
    let mut settings = DbSettings::local("naledi", "pocket");
    settings.password = Password::new("s3cret-value");
    assert!(!format!("{settings:?}").contains("s3cret-value"));
    assert!(!settings.to_string().contains("s3cret-value"));
}
