//! Session metrics through the whole function (the handler and both
//! DynamoDB adapters, as `main` wires them) against AWS DynamoDB Local: the
//! worked examples of the metrics' definition and Adobe's documented
//! timeline, call by call, with the record's `metrics` checked after every
//! call; the same calls as a downloaded session; concurrent events of one
//! session; and the record's size, which every event's write pays for.

use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::support::answers::assert_accepted;
use crate::support::item_size::item_size;
use crate::support::{
    DynamoDbStores, Item, Tables, body_text, config, dynamodb_app, event_json, event_post, n, request,
};
use aws_sdk_dynamodb::types::AttributeValue;
use bigdecimal::BigDecimal;
use lambda_http::http::StatusCode;
use media_collector::domain::metrics::{MetricValue, Metrics, Tracker};
use media_collector::domain::{SessionEvent, SessionStart, call_of, start_tracker};
use media_collector::http::App;
use serde_json::{Value, json};

const T0: i64 = 1_795_435_222_724;

fn app(tables: &Tables) -> App<DynamoDbStores> {
    dynamodb_app(&tables.client, config(&tables.sessions, &[]))
}

fn post(path: &str, body: &Value) -> media_collector::http::ApiRequest {
    let mut lambda_event = event_json("apigw-http-session-start.json");
    lambda_event["rawPath"] = json!(path);
    lambda_event["requestContext"]["http"]["path"] = json!(path);
    lambda_event["body"] = json!(body.to_string());
    request(&lambda_event)
}

fn created(response: &lambda_http::Response<lambda_http::Body>) -> String {
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(response));
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

/// The sample sessionStart at `T0`, with `params` changed as given.
fn start_body(params: &[(&str, Value)], playhead: i64) -> Value {
    let mut body: Value =
        serde_json::from_str(event_json("apigw-http-session-start.json")["body"].as_str().unwrap()).unwrap();
    body["playerTime"] = json!({"playhead": playhead, "ts": T0});
    for (key, value) in params {
        body["params"][*key] = value.clone();
    }
    body
}

/// Adobe's sample content: a VOD of 60.3333333333333 s.
fn adobe_vod() -> Value {
    start_body(
        &[
            ("media.length", json!(60.3333333333333)),
            ("media.contentType", json!("VOD")),
        ],
        0,
    )
}

/// An event at `second` after the start, at `playhead`, with the params its
/// type requires.
fn call(second: i64, playhead: i64, event_type: &str) -> Value {
    let params = match event_type {
        "adBreakStart" => json!({"media.ad.podIndex": 0, "media.ad.podSecond": playhead}),
        "adStart" => json!({"media.ad.id": format!("ad-{second}"), "media.ad.length": 15,
            "media.ad.podPosition": 1, "media.ad.playerName": "Sample Player"}),
        "chapterStart" => json!({"media.chapter.index": 1, "media.chapter.offset": 0, "media.chapter.length": 30}),
        "stateStart" | "stateEnd" => json!({"media.state.name": "fullscreen"}),
        _ => json!({}),
    };
    json!({"eventType": event_type, "playerTime": {"playhead": playhead, "ts": T0 + second * 1_000}, "params": params})
}

/// Worked example 1: Adobe's timeline 1 (two pre-roll ads, a buffer, a
/// mid-roll, a pause, to the end), as `(second, playhead, eventType)`.
fn timeline1() -> Vec<Value> {
    [
        (0, 0, "adBreakStart"),
        (0, 0, "adStart"),
        (1, 0, "ping"),
        (2, 0, "ping"),
        (3, 0, "ping"),
        (15, 0, "adComplete"),
        (15, 0, "adStart"),
        (20, 0, "ping"),
        (22, 0, "adComplete"),
        (22, 0, "adBreakComplete"),
        (22, 0, "play"),
        (30, 8, "ping"),
        (33, 11, "bufferStart"),
        (36, 11, "play"),
        (40, 15, "ping"),
        (46, 21, "adBreakStart"),
        (46, 21, "adStart"),
        (50, 21, "ping"),
        (54, 21, "adComplete"),
        (54, 21, "adBreakComplete"),
        (60, 27, "ping"),
        (64, 31, "pauseStart"),
        (70, 31, "ping"),
        (74, 31, "play"),
        (80, 37, "ping"),
        (88, 45, "sessionComplete"),
    ]
    .into_iter()
    .map(|(second, playhead, event_type)| call(second, playhead, event_type))
    .collect()
}

