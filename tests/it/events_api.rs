//! The events route through the whole function (the handler, both DynamoDB
//! adapters as `main` wires them) against AWS DynamoDB Local: a session
//! played from start to end, each way a session stops taking events as the
//! client sees it (404, 410 with its `reason`), retries, and a store fault
//! answered 500 within the budget with nothing half-written.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::answers::{assert_accepted, assert_gone};
use crate::support::{
    DynamoDbStores, Tables, body_text, config, dynamodb_app, dynamodb_client, dynamodb_endpoint, event, event_body_at,
    event_post, n, redirected, s, switchable_proxy,
};
use aws_sdk_dynamodb::Client;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::App;
use serde_json::{Value, json};

const BUDGET: Duration = Duration::from_millis(600);
/// Room for the scheduler on a busy two-core machine; the budget is the point.
const SLACK: Duration = Duration::from_millis(900);
const TS: i64 = 1_763_870_881_336;

/// The function on a test's tables (`config` names the events table beside
/// the sessions table), with `extra` settings, through `client`.
fn app_via(tables: &Tables, client: &Client, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
    dynamodb_app(client, config(&tables.sessions, extra))
}

fn app(tables: &Tables, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
    app_via(tables, &tables.client, extra)
}

/// The session's stored event keys, in player-time order.
async fn event_keys(tables: &Tables, id: &str) -> Vec<String> {
    tables
        .event_items(id)
        .await
        .iter()
        .map(|item| s(item, "eventKey"))
        .collect()
}

/// Starts a session through the function; its id.
async fn start(app: &App<DynamoDbStores>) -> String {
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(&response));
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

async fn send(app: &App<DynamoDbStores>, session_id: &str, event_type: &str, ts: i64) -> Response<Body> {
    app.handle(event_post(session_id, &event_body_at(event_type, ts))).await
}

fn problem(response: &Response<Body>) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{}",
        body_text(response)
    );
    serde_json::from_str(&body_text(response)).expect("a JSON problem document")
}

#[tokio::test]
async fn a_whole_session_is_played_stored_in_order_and_closed_by_its_end() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
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
            event_type,
            &send(&app, &id, event_type, TS + 1_000 * index as i64).await,
        );
    }
    let expected: Vec<String> = played
        .iter()
        .enumerate()
        .map(|(index, event_type)| format!("{:015}#{event_type}", TS + 1_000 * index as i64))
        .collect();
    assert_eq!(event_keys(&tables, &id).await, expected);

    let session = tables.session_item(&id).await;
    assert_eq!(n(&session, "eventCount"), played.len().to_string());
    assert!(session.contains_key("endedAt"), "sessionEnd closed the session");
    assert!(n(&session, "lastEventAt").parse::<i64>().is_ok());

    let late = send(&app, &id, "ping", TS + 100_000).await;
    assert_gone("a ping after sessionEnd", &late, "ended");
    assert_eq!(
        event_keys(&tables, &id).await.len(),
        played.len(),
        "the refused event is not stored"
    );
}

#[tokio::test]
async fn a_retry_is_answered_204_and_stored_once_even_after_the_end() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let id = start(&app).await;
    assert_accepted("play", &send(&app, &id, "play", TS).await);
    assert_accepted("the retried play", &send(&app, &id, "play", TS).await);
    assert_accepted("sessionEnd", &send(&app, &id, "sessionEnd", TS + 1_000).await);
    assert_accepted("play retried after the end", &send(&app, &id, "play", TS).await);
    assert_accepted("sessionEnd retried", &send(&app, &id, "sessionEnd", TS + 1_000).await);
    assert_gone(
        "a ping after sessionEnd",
        &send(&app, &id, "ping", TS + 2_000).await,
        "ended",
    );
    assert_eq!(event_keys(&tables, &id).await.len(), 2);
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2");
}

#[tokio::test]
async fn an_idle_or_expired_session_is_gone_with_its_reason() {
    let tables = Tables::new().await;
    let idle_app = app(&tables, &[("SESSION_IDLE_TIMEOUT_S", "1")]);
    let id = start(&idle_app).await;
    assert_accepted("play", &send(&idle_app, &id, "play", TS).await);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_gone(
        "a ping after the idle timeout",
        &send(&idle_app, &id, "ping", TS + 10_000).await,
        "idle",
    );

    let short_app = app(&tables, &[("SESSION_MAX_AGE_S", "1")]);
    let id = start(&short_app).await;
    assert_accepted("play", &send(&short_app, &id, "play", TS).await);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_gone(
        "a ping after the maximum age",
        &send(&short_app, &id, "ping", TS + 10_000).await,
        "expired",
    );
    assert_eq!(event_keys(&tables, &id).await.len(), 1, "only the play is stored");
}

#[tokio::test]
async fn an_unknown_or_malformed_id_is_404_after_the_body_is_checked() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    for id in ["0".repeat(64), "A".repeat(64), "not-an-id".to_owned()] {
        let response = send(&app, &id, "play", TS).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{id}: {}",
            body_text(&response)
        );
        let problem = problem(&response);
        assert!(
            problem["detail"].as_str().unwrap().contains("POST /api/v1/sessions"),
            "tells the client to start a new session: {problem}"
        );
        // An invalid body is a 400 first, whatever the id.
        let invalid = app.handle(event_post(&id, &json!({ "eventType": "play" }))).await;
        assert_eq!(
            invalid.status(),
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            body_text(&invalid)
        );
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

/// Sixteen events of one session at once, through two functions (two
/// processes, as two Lambda environments): each function's own take turns,
/// the two race for the session record.
#[tokio::test]
async fn concurrent_events_of_one_session_are_each_counted() {
    let tables = Tables::new().await;
    let apps: Vec<_> = (0..2).map(|_| std::sync::Arc::new(app(&tables, &[]))).collect();
    let id = start(&apps[0]).await;
    let sends = (0..16).map(|index| {
        let app = std::sync::Arc::clone(&apps[index % apps.len()]);
        let id = id.clone();
        let ts = TS + 1_000 * i64::try_from(index).unwrap();
        tokio::spawn(async move { send(&app, &id, "ping", ts).await.status() })
    });
    for answer in futures_util::future::join_all(sends).await {
        assert_eq!(answer.unwrap(), StatusCode::NO_CONTENT);
    }
    assert_eq!(event_keys(&tables, &id).await.len(), 16);
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "16");
}

#[tokio::test]
async fn a_store_fault_during_an_event_is_a_500_within_the_budget_with_nothing_half_written() {
    let tables = Tables::new().await;
    let (url, up) = switchable_proxy(dynamodb_endpoint()).await;
    let client = redirected(&dynamodb_client(BUDGET).await, &url);
    let app = app_via(&tables, &client, &[("STORE_TIMEOUT_MS", "600")]);
    let id = start(&app).await;
    let before = tables.session_item(&id).await;

    up.store(false, Ordering::SeqCst);
    let started = Instant::now();
    let response = send(&app, &id, "play", TS).await;
    let took = started.elapsed();
    assert_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        body_text(&response)
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
    assert_eq!(tables.session_item(&id).await, before, "the session is untouched");
    assert!(event_keys(&tables, &id).await.is_empty(), "no event was written");

    up.store(true, Ordering::SeqCst);
    assert_accepted("play once the store is back", &send(&app, &id, "play", TS).await);
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "1");
}
