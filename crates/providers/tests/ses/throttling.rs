//! Throttling and rejections as SES sends them on the wire (ses.md: restJson1 errors carry
//! `x-amzn-ErrorType`), from a minimal HTTP peer that answers a scripted sequence; moto does not
//! throttle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pocket_providers::ses::{Email, EmailSender, Rejection, SesError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::client_for;

/// Serves each request with the next `(status, error type)` of `script` (then success), and
/// counts the requests.
async fn scripted_peer(script: Vec<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let script = script.clone();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                loop {
                    // Read the head, then as many body bytes as Content-Length says.
                    let Ok(n) = stream.read(&mut buffer).await else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    let Some(head_end) = text.find("\r\n\r\n") else { continue };
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if request.len() < head_end + 4 + length {
                        continue;
                    }
                    let index = counter.fetch_add(1, Ordering::SeqCst);
                    let (status, body, error_type) = match script.get(index) {
                        Some((status, error_type)) => (
                            *status,
                            format!("{{\"message\":\"scripted {error_type}\"}}"),
                            Some(*error_type),
                        ),
                        None => (200, "{\"MessageId\":\"scripted-1\"}".to_owned(), None),
                    };
                    let mut response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\n",
                        body.len()
                    );
                    if let Some(error_type) = error_type {
                        response.push_str(&format!("x-amzn-errortype: {error_type}\r\n"));
                    }
                    response.push_str("\r\n");
                    response.push_str(&body);
                    let _ = stream.write_all(response.as_bytes()).await;
                    request.clear();
                }
            });
        }
    });
    (url, count)
}

fn email() -> Email {
    Email {
        from: "noreply@pocketloans.co.za".to_owned(),
        to: vec!["thandi@example.co.za".to_owned()],
        subject: "Paid out".to_owned(),
        text: "Your loan was paid out.".to_owned(),
        html: None,
    }
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_until_the_message_goes_through() {
    let (url, count) =
        scripted_peer(vec![(429, "TooManyRequestsException"), (429, "TooManyRequestsException")])
            .await;
    let client = client_for(&url).await;
    let id = client.send(&email()).await.expect("sent on the third attempt");
    assert_eq!(id.as_str(), "scripted-1");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn throttling_that_outlasts_the_attempts_is_a_retryable_error() {
    let (url, count) = scripted_peer(vec![(429, "TooManyRequestsException"); 10]).await;
    let client = client_for(&url).await;
    let error = client.send(&email()).await.expect_err("still throttled");
    assert!(matches!(error, SesError::Throttled(_)), "{error:?}");
    assert!(error.is_safe_to_retry() && !error.is_permanent());
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn rejections_are_typed_and_never_retried() {
    let cases = [
        (400, "MessageRejected", Rejection::MessageRejected),
        (400, "MailFromDomainNotVerifiedException", Rejection::MailFromDomainNotVerified),
        (400, "AccountSuspendedException", Rejection::AccountSuspended),
        (400, "SendingPausedException", Rejection::SendingPaused),
        (400, "LimitExceededException", Rejection::LimitExceeded),
    ];
    for (status, error_type, expected) in cases {
        let (url, count) = scripted_peer(vec![(status, error_type)]).await;
        let client = client_for(&url).await;
        let error = client.send(&email()).await.expect_err("rejected");
        assert!(
            matches!(&error, SesError::Rejected { reason, .. } if *reason == expected),
            "{error_type}: {error:?}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 1, "{error_type} was retried");
    }
}

#[tokio::test]
async fn a_server_error_is_neither_retried_nor_called_a_rejection() {
    let (url, count) = scripted_peer(vec![(500, "InternalFailure")]).await;
    let client = client_for(&url).await;
    let error = client.send(&email()).await.expect_err("failed");
    assert!(matches!(error, SesError::Service { status: Some(500), .. }), "{error:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn static_credentials_never_print() {
    let config = pocket_providers::ses::SesConfig {
        credentials: pocket_providers::ses::SesCredentials::Static {
            access_key_id: "AKIA".to_owned(),
            secret_access_key: "very-secret".to_owned(),
        },
        ..Default::default()
    };
    assert!(!format!("{config:?}").contains("very-secret"));
    assert_eq!(config.region, "af-south-1");
}