/// Worked example 2: a live stream that stalls, then buffers.
fn live_with_a_stall() -> (Value, Vec<Value>) {
    let start = start_body(
        &[("media.length", json!(86_400)), ("media.contentType", json!("Live"))],
        43_200,
    );
    let calls = [
        (2, 2, "play"),
        (12, 12, "ping"),
        (22, 22, "ping"),
        (32, 22, "ping"),
        (42, 22, "ping"),
        (52, 22, "ping"),
        (62, 32, "ping"),
        (65, 35, "bufferStart"),
        (70, 35, "play"),
        (80, 45, "ping"),
        (85, 50, "sessionEnd"),
    ]
    .into_iter()
    .map(|(second, offset, event_type)| call(second, 43_200 + offset, event_type))
    .collect();
    (start, calls)
}

/// The metrics of `start` then `calls` in this order, by the pure computation.
fn expected(start: &Value, calls: &[Value]) -> Metrics {
    let mut tracker: Tracker = start_tracker(&SessionStart::parse(&start.to_string()).unwrap());
    for body in calls {
        tracker.accept(call_of(&SessionEvent::parse(&body.to_string()).unwrap()));
    }
    tracker.metrics()
}

fn decimal(text: &str) -> BigDecimal {
    BigDecimal::from_str(text).unwrap_or_else(|_| panic!("{text} is a number"))
}

/// The record's `metrics` equal `expected`: the same names, numbers equal
/// by value, flags and states alike.
#[track_caller]
fn assert_metrics(what: &str, record: &Item, expected: &Metrics) {
    let stored = record
        .get("metrics")
        .and_then(|value| value.as_m().ok())
        .unwrap_or_else(|| panic!("{what}: no metrics in {record:?}"));
    let names: Vec<&str> = stored
        .keys()
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let expected_names: Vec<&str> = expected.0.keys().copied().collect();
    assert_eq!(names, expected_names, "{what}: the metric names");
    for (name, value) in &expected.0 {
        let stored = &stored[*name];
        match value {
            MetricValue::Number(text) => assert_eq!(
                stored.as_n().map(|n| decimal(n)),
                Ok(decimal(text)),
                "{what}: {name} is {stored:?}, expected {text}"
            ),
            MetricValue::Bool(flag) => assert_eq!(stored, &AttributeValue::Bool(*flag), "{what}: {name}"),
            MetricValue::States(states) => {
                let stored = stored.as_m().unwrap_or_else(|_| panic!("{what}: states is a map"));
                assert_eq!(stored.len(), states.len(), "{what}: states {stored:?}");
                for (state, metric) in states {
                    let fields = stored[state].as_m().unwrap();
                    assert_eq!(fields["isSet"], AttributeValue::Bool(true), "{what}: {state}");
                    assert_eq!(decimal(fields["count"].as_n().unwrap()), BigDecimal::from(metric.count));
                    assert_eq!(
                        decimal(fields["time"].as_n().unwrap()),
                        decimal(&metric.time),
                        "{what}: {state}"
                    );
                }
            }
        }
    }
}

/// The published number `name`, exactly as the definition's examples give it.
#[track_caller]
fn assert_number(record: &Item, name: &str, value: &str) {
    let stored = record["metrics"]
        .as_m()
        .unwrap()
        .get(name)
        .map(|value| value.as_n().unwrap().clone());
    assert_eq!(stored.as_deref().map(decimal), Some(decimal(value)), "{name}");
}

#[track_caller]
fn assert_flag(record: &Item, name: &str, value: bool) {
    assert_eq!(
        record["metrics"].as_m().unwrap()[name],
        AttributeValue::Bool(value),
        "{name}"
    );
}

/// Starts `start` and sends `calls` one by one, checking the record's
/// metrics after the start and after every call; the session id.
async fn play_online(app: &App<DynamoDbStores>, tables: &Tables, start: &Value, calls: &[Value]) -> String {
    let id = created(&app.handle(post("/api/v1/sessions", start)).await);
    assert_metrics(
        "after the start",
        &tables.session_item(&id).await,
        &expected(start, &[]),
    );
    for (sent, body) in calls.iter().enumerate() {
        assert_accepted(&body.to_string(), &app.handle(event_post(&id, body)).await);
        let record = tables.session_item(&id).await;
        assert_metrics(
            &format!("after call {sent}: {body}"),
            &record,
            &expected(start, &calls[..=sent]),
        );
    }
    id
}

