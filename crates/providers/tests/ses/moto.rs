//! Sending through SES as moto implements it, and reading the delivered message back from
//! moto's `/moto-api/data.json`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pocket_providers::ses::{Email, EmailSender, Rejection, SesError};
use serde_json::Value;

use crate::client_for;

/// A `moto_server` child process on a free port, killed on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    async fn start() -> Moto {
        let program = std::env::var("POCKET_MOTO_SERVER").unwrap_or_else(|_| {
            panic!(
                "POCKET_MOTO_SERVER is not set: it must name a `moto_server` executable \
                 (pip install 'moto[server]'); the SES tests do not pass without it"
            )
        });
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("POCKET_MOTO_SERVER={program} does not start: {e}"));
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        // Bounded polling until moto answers.
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = http.get(format!("{}/moto-api/data.json", moto.url)).send().await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return moto;
            }
            assert!(Instant::now() < deadline, "moto_server did not answer within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The messages moto recorded as sent (ses and sesv2 share moto's backend).
    async fn sent_messages(&self) -> Vec<Value> {
        let body = reqwest::get(format!("{}/moto-api/data.json", self.url))
            .await
            .expect("moto answers")
            .bytes()
            .await
            .expect("a body");
        let data: Value = serde_json::from_slice(&body).expect("JSON");
        data["ses"]["Message"].as_array().cloned().unwrap_or_default()
    }
}

fn email(from: &str) -> Email {
    Email {
        from: from.to_owned(),
        to: vec!["thandi@example.co.za".to_owned(), "sipho@example.co.za".to_owned()],
        subject: "Your Pocket Loans application was received".to_owned(),
        text: "We received your application and will answer within one business day.".to_owned(),
        html: Some(
            "<p>We received your application and will answer within <b>one</b> business day.</p>"
                .to_owned(),
        ),
    }
}

#[tokio::test]
async fn an_email_from_a_verified_sender_is_delivered_with_its_subject_body_and_recipients() {
    let moto = Moto::start().await;
    let client = client_for(&moto.url).await;
    // moto, like SES in its sandbox, sends only from a verified identity.
    client
        .sdk()
        .create_email_identity()
        .email_identity("noreply@pocketloans.co.za")
        .send()
        .await
        .expect("moto creates the identity");

    let sent = email("noreply@pocketloans.co.za");
    let id = client.send(&sent).await.expect("sent");
    assert!(!id.as_str().is_empty());

    let messages = moto.sent_messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["id"], id.as_str());
    assert_eq!(message["source"], "noreply@pocketloans.co.za");
    assert_eq!(message["subject"], sent.subject);
    // moto keeps one body of a text+HTML message: the HTML one.
    assert_eq!(message["body"], sent.html.clone().expect("an HTML body"));
    assert_eq!(
        message["destinations"]["ToAddresses"],
        serde_json::json!(["thandi@example.co.za", "sipho@example.co.za"])
    );
}

#[tokio::test]
async fn a_text_only_email_is_delivered_with_its_text() {
    let moto = Moto::start().await;
    let client = client_for(&moto.url).await;
    client
        .sdk()
        .create_email_identity()
        .email_identity("pocketloans.co.za")
        .send()
        .await
        .expect("moto creates the domain identity");
    let sent = Email { html: None, ..email("statements@pocketloans.co.za") };
    client.send(&sent).await.expect("sent");
    let messages = moto.sent_messages().await;
    assert_eq!(messages[0]["body"], sent.text);
}

#[tokio::test]
async fn an_unverified_sender_is_a_permanent_rejection() {
    let moto = Moto::start().await;
    let client = client_for(&moto.url).await;
    let error = client.send(&email("someone@elsewhere.example")).await.expect_err("rejected");
    // ses.md: MessageRejected is never retried.
    assert!(
        matches!(error, SesError::Rejected { reason: Rejection::MessageRejected, .. }),
        "{error:?}"
    );
    assert!(error.is_permanent() && !error.is_safe_to_retry());
    assert!(moto.sent_messages().await.is_empty());
}
