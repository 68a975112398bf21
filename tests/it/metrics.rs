//! The metrics record each request writes, checked against the CloudWatch
//! Embedded Metric Format specification: the `_aws` metadata's structure
//! (as JSON Schema) and the rules a schema cannot state (every metric and
//! dimension named there is a root member of the right type), plus what
//! each kind of answer counts.

use crate::support::{config, event};
use lambda_http::http::StatusCode;
use media_collector::http::App;
use media_collector::metrics::{MetricsSink, NAMESPACE, SharedBuffer};
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Map, Value, json};

/// The units EMF accepts (CloudWatch's `StandardUnit`).
const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The specification's structure of the `_aws` member.
fn emf_schema() -> Value {
    json!({
        "type": "object",
        "required": ["_aws"],
        "properties": {
            "_aws": {
                "type": "object",
                "required": ["Timestamp", "CloudWatchMetrics"],
                "properties": {
                    "Timestamp": { "type": "integer", "minimum": 0 },
                    "CloudWatchMetrics": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["Namespace", "Dimensions", "Metrics"],
                            "properties": {
                                "Namespace": { "type": "string", "minLength": 1, "maxLength": 1024, "pattern": ".*[^\\s].*" },
                                "Dimensions": {
                                    "type": "array",
                                    "items": {
                                        "type": "array",
                                        "maxItems": 30,
                                        "items": { "type": "string", "minLength": 1, "maxLength": 250 }
                                    }
                                },
                                "Metrics": {
                                    "type": "array",
                                    "maxItems": 100,
                                    "items": {
                                        "type": "object",
                                        "required": ["Name"],
                                        "properties": {
                                            "Name": { "type": "string", "minLength": 1, "maxLength": 1024 },
                                            "Unit": { "enum": UNITS },
                                            "StorageResolution": { "enum": [1, 60] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// Every record written, each checked against the specification.
fn records(buffer: &SharedBuffer) -> Vec<Map<String, Value>> {
    let validator = jsonschema::draft202012::new(&emf_schema()).expect("the EMF schema compiles");
    buffer
        .text()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let errors: Vec<String> = validator.iter_errors(&record).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?}: {line}");
            let record = record.as_object().unwrap().clone();
            for directive in record["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
                assert_eq!(directive["Namespace"], NAMESPACE);
                for dimension in directive["Dimensions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|set| set.as_array().unwrap())
                {
                    let name = dimension.as_str().unwrap();
                    assert!(
                        record[name].is_string(),
                        "dimension {name} is not a root string: {line}"
                    );
                }
                for metric in directive["Metrics"].as_array().unwrap() {
                    let name = metric["Name"].as_str().unwrap();
                    let value = &record[name];
                    let numeric = value.is_number()
                        || value
                            .as_array()
                            .is_some_and(|values| values.len() <= 100 && values.iter().all(Value::is_number));
                    assert!(numeric, "metric {name} is not a number at the root: {line}");
                }
            }
            let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
            let stamp = record["_aws"]["Timestamp"].as_i64().unwrap();
            assert!((now_ms - stamp).abs() < 60_000, "Timestamp {stamp} is not now: {line}");
            record
        })
        .collect()
}

fn app(store: InMemorySessionStore) -> (App<InMemorySessionStore>, SharedBuffer) {
    let (sink, buffer) = MetricsSink::buffer();
    (App::with_metrics(config("sessions", &[]), store, sink), buffer)
}

#[tokio::test]
async fn a_created_session_writes_one_valid_record() {
    let (app, buffer) = app(InMemorySessionStore::default());
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let records = records(&buffer);
    assert_eq!(records.len(), 1, "{}", buffer.text());
    let record = &records[0];
    assert_eq!(record["Status"], "201");
    assert_eq!(record["RequestId"], "lambda-request-id");
    assert_eq!(record["Requests"], 1);
    assert_eq!(record["SessionsCreated"], 1);
    assert_eq!(record["Rejected"], 0);
    assert_eq!(record["StoreErrors"], 0);
    assert!(
        record["StoreLatency"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{record:?}"
    );
    let directives = record["_aws"]["CloudWatchMetrics"].as_array().unwrap();
    let dimension_sets: Vec<&Value> = directives
        .iter()
        .flat_map(|d| d["Dimensions"].as_array().unwrap())
        .collect();
    assert!(
        dimension_sets.contains(&&json!([])),
        "totals without dimensions: {dimension_sets:?}"
    );
    assert!(dimension_sets.contains(&&json!(["Status"])), "{dimension_sets:?}");
    let latency_unit = directives
        .iter()
        .flat_map(|d| d["Metrics"].as_array().unwrap())
        .find(|metric| metric["Name"] == "StoreLatency")
        .map(|metric| metric["Unit"].clone());
    assert_eq!(latency_unit, Some(json!("Milliseconds")));
    assert!(!buffer.text().contains("visitor-1"), "a visitor id reached the metrics");
}

#[tokio::test]
async fn rejections_and_store_errors_are_counted_by_status() {
    let (app, buffer) = app(InMemorySessionStore::default());
    app.handle(event("invalid-several-errors.json")).await;
    app.handle(event("apigw-http-too-large.json")).await;
    app.handle(event("apigw-http-preflight.json")).await;
    let (failing, failing_buffer) = self::app(InMemorySessionStore::failing());
    failing.handle(event("apigw-http-session-start.json")).await;

    let records = records(&buffer);
    let summary: Vec<(String, u64, u64)> = records
        .iter()
        .map(|r| {
            (
                r["Status"].as_str().unwrap().to_owned(),
                r["Rejected"].as_u64().unwrap(),
                r["SessionsCreated"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("400".into(), 1, 0), ("413".into(), 1, 0), ("204".into(), 0, 0)]
    );
    assert!(
        records.iter().all(|r| r.get("StoreLatency").is_none()),
        "no store call, no latency"
    );

    let failed = records_of(&failing_buffer);
    assert_eq!(failed["Status"], "500");
    assert_eq!(failed["StoreErrors"], 1);
    assert_eq!(failed["Rejected"], 0);
    assert!(failed["StoreLatency"].is_number());
}

fn records_of(buffer: &SharedBuffer) -> Map<String, Value> {
    let mut records = records(buffer);
    assert_eq!(records.len(), 1, "{}", buffer.text());
    records.remove(0)
}

#[tokio::test]
async fn an_event_written_is_counted_once_and_a_retry_not_again() {
    let (app, buffer) = app(InMemorySessionStore::default());
    let created = app.handle(event("apigw-http-session-start.json")).await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let session_id = location.rsplit('/').next().unwrap();
    let post = |body: Value| crate::support::event_post(session_id, &body);
    let play = crate::support::event_body_at("play", 1_763_870_881_336);
    assert_eq!(app.handle(post(play.clone())).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.handle(post(play)).await.status(), StatusCode::NO_CONTENT);
    let end = crate::support::event_body_at("sessionEnd", 1_763_870_891_336);
    assert_eq!(app.handle(post(end)).await.status(), StatusCode::NO_CONTENT);
    let late = crate::support::event_body_at("ping", 1_763_870_901_336);
    assert_eq!(app.handle(post(late)).await.status(), StatusCode::GONE);

    let summary: Vec<(String, u64, u64, bool)> = records(&buffer)
        .iter()
        .skip(1)
        .map(|r| {
            (
                r["Status"].as_str().unwrap().to_owned(),
                r["EventsAccepted"].as_u64().unwrap(),
                r["Rejected"].as_u64().unwrap(),
                r["StoreLatency"].is_number(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("204".into(), 1, 0, true),
            ("204".into(), 0, 0, true),
            ("204".into(), 1, 0, true),
            ("410".into(), 0, 1, true),
        ]
    );
}

#[tokio::test]
async fn a_downloaded_session_counts_one_session_its_events_and_itself() {
    let (app, buffer) = app(InMemorySessionStore::default());
    for _ in 0..2 {
        let response = app.handle(event("apigw-http-downloaded.json")).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    app.handle(event("downloaded-invalid-d3-ts-goes-back.json")).await;
    let summary: Vec<(String, u64, u64, u64)> = records(&buffer)
        .iter()
        .map(|r| {
            (
                r["Status"].as_str().unwrap().to_owned(),
                r["SessionsCreated"].as_u64().unwrap(),
                r["EventsAccepted"].as_u64().unwrap(),
                r["DownloadedSessions"].as_u64().unwrap(),
            )
        })
        .collect();
    // The sample's 9 events; the resend (a replay) and the 400 count nothing.
    assert_eq!(
        summary,
        [
            ("201".to_owned(), 1, 9, 1),
            ("201".to_owned(), 0, 0, 0),
            ("400".to_owned(), 0, 0, 0)
        ]
    );
}