#[tokio::test]
async fn worked_example_1_adobe_timeline_1_call_by_call() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let id = play_online(&app, &tables, &adobe_vod(), &timeline1()).await;
    let record = tables.session_item(&id).await;
    for (name, value) in [
        ("adTimePlayed", "30"),
        ("timePlayed", "45"),
        ("totalTimePlayed", "75"),
        ("bufferTime", "3"),
        ("bufferCount", "1"),
        ("pauseTime", "10"),
        ("pauseCount", "1"),
        ("elapsedTime", "88"),
        ("otherTime", "0"),
        ("stallTime", "0"),
        ("adCount", "3"),
        ("adBreakCount", "2"),
        ("adCompleteCount", "3"),
        ("startupTime", "0"),
        ("averageMinuteAudience", "0.745856"),
        ("estimatedStreams", "1"),
    ] {
        assert_number(&record, name, value);
    }
    for (name, value) in [
        ("isPlayed", true),
        ("isCompleted", true),
        ("hasProgress10", true),
        ("hasProgress25", true),
        ("hasProgress50", true),
        ("hasProgress75", false),
        ("hasPauseImpactedStreams", true),
        ("hasBufferImpactedStreams", true),
        ("isDroppedBeforeStart", false),
    ] {
        assert_flag(&record, name, value);
    }
}

#[tokio::test]
async fn worked_example_1_with_each_group_of_equal_ts_sent_in_reverse_gives_the_same_numbers() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let calls = timeline1();
    let mut reversed = Vec::new();
    for group in calls.chunk_by(|a, b| a["playerTime"]["ts"] == b["playerTime"]["ts"]) {
        reversed.extend(group.iter().rev().cloned());
    }
    assert_ne!(reversed, calls);
    let id = play_online(&app, &tables, &adobe_vod(), &reversed).await;
    assert_metrics(
        "reversed groups",
        &tables.session_item(&id).await,
        &expected(&adobe_vod(), &calls),
    );
}

#[tokio::test]
async fn worked_example_2_a_live_stream_with_a_stall_call_by_call() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let (start, calls) = live_with_a_stall();
    let id = play_online(&app, &tables, &start, &calls).await;
    let record = tables.session_item(&id).await;
    for (name, value) in [
        ("otherTime", "2"),
        ("timePlayed", "48"),
        ("stallTime", "30"),
        ("stallCount", "1"),
        ("bufferTime", "5"),
        ("bufferCount", "1"),
        ("elapsedTime", "85"),
        ("startupTime", "2"),
        ("averageMinuteAudience", "0.000556"),
    ] {
        assert_number(&record, name, value);
    }
    for (name, value) in [
        ("hasProgress10", false),
        ("isDroppedBeforeStart", false),
        ("hasStallImpactedStreams", true),
    ] {
        assert_flag(&record, name, value);
    }
}

/// The record's metrics of the same calls, as a downloaded session and
/// one by one online, are identical.
#[tokio::test]
async fn a_downloaded_session_stores_the_metrics_of_the_same_calls_sent_online() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let (live_start, live_calls) = live_with_a_stall();
    for (start, calls) in [(adobe_vod(), timeline1()), (live_start, live_calls)] {
        let online = play_online(&app, &tables, &start, &calls).await;
        let batch = Value::Array([start.clone()].into_iter().chain(calls.iter().cloned()).collect());
        let response = app
            .handle_until(
                post("/api/v1/downloaded", &batch),
                Some(Instant::now() + Duration::from_secs(60)),
            )
            .await;
        let downloaded = created(&response);
        let online = tables.session_item(&online).await;
        let downloaded = tables.session_item(&downloaded).await;
        assert_eq!(downloaded["metrics"], online["metrics"], "the same metrics");
        assert_metrics("downloaded", &downloaded, &expected(&start, &calls));
    }
}

