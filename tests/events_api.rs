//! The events route through the whole function (the handler, both DynamoDB
//! adapters as `main` wires them) against AWS DynamoDB Local: a session
//! played from start to end, each way a session stops taking events as the
//! client sees it (404, 410 with its `reason`), retries, and a store fault
//! answered 500 within the budget with nothing half-written.

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::App;
use serde_json::{Value, json};
use support::{
    DynamoDbStores, config, dynamodb_app, dynamodb_client, dynamodb_endpoint, event, event_body_at, event_json,
    fresh_tables, n, redirected, request, s, switchable_proxy,
};

const BUDGET: Duration = Duration::from_millis(600);
/// Room for the scheduler on a busy two-core machine; the budget is the point.
const SLACK: Duration = Duration::from_millis(900);
const TS: i64 = 1_763_870_881_336;

struct Fixture {
    client: Client,
    sessions: String,
    events: String,
}

impl Fixture {
    async fn new() -> Self {
        let client = dynamodb_client(Duration::from_secs(10)).await;
        let (sessions, events) = fresh_tables(&client).await;
        Self {
            client,
            sessions,
            events,
        }
    }

    /// The function on these tables, with `extra` settings, through `client`.
    fn app_via(&self, client: &Client, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
        let mut settings = vec![("EVENTS_TABLE_NAME", self.events.as_str())];
        settings.extend_from_slice(extra);
        dynamodb_app(client, config(&self.sessions, &settings))
    }

    fn app(&self, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
        self.app_via(&self.client, extra)
    }

    async fn session_item(&self, id: &str) -> std::collections::HashMap<String, AttributeValue> {
        self.client
            .get_item()
            .table_name(&self.sessions)
            .key("sessionId", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem on DynamoDB Local")
            .item
            .expect("the session is stored")
    }

    /// The session's stored event keys, in player-time order.
    async fn event_keys(&self, id: &str) -> Vec<String> {
        self.client
            .query()
            .table_name(&self.events)
            .key_condition_expression("sessionId = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("Query on DynamoDB Local")
            .items
            .unwrap_or_default()
            .iter()
            .map(|item| s(item, "eventKey"))
            .collect()
    }
}

/// Starts a session through the function; its id.
async fn start(app: &App<DynamoDbStores>) -> String {
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", text(&response));
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

/// An HTTP API event posting `body` to the events of `session_id`.
fn post_event(session_id: &str, body: &Value) -> media_collector::http::ApiRequest {
    let mut lambda_event = event_json("apigw-http-session-start.json");
    let path = format!("/api/v1/sessions/{session_id}/events");
    lambda_event["rawPath"] = json!(path);
    lambda_event["requestContext"]["http"]["path"] = json!(path);
    lambda_event["body"] = json!(body.to_string());
    request(&lambda_event)
}

async fn send(app: &App<DynamoDbStores>, session_id: &str, event_type: &str, ts: i64) -> Response<Body> {
    app.handle(post_event(session_id, &event_body_at(event_type, ts))).await
}

fn text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

fn problem(response: &Response<Body>) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{}",
        text(response)
    );
    serde_json::from_str(&text(response)).expect("a JSON problem document")
}

fn assert_accepted(response: &Response<Body>, what: &str) {
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "{what}: {}", text(response));
    assert!(text(response).is_empty(), "{what}");
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*", "{what}");
    assert_eq!(headers["access-control-allow-methods"], "OPTIONS,POST,PUT", "{what}");
    assert_eq!(headers["access-control-allow-headers"], "Content-Type", "{what}");
    assert_eq!(headers["access-control-expose-headers"], "Location", "{what}");
    assert!(
        !headers.contains_key("access-control-max-age"),
        "{what}: not a preflight"
    );
}

