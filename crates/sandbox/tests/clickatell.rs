//! The Clickatell simulator against the spec's examples, over raw HTTP (clickatell.md).

use std::time::Duration;

use pocket_sandbox::ClickatellSimulator;
use pocket_sandbox::clickatell::{
    ClickatellConfig, DEFAULT_API_KEY, DEFAULT_FAILING_NUMBER, DEFAULT_OPTED_OUT_NUMBER, Fault,
};
use serde_json::{Value, json};

async fn simulator() -> ClickatellSimulator {
    ClickatellSimulator::start(ClickatellConfig::default()).await.expect("the simulator starts")
}

async fn post(sim: &ClickatellSimulator, key: &str, body: &str) -> (u16, Option<String>, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/message", sim.url()))
        .header("Authorization", key)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    let retry_after =
        response.headers().get("retry-after").map(|v| v.to_str().expect("ascii").to_owned());
    let text = response.text().await.expect("a body");
    (status, retry_after, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn messages(to: &[&str]) -> String {
    let items: Vec<Value> =
        to.iter().map(|to| json!({ "channel": "sms", "to": to, "content": "hello" })).collect();
    json!({ "messages": items }).to_string()
}

#[tokio::test]
async fn a_missing_or_wrong_key_gets_the_401_body_of_the_spec() {
    let sim = simulator().await;
    for key in ["", "Bearer sandbox-clickatell-key-3f9a7c21", "other"] {
        let (status, _, body) = post(&sim, key, &messages(&["27821234567"])).await;
        // clickatell.md: 401 `{"error":{"code":1,"description":"Invalid or missing integration
        // API Key"}}`.
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"error":{"code":1,"description":"Invalid or missing integration API Key"}})
        );
    }
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn valid_messages_are_accepted_with_202_and_ids() {
    let sim = simulator().await;
    let (status, _, body) =
        post(&sim, DEFAULT_API_KEY, &messages(&["27821234567", "27615550101"])).await;
    assert_eq!(status, 202);
    assert_eq!(body["error"], Value::Null);
    let answers = body["messages"].as_array().expect("messages");
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|a| a["accepted"] == true && a["apiMessageId"].is_string()));
    assert_eq!(answers[1]["to"], "27615550101");
    assert_eq!(sim.messages().len(), 2);
    assert_eq!(sim.messages()[0].status(), "QUEUED");
}

#[tokio::test]
async fn invalid_recipients_get_a_207_with_per_message_codes() {
    let sim = simulator().await;
    let body = messages(&[
        "27821234567",
        "27999abcde",
        "+27821234567",
        "27211234567",
        DEFAULT_OPTED_OUT_NUMBER,
    ]);
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &body).await;
    // clickatell.md: 207 partial, per message `{"error":{"code":23,...},"accepted":false,...}`.
    assert_eq!(status, 207);
    let codes: Vec<Value> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["error"]["code"].clone())
        .collect();
    assert_eq!(codes, [Value::Null, json!(23), json!(23), json!(23), json!(26)]);
    assert_eq!(
        body["messages"][1],
        json!({"error":{"code":23,"description":"Invalid or missing parameter: to ."},"accepted":false,"to":"27999abcde"})
    );
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn malformed_payloads_and_too_long_content_get_their_codes() {
    let sim = simulator().await;
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, "{not json").await;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!(21)));
    let long =
        json!({"messages":[{"channel":"sms","to":"27821234567","content":"x".repeat(1601)}]});
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &long.to_string()).await;
    assert_eq!((status, body["messages"][0]["error"]["code"].clone()), (207, json!(24)));
    let many: Vec<&str> = vec!["27821234567"; 101];
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &messages(&many)).await;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!(22)));
}

#[tokio::test]
async fn rate_limiting_answers_429_with_code_43_and_retry_after() {
    let sim = simulator().await;
    sim.rate_limit(1, Some(3));
    let (status, retry_after, body) =
        post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!((status, retry_after.as_deref()), (429, Some("3")));
    assert_eq!(body["error"]["code"], 43);
    let (status, _, _) = post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!(status, 202);
    assert_eq!(sim.requests(), 2);
}

#[tokio::test]
async fn status_lookups_follow_the_deliveries_that_the_test_advances() {
    let sim = simulator().await;
    let (_, _, body) =
        post(&sim, DEFAULT_API_KEY, &messages(&["27821234567", DEFAULT_FAILING_NUMBER])).await;
    let ids: Vec<String> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["apiMessageId"].as_str().expect("an id").to_owned())
        .collect();
    let status = |id: String| {
        let url = format!("{}/v1/message/{id}", sim.url());
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .header("Authorization", DEFAULT_API_KEY)
                .send()
                .await
                .expect("answers");
            let code = response.status().as_u16();
            let body: Value =
                serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
            (code, body)
        }
    };
    let (code, body) = status(ids[0].clone()).await;
    assert_eq!(code, 200);
    assert_eq!(body["sms"]["status"], "QUEUED");
    assert!(body["sms"]["timestamp"].is_i64());
    assert_eq!(sim.advance().await.expect("no webhook"), 2);
    assert_eq!(status(ids[0].clone()).await.1["sms"]["status"], "SENT_TO_SUPPLIER");
    assert_eq!(sim.deliver_all().await.expect("no webhook"), 2);
    assert_eq!(status(ids[0].clone()).await.1["sms"]["status"], "DEVICE_ACK");
    assert_eq!(status(ids[1].clone()).await.1["sms"]["status"], "DELIVERY_FAILURE");
    let (code, body) = status("0000".to_owned()).await;
    assert_eq!((code, body["error"]["code"].clone()), (404, json!(41)));
}

#[tokio::test]
async fn injected_faults_change_the_answer() {
    let sim = simulator().await;
    sim.inject(Fault::ServerErrorPage);
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!(status, 500);
    assert!(body.as_str().is_some_and(|b| b.contains("<html>")));
    sim.clear_faults();
    sim.inject(Fault::MalformedJson);
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!(status, 202);
    assert!(body.is_string(), "not JSON: {body}");
    sim.clear_faults();
    sim.inject(Fault::ErrorCode(20));
    let (status, _, body) = post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!(20)));
    sim.clear_faults();
    sim.inject(Fault::DropConnection);
    let dropped = reqwest::Client::new()
        .post(format!("{}/v1/message", sim.url()))
        .header("Authorization", DEFAULT_API_KEY)
        .body(messages(&["27821234567"]))
        .send()
        .await;
    assert!(dropped.is_err());
    // Received and recorded before the connection dropped.
    assert_eq!(sim.messages().len(), 1);
    sim.clear_faults();
    sim.inject(Fault::Latency(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    let (status, _, _) = post(&sim, DEFAULT_API_KEY, &messages(&["27821234567"])).await;
    assert_eq!(status, 202);
    assert!(started.elapsed() >= Duration::from_millis(300));
}