/// Events of one session sent at once, round after round: each is counted
/// once, and the metrics are those of the calls in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_of_one_session_each_count_exactly_once() {
    let tables = Tables::new().await;
    let app = std::sync::Arc::new(app(&tables));
    let start = adobe_vod();
    let id = created(&app.handle(post("/api/v1/sessions", &start)).await);
    let mut sent = Vec::new();
    for round in 0..4_i64 {
        // Eight pings at distinct instants, at once, then a pause and a play.
        let base = 10 + round * 100;
        let mut batch: Vec<Value> = (0..8).map(|i| call(base + i, base + i, "ping")).collect();
        batch.push(call(base + 8, base + 8, "pauseStart"));
        batch.push(call(base + 9, base + 8, "play"));
        let answers = futures_util::future::join_all(batch.iter().map(|body| {
            let app = std::sync::Arc::clone(&app);
            let request = event_post(&id, body);
            async move { app.handle(request).await }
        }))
        .await;
        for (body, answer) in batch.iter().zip(&answers) {
            assert_accepted(&body.to_string(), answer);
        }
        sent.extend(batch);
    }
    let record = tables.session_item(&id).await;
    assert_eq!(n(&record, "eventCount"), sent.len().to_string());
    assert_eq!(tables.event_items(&id).await.len(), sent.len());
    assert_metrics("concurrent rounds", &record, &expected(&start, &sent));
}

/// The sample start, then 100 pings: the record stays within 2 KB, so a
/// ping costs at most 6 write units (its transaction writes the record and
/// the event, each billed twice by the KB).
#[tokio::test]
async fn a_ping_after_100_pings_costs_at_most_6_write_units() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let start: Value =
        serde_json::from_str(event_json("apigw-http-session-start.json")["body"].as_str().unwrap()).unwrap();
    let id = created(&app.handle(post("/api/v1/sessions", &start)).await);
    let ts = start["playerTime"]["ts"].as_i64().unwrap();
    let ping = |i: i64| json!({"eventType": "ping", "playerTime": {"playhead": (i * 10) % 60, "ts": ts + i * 10_000}});
    for i in 1..=101 {
        assert_accepted("a ping", &app.handle(event_post(&id, &ping(i))).await);
    }
    let record = tables.session_item(&id).await;
    let record_size = item_size(&record);
    assert!(record_size <= 2_048, "the record is {record_size} bytes, over 2 KB");
    let event = tables.event_items(&id).await.pop().unwrap();
    let event_size = item_size(&event);
    let units = 2 * record_size.div_ceil(1_024) + 2 * event_size.div_ceil(1_024);
    assert!(
        units <= 6,
        "a ping costs {units} write units (record {record_size} B, event {event_size} B)"
    );
    eprintln!("record {record_size} B, event {event_size} B: {units} write units per ping");
}

/// QoE values at the edges of what DynamoDB holds (as the API test sends
/// them) still give storable metrics: a `timeToStart` of 1e-130 ms is below
/// DynamoDB's smallest number in seconds, and is stored as 0.
#[tokio::test]
async fn qoe_values_at_dynamodbs_edges_give_storable_metrics() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let mut start = adobe_vod();
    start["qoeData"] =
        json!({"media.qoe.timeToStart": 1e-130, "media.qoe.bitrate": 1e-130, "media.qoe.droppedFrames": 1e-130});
    let id = created(&app.handle(post("/api/v1/sessions", &start)).await);
    let mut event = call(1, 0, "play");
    event["qoeData"] = json!({"media.qoe.timeToStart": 1e-130, "media.qoe.bitrate": 8.7e125});
    assert_accepted("edge values", &app.handle(event_post(&id, &event)).await);
    let mut second = call(2, 1, "bitrateChange");
    second["qoeData"] = json!({"media.qoe.bitrate": 1.2345678901234567e125});
    assert_accepted("a second bitrate", &app.handle(event_post(&id, &second)).await);
    assert_accepted("a ping", &app.handle(event_post(&id, &call(3, 2, "ping"))).await);
    let record = tables.session_item(&id).await;
    assert_eq!(
        record["metrics"].as_m().unwrap()["timeToStart"],
        AttributeValue::N("0".into())
    );
    let batch = Value::Array(vec![start, event, second]);
    let response = app
        .handle_until(
            post("/api/v1/downloaded", &batch),
            Some(Instant::now() + Duration::from_secs(60)),
        )
        .await;
    created(&response);
}