fn assert_gone(response: &Response<Body>, reason: &str) {
    assert_eq!(response.status(), StatusCode::GONE, "{}", text(response));
    let problem = problem(response);
    assert_eq!(problem["status"], 410);
    assert_eq!(problem["reason"], reason, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains(reason),
        "the detail says why: {problem}"
    );
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_whole_session_is_played_stored_in_order_and_closed_by_its_end() {
    let fixture = Fixture::new().await;
    let app = fixture.app(&[]);
    let id = start(&app).await;

    let played = [
        "play",
        "ping",
        "adBreakStart",
        "adStart",
        "adComplete",
        "adStart",
        "adComplete",
        "adBreakComplete",
        "chapterStart",
        "pauseStart",
        "play",
        "bufferStart",
        "play",
        "bitrateChange",
        "chapterComplete",
        "sessionComplete",
        "sessionEnd",
    ];
    // The second and third arrive swapped: the table still returns player-time order.
    let mut arrival: Vec<usize> = (0..played.len()).collect();
    arrival.swap(1, 2);
    for index in arrival {
        let event_type = played[index];
        assert_accepted(
            &send(&app, &id, event_type, TS + 1_000 * index as i64).await,
            event_type,
        );
    }
    let expected: Vec<String> = played
        .iter()
        .enumerate()
        .map(|(index, event_type)| format!("{:015}#{event_type}", TS + 1_000 * index as i64))
        .collect();
    assert_eq!(fixture.event_keys(&id).await, expected);

    let session = fixture.session_item(&id).await;
    assert_eq!(n(&session, "eventCount"), played.len().to_string());
    assert!(session.contains_key("endedAt"), "sessionEnd closed the session");
    assert!(n(&session, "lastEventAt").parse::<i64>().is_ok());

    let late = send(&app, &id, "ping", TS + 100_000).await;
    assert_gone(&late, "ended");
    assert_eq!(
        fixture.event_keys(&id).await.len(),
        played.len(),
        "the refused event is not stored"
    );
}

#[tokio::test]
async fn a_retry_is_answered_204_and_stored_once_even_after_the_end() {
    let fixture = Fixture::new().await;
    let app = fixture.app(&[]);
    let id = start(&app).await;
    assert_accepted(&send(&app, &id, "play", TS).await, "play");
    assert_accepted(&send(&app, &id, "play", TS).await, "the retried play");
    assert_accepted(&send(&app, &id, "sessionEnd", TS + 1_000).await, "sessionEnd");
    assert_accepted(&send(&app, &id, "play", TS).await, "play retried after the end");
    assert_accepted(&send(&app, &id, "sessionEnd", TS + 1_000).await, "sessionEnd retried");
    assert_gone(&send(&app, &id, "ping", TS + 2_000).await, "ended");
    assert_eq!(fixture.event_keys(&id).await.len(), 2);
    assert_eq!(n(&fixture.session_item(&id).await, "eventCount"), "2");
}

#[tokio::test]
async fn an_idle_or_expired_session_is_gone_with_its_reason() {
    let fixture = Fixture::new().await;
    let idle_app = fixture.app(&[("SESSION_IDLE_TIMEOUT_S", "1")]);
    let id = start(&idle_app).await;
    assert_accepted(&send(&idle_app, &id, "play", TS).await, "play");
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_gone(&send(&idle_app, &id, "ping", TS + 10_000).await, "idle");

    let short_app = fixture.app(&[("SESSION_MAX_AGE_S", "1")]);
    let id = start(&short_app).await;
    assert_accepted(&send(&short_app, &id, "play", TS).await, "play");
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_gone(&send(&short_app, &id, "ping", TS + 10_000).await, "expired");
    assert_eq!(fixture.event_keys(&id).await.len(), 1, "only the play is stored");
}

#[tokio::test]
async fn an_unknown_or_malformed_id_is_404_after_the_body_is_checked() {
    let fixture = Fixture::new().await;
    let app = fixture.app(&[]);
    for id in ["0".repeat(64), "A".repeat(64), "not-an-id".to_owned()] {
        let response = send(&app, &id, "play", TS).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}: {}", text(&response));
        let problem = problem(&response);
        assert!(
            problem["detail"].as_str().unwrap().contains("POST /api/v1/sessions"),
            "tells the client to start a new session: {problem}"
        );
        // An invalid body is a 400 first, whatever the id.
        let invalid = app.handle(post_event(&id, &json!({ "eventType": "play" }))).await;
        assert_eq!(invalid.status(), StatusCode::BAD_REQUEST, "{id}: {}", text(&invalid));
        assert_eq!(problem_pointers(&invalid), ["/playerTime"]);
    }
}

fn problem_pointers(response: &Response<Body>) -> Vec<String> {
    problem(response)["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| error["pointer"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn concurrent_events_of_one_session_are_each_counted() {
    let fixture = Fixture::new().await;
    let app = std::sync::Arc::new(fixture.app(&[]));
    let id = start(&app).await;
    let sends = (0..16).map(|index| {
        let app = std::sync::Arc::clone(&app);
        let id = id.clone();
        tokio::spawn(async move { send(&app, &id, "ping", TS + 1_000 * index).await.status() })
    });
    for answer in futures_util::future::join_all(sends).await {
        assert_eq!(answer.unwrap(), StatusCode::NO_CONTENT);
    }
    assert_eq!(fixture.event_keys(&id).await.len(), 16);
    assert_eq!(n(&fixture.session_item(&id).await, "eventCount"), "16");
}

#[tokio::test]
async fn a_store_fault_during_an_event_is_a_500_within_the_budget_with_nothing_half_written() {
    let fixture = Fixture::new().await;
    let (url, up) = switchable_proxy(dynamodb_endpoint()).await;
    let client = redirected(&dynamodb_client(BUDGET).await, &url);
    let app = fixture.app_via(&client, &[("STORE_TIMEOUT_MS", "600")]);
    let id = start(&app).await;
    let before = fixture.session_item(&id).await;

    up.store(false, Ordering::SeqCst);
    let started = Instant::now();
    let response = send(&app, &id, "play", TS).await;
    let took = started.elapsed();
    assert_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        text(&response)
    );
    assert!(took < BUDGET + SLACK, "took {took:?}, budget {BUDGET:?}");
    let problem = problem(&response);
    assert!(
        problem["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("event could not be stored"),
        "{problem}"
    );
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(fixture.session_item(&id).await, before, "the session is untouched");
    assert!(fixture.event_keys(&id).await.is_empty(), "no event was written");

    up.store(true, Ordering::SeqCst);
    assert_accepted(&send(&app, &id, "play", TS).await, "play once the store is back");
    assert_eq!(n(&fixture.session_item(&id).await, "eventCount"), "1");
}
