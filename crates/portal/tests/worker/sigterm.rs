//! A rolling deployment sends SIGTERM to the old pods: the real `pocket` processes, started from
//! the built binary, must lose no request and no job. The worker lets the job in flight finish;
//! the public server refuses new connections but completes the request it is reading.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use pocket_sandbox::xds::Fault;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{
    application_status, database_url, eventually, simulators, submitted_application, worker_env,
};

/// A `pocket` child process, killed if the test fails before it exits.
struct Process(Child);

impl Process {
    fn start(command: &str, env: &[(&str, String)]) -> Process {
        let child = Command::new(env!("CARGO_BIN_EXE_pocket"))
            .arg(command)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .spawn()
            .expect("the pocket binary starts");
        Process(child)
    }

    /// Sends SIGTERM, as the kubelet does.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM delivered");
    }

    async fn exit_status(&mut self) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = self.0.try_wait().expect("waiting for the process") {
                return status;
            }
            assert!(tokio::time::Instant::now() < deadline, "the process did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port")
}

async fn answers_ok(url: &str) -> bool {
    reqwest::get(url).await.is_ok_and(|r| r.status().is_success())
}

async fn job_status(pool: &PgPool, kind: &str) -> Option<String> {
    sqlx::query_scalar("select status from job where kind = $1")
        .bind(kind)
        .fetch_optional(pool)
        .await
        .expect("job")
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn on_sigterm_the_worker_finishes_the_bureau_enquiry_in_flight(pool: PgPool) {
    let (sms, bureau) = simulators().await;
    // Every bureau call takes two seconds, so the enquiry is surely in flight at SIGTERM.
    bureau.inject_everywhere(Fault::Latency(Duration::from_secs(2)));
    let addr = free_addr();
    let env = worker_env(&pool, &sms, &bureau, addr).await;
    let mut worker = Process::start("worker", &env);
    let ready = format!("http://{addr}/health/ready");
    eventually("the worker is ready", || answers_ok(&ready)).await;

    let application_id = submitted_application(&pool).await;
    eventually("the enquiry is running", || async {
        job_status(&pool, "bureau.enquire").await.as_deref() == Some("running")
    })
    .await;
    worker.terminate();

    let status = worker.exit_status().await;
    assert!(status.success(), "the worker exits cleanly after SIGTERM: {status}");
    assert_eq!(job_status(&pool, "bureau.enquire").await.as_deref(), Some("succeeded"));
    assert_eq!(application_status(&pool, application_id).await, "pre_approved");
    assert!(!bureau.enquiries().is_empty(), "the enquiry reached the bureau");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn on_sigterm_the_portal_completes_the_request_it_is_reading_and_takes_no_new_ones(
    pool: PgPool,
) {
    let (sms, _bureau) = simulators().await;
    let addr = free_addr();
    let documents = std::env::temp_dir().join(format!("pocket-sigterm-{}", uuid::Uuid::new_v4()));
    let env = vec![
        ("DATABASE_URL", database_url(&pool).await),
        ("POCKET_PORTAL_ADDR", addr.to_string()),
        ("POCKET_PUBLIC_URL", format!("http://{addr}")),
        ("POCKET_DEV_MODE", "true".to_string()),
        ("POCKET_PORTAL_SECRET", "a-portal-secret-of-at-least-32-characters".to_string()),
        ("POCKET_DOCUMENTS", documents.display().to_string()),
        ("CLICKATELL_URL", sms.url()),
        ("CLICKATELL_API_KEY", sms.api_key()),
    ];
    let mut portal = Process::start("serve", &env);
    let healthz = format!("http://{addr}/healthz");
    eventually("the portal is up", || answers_ok(&healthz)).await;

    // A client on a slow connection has sent the headers and half of the body.
    let body = br#"{"message":"TypeError: x is undefined","source":"/static/app.js"}"#;
    let mut slow = TcpStream::connect(addr).await.expect("connects");
    let head = format!(
        "POST /beacon HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.expect("headers sent");
    slow.write_all(&body[..20]).await.expect("half the body sent");
    tokio::time::sleep(Duration::from_millis(200)).await;

    portal.terminate();
    eventually("the portal stops taking connections", || async {
        TcpStream::connect(addr).await.is_err()
    })
    .await;

    slow.write_all(&body[20..]).await.expect("the rest of the body sent");
    let mut response = Vec::new();
    slow.read_to_end(&mut response).await.expect("the response arrives");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 204"), "the request in flight is answered: {response}");

    let status = portal.exit_status().await;
    assert!(status.success(), "the portal exits cleanly after SIGTERM: {status}");
    let _ = std::fs::remove_dir_all(documents);
}
