//! The DynamoDB adapter against AWS DynamoDB Local, the real engine: the
//! stored item attribute by attribute (docs/api.md, "Stored records"), exact decimals, no
//! overwrite, and faults (unreachable, hanging, throttling) answered within
//! the time budget by a 500 from which the function recovers.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::{
    Fault, closed_port, config, dynamodb_client, event, faulty_endpoint, fresh_table, full_body, m, n, redirected, s,
    sample_body, session_item, switchable_proxy,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::StatusCode;
use media_collector::domain::{SessionRecord, SessionStart};
use media_collector::store::dynamodb::DynamoDbSessionStore;
use media_collector::store::dynamodb::client::{WarmUp, warm_up};
use media_collector::store::{Created, SessionStore, StoreError};
use time::OffsetDateTime;

const BUDGET: Duration = Duration::from_millis(600);
/// Room for the scheduler on a busy two-core machine; the budget is the point.
const SLACK: Duration = Duration::from_millis(900);

fn record(body: &str, request_id: &str) -> SessionRecord {
    let start = SessionStart::parse(body).expect("a valid body");
    SessionRecord::new(start, request_id.to_owned(), OffsetDateTime::now_utc(), 30)
}

#[tokio::test]
async fn the_stored_item_is_the_spec_record() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let store = DynamoDbSessionStore::new(client.clone(), &table);
    let record = record(&full_body().to_string(), "req-1");
    let before = OffsetDateTime::now_utc().unix_timestamp();
    store.create(&record).await.expect("the write succeeds");

    let item = session_item(&client, &table, record.session_id.as_str())
        .await
        .expect("the item is there");
    let names: Vec<&str> = {
        let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(
        names,
        [
            "createdAt",
            "customMetadata",
            "eventType",
            "expiresAt",
            "metrics",
            "metricsState",
            "params",
            "playerTime",
            "qoeData",
            "requestId",
            "sessionId"
        ]
    );
    // The metrics of a session that has only started (the start's bitrate
    // among them), and their state as compact binary.
    let metrics = item["metrics"].as_m().expect("metrics is a map");
    assert_eq!(metrics["isViewed"], AttributeValue::Bool(true));
    assert_eq!(metrics["isPlayed"], AttributeValue::Bool(false));
    assert_eq!(n(metrics, "elapsedTime"), "0");
    assert_eq!(n(metrics, "timePlayed"), "0");
    assert_eq!(n(metrics, "bitrate"), "1800000");
    assert_eq!(metrics["states"], AttributeValue::M(Default::default()));
    assert!(!metrics.contains_key("startupTime"), "absent until known");
    assert!(
        item["metricsState"]
            .as_b()
            .is_ok_and(|state| state.as_ref().len() < 200)
    );
    assert_eq!(s(&item, "sessionId"), record.session_id.as_str());
    assert_eq!(s(&item, "eventType"), "sessionStart");
    assert_eq!(s(&item, "requestId"), "req-1");

    let player_time = m(&item, "playerTime");
    assert_eq!(player_time.len(), 2);
    assert_eq!(n(player_time, "playhead"), "0");
    assert_eq!(n(player_time, "ts"), "1509045324153");

    let params = m(&item, "params");
    let sent = full_body()["params"].as_object().unwrap().clone();
    assert_eq!(params.len(), sent.len(), "every param is stored");
    assert_eq!(n(params, "media.length"), "60.39333333333333");
    assert_eq!(n(params, "my.count"), "12345678901234567890.123456789012345678");
    assert_eq!(s(params, "media.id"), "MA API Sample Player");
    assert_eq!(params["analytics.enableSSL"], AttributeValue::Bool(false));
    assert_eq!(params["my.flag"], AttributeValue::Bool(true));
    assert_eq!(n(params, "visitor.aamLocationHint"), "9");
    let customer_ids = m(params, "visitor.customerIDs");
    assert_eq!(s(m(customer_ids, "userId"), "id"), "u-1");
    assert_eq!(n(m(customer_ids, "userId"), "authState"), "1");
    assert_eq!(m(customer_ids, "crmId").len(), 1, "no authState when none was sent");

    assert_eq!(s(m(&item, "customMetadata"), "myCustomData"), "value");
    let qoe = m(&item, "qoeData");
    assert_eq!(n(qoe, "media.qoe.bitrate"), "1800000");
    assert_eq!(n(qoe, "media.qoe.framesPerSecond"), "29.97");
    assert_eq!(s(qoe, "custom.qoe"), "x");

    let created_at = s(&item, "createdAt");
    let parsed = OffsetDateTime::parse(&created_at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("createdAt {created_at:?} is not RFC 3339: {e}"));
    assert!(
        created_at.ends_with('Z') && created_at.len() == "2026-11-23T04:00:00.123Z".len(),
        "{created_at}"
    );
    assert!(
        (parsed.unix_timestamp() - before).abs() <= 5,
        "createdAt {created_at} is not now"
    );
    let expires_at: i64 = n(&item, "expiresAt").parse().expect("expiresAt is whole seconds");
    assert_eq!(expires_at, parsed.unix_timestamp() + 30 * 86_400);
}

#[tokio::test]
async fn optional_parts_are_stored_only_when_sent() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let store = DynamoDbSessionStore::new(client.clone(), &table);
    let mut body = sample_body();
    body.as_object_mut().unwrap().remove("customMetadata");
    body.as_object_mut().unwrap().remove("qoeData");
    let record = record(&body.to_string(), "req-2");
    store.create(&record).await.expect("the write succeeds");
    let item = session_item(&client, &table, record.session_id.as_str()).await.unwrap();
    assert!(
        !item.contains_key("customMetadata") && !item.contains_key("qoeData"),
        "{item:?}"
    );
}

