//! Idempotent session starts (`Idempotency-Key`): the same key and body give
//! the same session and write nothing; another body under a used key is a
//! 422; a malformed key is a 400 naming the header. Checked through the
//! handler on the in-memory store and on DynamoDB Local (the real adapter).

use crate::support::{config, dynamodb_client, event_json, fresh_table, request, sample_body};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::{ApiRequest, App};
use media_collector::store::in_memory::InMemorySessionStore;
use media_collector::store::{DownloadedStore, EventStore, RefusedStore, SessionStore};
use serde_json::{Value, json};

fn start(key: Option<&str>, body: &str) -> ApiRequest {
    let mut event = event_json("apigw-http-session-start.json");
    event["body"] = json!(body);
    if let Some(key) = key {
        event["headers"]["Idempotency-Key"] = json!(key);
    }
    request(&event)
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|value| value.to_str().ok())
}

fn problem(response: &Response<Body>) -> Value {
    assert_eq!(header(response, "content-type"), Some("application/problem+json"));
    let Body::Text(text) = response.body() else {
        panic!("a problem has a text body")
    };
    serde_json::from_str(text).unwrap()
}

/// The same body, formatted differently: keys reordered, spaces, `1.50` for `1.5`.
fn reformatted(body: &Value) -> String {
    let mut fields: Vec<(String, Value)> = body.as_object().unwrap().clone().into_iter().collect();
    fields.reverse();
    let inner: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("\n  {} : {}", json!(key), value))
        .collect();
    format!("{{{}\n}}", inner.join(" ,"))
}

async fn replays_conflicts_and_malformed_keys<S: SessionStore + EventStore + DownloadedStore + RefusedStore>(
    app: App<S>,
) {
    let body = sample_body();
    let first = app.handle(start(Some("retry-me-1"), &body.to_string())).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let location = header(&first, "location").unwrap().to_owned();
    let expected_id = "/api/v1/sessions/".to_owned() + &sha256_hex("retry-me-1");
    assert_eq!(location, expected_id, "the id is the key's SHA-256");

    for retry in [body.to_string(), reformatted(&body)] {
        let again = app.handle(start(Some("retry-me-1"), &retry)).await;
        assert_eq!(again.status(), StatusCode::CREATED, "{retry}");
        assert_eq!(header(&again, "location"), Some(location.as_str()));
        assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
        assert_eq!(header(&again, "content-length"), Some("0"));
        assert_eq!(
            header(&again, "access-control-expose-headers"),
            Some("Location, Idempotent-Replayed")
        );
    }

    let mut other = body.clone();
    other["params"]["media.name"] = json!("another title");
    let conflict = app.handle(start(Some("retry-me-1"), &other.to_string())).await;
    assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(header(&conflict, "access-control-allow-origin"), Some("*"));
    let document = problem(&conflict);
    assert_eq!(document["status"], 422);
    assert!(
        document["detail"].as_str().unwrap().contains("different body"),
        "{document}"
    );

    for key in ["", "two words", &"k".repeat(256), "tab\there"] {
        let malformed = app.handle(start(Some(key), &body.to_string())).await;
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST, "{key:?}");
        let document = problem(&malformed);
        assert_eq!(document["errors"][0]["header"], "Idempotency-Key", "{document}");
        assert!(document["errors"][0]["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(document["errors"][0].get("pointer").is_none(), "{document}");
    }
    let mut control = start(None, &body.to_string());
    control
        .unreadable_headers
        .push(("idempotency-key".into(), "a\u{1}b".into()));
    assert_eq!(app.handle(control).await.status(), StatusCode::BAD_REQUEST);

    // Without the header nothing changes: a fresh session each time.
    let plain_1 = app.handle(start(None, &body.to_string())).await;
    let plain_2 = app.handle(start(None, &body.to_string())).await;
    assert_eq!(plain_1.status(), StatusCode::CREATED);
    assert_ne!(header(&plain_1, "location"), header(&plain_2, "location"));
    assert_eq!(header(&plain_1, "idempotent-replayed"), None);
    assert_eq!(header(&plain_1, "access-control-expose-headers"), Some("Location"));
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn with_the_in_memory_store() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    replays_conflicts_and_malformed_keys(app).await;
}

#[tokio::test]
async fn with_dynamodb_local() {
    let client = dynamodb_client(std::time::Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let app = crate::support::dynamodb_app(&client, config(&table, &[]));
    replays_conflicts_and_malformed_keys(app).await;

    // One record under the key's id, written once, with its fingerprint.
    let items = client
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let keyed: Vec<_> = items
        .iter()
        .filter(|item| item["sessionId"].as_s().unwrap() == &sha256_hex("retry-me-1"))
        .collect();
    assert_eq!(keyed.len(), 1);
    assert_eq!(
        keyed[0]["params"].as_m().unwrap()["media.name"].as_s().unwrap(),
        "ClickMe"
    );
    assert_eq!(keyed[0]["idempotencyFingerprint"].as_s().unwrap().len(), 64);
    let plain = items
        .iter()
        .filter(|item| !item.contains_key("idempotencyFingerprint"))
        .count();
    assert_eq!(plain, 2, "the two plain starts have no fingerprint");
}