#[tokio::test]
async fn an_existing_session_is_never_overwritten() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let store = DynamoDbSessionStore::new(client.clone(), &table);
    let first = record(&sample_body().to_string(), "first");
    store.create(&first).await.expect("the first write succeeds");

    let mut second = record(&full_body().to_string(), "second");
    second.session_id = first.session_id.clone();
    let conflict = store.create(&second).await;
    assert!(matches!(conflict, Err(StoreError::AlreadyExists)), "{conflict:?}");
    let item = session_item(&client, &table, first.session_id.as_str()).await.unwrap();
    assert_eq!(s(&item, "requestId"), "first");
    assert!(!m(&item, "params").contains_key("visitor.customerIDs"));

    // The same write again (an SDK retry whose first try landed) is not a conflict.
    store.create(&first).await.expect("repeating our own write succeeds");
}

async fn timed_write(client: Client, table: &str) -> (Result<Created, StoreError>, Duration) {
    let store = DynamoDbSessionStore::new(client, table);
    let started = Instant::now();
    let result = store.create(&record(&sample_body().to_string(), "fault")).await;
    (result, started.elapsed())
}

#[tokio::test]
async fn an_unreachable_store_fails_within_the_budget() {
    let client = dynamodb_client(BUDGET).await;
    let (result, took) = timed_write(redirected(&client, &closed_port().await), "sessions").await;
    assert!(result.is_err(), "{result:?}");
    assert!(took < BUDGET + SLACK, "took {took:?}, budget {BUDGET:?}");
}

#[tokio::test]
async fn a_hanging_store_times_out_within_the_budget() {
    let client = dynamodb_client(BUDGET).await;
    let (url, _) = faulty_endpoint(Fault::Hang).await;
    let (result, took) = timed_write(redirected(&client, &url), "sessions").await;
    assert!(matches!(result, Err(StoreError::TimedOut)), "{result:?}");
    assert!(
        took >= BUDGET / 3,
        "gave up after {took:?}, before its first attempt's share of {BUDGET:?}"
    );
    assert!(took < BUDGET + SLACK, "took {took:?}, budget {BUDGET:?}");
}

#[tokio::test]
async fn a_throttling_store_is_retried_then_fails_within_the_budget() {
    let client = dynamodb_client(Duration::from_secs(5)).await;
    let (url, requests) = faulty_endpoint(Fault::Throttle).await;
    let (result, took) = timed_write(redirected(&client, &url), "sessions").await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "three attempts: the first and two retries"
    );
    assert!(took < Duration::from_secs(5) + SLACK, "took {took:?}");
}

#[tokio::test]
async fn the_function_answers_500_while_the_store_is_down_and_recovers() {
    let client = dynamodb_client(BUDGET).await;
    let table = fresh_table(&client).await;
    let (url, up) = switchable_proxy(crate::support::dynamodb_endpoint()).await;
    let app = crate::support::dynamodb_app(
        &redirected(&client, &url),
        config(&table, &[("STORE_TIMEOUT_MS", "600")]),
    );

    up.store(false, Ordering::SeqCst);
    let started = Instant::now();
    let response = app.handle(event("apigw-http-session-start.json")).await;
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(took < BUDGET + SLACK, "took {took:?}");
    let lambda_http::Body::Text(text) = response.body() else {
        panic!("a problem document")
    };
    assert!(
        !text.contains("dispatch") && !text.contains("127.0.0.1"),
        "internals leaked: {text}"
    );

    up.store(true, Ordering::SeqCst);
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap();
    let id = location.rsplit('/').next().unwrap();
    assert!(
        session_item(&client, &table, id).await.is_some(),
        "the 201 names a stored record"
    );
}

#[tokio::test]
async fn the_init_warm_up_says_what_it_found_within_its_limit() {
    let client = dynamodb_client(BUDGET).await;
    let table = fresh_table(&client).await;
    let limit = Duration::from_millis(400);
    assert_eq!(warm_up(&client, &table, limit).await, WarmUp::Ready);
    assert_eq!(warm_up(&client, "no-such-table", limit).await, WarmUp::NoSuchTable);

    // A client that would wait 5 s: only the warm-up's own limit keeps it short.
    let patient = dynamodb_client(Duration::from_secs(5)).await;
    let (hanging, _) = faulty_endpoint(Fault::Hang).await;
    let started = Instant::now();
    let outcome = warm_up(&redirected(&patient, &hanging), &table, limit).await;
    assert!(matches!(outcome, WarmUp::TimedOut | WarmUp::Failed(_)), "{outcome:?}");
    assert!(
        started.elapsed() < limit + SLACK,
        "the warm-up took {:?}",
        started.elapsed()
    );

    // Refused at once, then retried by the SDK: failed or out of time, but bounded.
    let unreachable = closed_port().await;
    let started = Instant::now();
    let outcome = warm_up(&redirected(&patient, &unreachable), &table, limit).await;
    assert!(matches!(outcome, WarmUp::TimedOut | WarmUp::Failed(_)), "{outcome:?}");
    assert!(
        started.elapsed() < limit + SLACK,
        "the warm-up took {:?}",
        started.elapsed()
    );

    // Whatever the warm-up found, the client still serves.
    let store = DynamoDbSessionStore::new(client, &table);
    assert_eq!(
        store
            .create(&record(&sample_body().to_string(), "after-warm-up"))
            .await
            .unwrap(),
        Created::New
    );
}
