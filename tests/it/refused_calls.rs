//! Nothing refused is lost: every refusal of a call the function would have
//! stored is kept in the rejected table with its body byte for byte and
//! the answer it got, through the whole function against DynamoDB Local;
//! the answers are exactly those of a function that keeps nothing; a sick
//! rejected table changes no answer; and `media-collector-replay` stores
//! the kept calls once their cause is fixed, once.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    Fault, Item, Tables, body_text, config, dynamodb_client, dynamodb_endpoint, event_json, faulty_endpoint, n,
    redirected, request, s, sample_body,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Body, Response};
use media_collector::domain::{BodyEncoding, raw_body};
use media_collector::http::{ApiRequest, App};
use media_collector::metrics::{MetricsSink, SharedBuffer};
use media_collector::store::Stores;
use media_collector::store::dynamodb::{DynamoDbEventStore, DynamoDbRefusedStore, DynamoDbSessionStore};
use serde_json::{Value, json};

pub(crate) type Keeping = Stores<DynamoDbSessionStore, DynamoDbEventStore, DynamoDbRefusedStore>;

/// A fresh rejected table beside `tables`.
pub(crate) async fn rejected_table(tables: &Tables) -> String {
    let name = format!("{}-rejected", tables.sessions);
    media_collector::store::dynamodb::schema::create_rejected_table_if_missing(&tables.client, &name)
        .await
        .unwrap();
    name
}

/// The function as `main` wires it, keeping refused calls in `rejected`
/// through `client`, and its metrics records.
pub(crate) fn keeping_app(
    tables: &Tables,
    client: &Client,
    rejected: &str,
    extra: &[(&str, &str)],
) -> (App<Keeping>, SharedBuffer) {
    let mut settings = vec![("REJECTED_TABLE_NAME", rejected)];
    settings.extend_from_slice(extra);
    let config = config(&tables.sessions, &settings);
    let stores = Stores::new(
        DynamoDbSessionStore::new(tables.client.clone(), &config.table_name),
        DynamoDbEventStore::new(
            tables.client.clone(),
            &config.table_name,
            &config.events_table_name,
            config.store_timeout,
        ),
    )
    .keeping(DynamoDbRefusedStore::new(
        client.clone(),
        rejected,
        config.store_timeout,
    ));
    let (sink, buffer) = MetricsSink::buffer();
    (App::with_metrics(config, stores, sink), buffer)
}

/// The same function keeping nothing (no `REJECTED_TABLE_NAME`).
fn plain_app(tables: &Tables, extra: &[(&str, &str)]) -> App<crate::support::DynamoDbStores> {
    crate::support::dynamodb_app(&tables.client, config(&tables.sessions, extra))
}

/// An HTTP API request posting `body` (bytes, sent base64-encoded) to `path`.
fn post(path: &str, body: &[u8], headers: &[(&str, &str)]) -> ApiRequest {
    request(&post_json(path, body, headers))
}

fn post_json(path: &str, body: &[u8], headers: &[(&str, &str)]) -> Value {
    use base64::Engine;
    let mut event = event_json("apigw-http-session-start.json");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
    event["isBase64Encoded"] = json!(true);
    for (name, value) in headers {
        event["headers"][*name] = json!(value);
    }
    event
}

/// Everything kept in `table`.
async fn kept(client: &Client, table: &str) -> Vec<Item> {
    let mut items = client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    items.sort_by_key(|item| s(item, "arrival"));
    items
}

/// Status, headers and body of an answer, to compare two answers.
fn shape(response: &Response<Body>) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    headers.sort();
    (response.status().as_u16(), headers, body_text(response))
}

fn created_id(response: &Response<Body>) -> String {
    assert_eq!(response.status(), 201, "{}", body_text(response));
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

/// A refusal: what it is, its path, body and headers, the status it gets.
type Case<'a> = (&'a str, String, Vec<u8>, Vec<(&'a str, &'a str)>, u16);

fn metric_records(buffer: &SharedBuffer) -> Vec<Value> {
    buffer
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every refusal kind is kept once, with its body byte for byte, and
/// answered exactly as a function that keeps nothing answers it.
#[tokio::test]
async fn each_refusal_is_kept_once_with_its_body_and_the_same_answer() {
    let tables = Tables::new().await;
    let rejected = rejected_table(&tables).await;
    let (keeping, metrics) = keeping_app(&tables, &tables.client, &rejected, &[("MAX_BODY_BYTES", "2000")]);
    let plain = plain_app(&tables, &[("MAX_BODY_BYTES", "2000")]);

    let good = sample_body().to_string();
    let open = created_id(&keeping.handle(post("/api/v1/sessions", good.as_bytes(), &[])).await);
    let ended = created_id(&keeping.handle(post("/api/v1/sessions", good.as_bytes(), &[])).await);
    let end = json!({"eventType": "sessionEnd", "playerTime": {"playhead": 1, "ts": 1_509_045_325_000_i64}});
    let ended_events = format!("/api/v1/sessions/{ended}/events");
    assert_eq!(
        keeping
            .handle(post(&ended_events, end.to_string().as_bytes(), &[]))
            .await
            .status(),
        204
    );
    let keyed = [("idempotency-key", "kept-key-1")];
    assert_eq!(
        keeping
            .handle(post("/api/v1/sessions", good.as_bytes(), &keyed))
            .await
            .status(),
        201
    );
    let unknown = "0".repeat(64);
    let later = json!({"eventType": "play", "playerTime": {"playhead": 2, "ts": 1_509_045_330_000_i64}});
    let mut other_start = sample_body();
    other_start["params"]["media.name"] = json!("another");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(3_000));

    let not_utf8: &[u8] = b"{\"eventType\":\"sessionStart\",\"params\":{\"media.name\":\"Caf\xE9\"}}";
    let cases: Vec<Case> = vec![
        (
            "a start that is not UTF-8",
            "/api/v1/sessions".into(),
            not_utf8.to_vec(),
            vec![("user-agent", "PlayerApp/2.0"), ("origin", "https://player.example")],
            400,
        ),
        (
            "a start breaking rules",
            "/api/v1/sessions".into(),
            br#"{"eventType":"sessionStart"}"#.to_vec(),
            vec![],
            400,
        ),
        (
            "an event for no session",
            format!("/api/v1/sessions/{unknown}/events"),
            later.to_string().into_bytes(),
            vec![],
            404,
        ),
        (
            "an event after the end",
            ended_events.clone(),
            later.to_string().into_bytes(),
            vec![],
            410,
        ),
        (
            "a start over the size limit",
            "/api/v1/sessions".into(),
            huge.clone().into_bytes(),
            vec![],
            413,
        ),
        (
            "a reused Idempotency-Key",
            "/api/v1/sessions".into(),
            other_start.to_string().into_bytes(),
            keyed.to_vec(),
            422,
        ),
        (
            "a downloaded session breaking rules",
            "/api/v1/downloaded".into(),
            b"[1,2]".to_vec(),
            vec![],
            400,
        ),
        (
            "an event breaking rules",
            format!("/api/v1/sessions/{open}/events"),
            br#"{"eventType":"nope"}"#.to_vec(),
            vec![("content-type", "application/json")],
            400,
        ),
    ];
    for (case, path, body, headers, status) in &cases {
        let kept_answer = keeping.handle(post(path, body, headers)).await;
        let plain_answer = plain.handle(post(path, body, headers)).await;
        assert_eq!(kept_answer.status(), *status, "{case}: {}", body_text(&kept_answer));
        assert_eq!(
            shape(&kept_answer),
            shape(&plain_answer),
            "{case}: the answer does not change"
        );
    }

    let items = kept(&tables.client, &rejected).await;
    assert_eq!(items.len(), cases.len(), "each refusal kept once: {items:?}");
    for ((case, path, body, headers, status), item) in cases.iter().zip(&items) {
        assert_eq!(n(item, "status"), status.to_string(), "{case}");
        assert_eq!(s(item, "method"), "POST");
        let route = if path.ends_with("/events") {
            "events"
        } else if path.ends_with("downloaded") {
            "downloaded"
        } else {
            "sessions"
        };
        assert_eq!(s(item, "route"), route, "{case}");
        let encoding = BodyEncoding::parse(&s(item, "bodyEncoding")).expect("a known encoding");
        let raw = raw_body(encoding, item["body"].as_b().unwrap().as_ref()).unwrap();
        assert_eq!(raw, *body, "{case}: the body byte for byte");
        if body.len() > 2_000 {
            assert_eq!(encoding, BodyEncoding::Gzip, "{case}: a large body is kept compressed");
        }
        assert_eq!(n(item, "bodySize"), body.len().to_string());
        let problem: Value = serde_json::from_str(&s(item, "problem")).unwrap();
        assert_eq!(problem["status"], *status, "{case}");
        for (name, attribute) in [
            ("user-agent", "userAgent"),
            ("origin", "origin"),
            ("idempotency-key", "idempotencyKey"),
        ] {
            let sent = headers
                .iter()
                .find(|(header, _)| *header == name)
                .map(|(_, value)| (*value).to_owned());
            let sent = sent.or_else(|| {
                // The envelope's own headers.
                event_json("apigw-http-session-start.json")["headers"][name]
                    .as_str()
                    .map(str::to_owned)
            });
            assert_eq!(
                item.get(attribute).and_then(|v| v.as_s().ok()).cloned(),
                sent,
                "{case}: {attribute}"
            );
        }
        if route == "events" {
            assert_eq!(s(item, "sessionId"), path.split('/').nth(4).unwrap(), "{case}");
        } else {
            assert!(!item.contains_key("sessionId"), "{case}");
        }
        assert!(s(item, "functionVersion").ends_with(env!("CARGO_PKG_VERSION")));
        let expires: i64 = n(item, "expiresAt").parse().unwrap();
        let fourteen_days = time::OffsetDateTime::now_utc().unix_timestamp() + 14 * 86_400;
        assert!((expires - fourteen_days).abs() < 120, "{case}: expiresAt {expires}");
        let size = crate::support::item_size::item_size(item);
        eprintln!("{case}: kept item {size} B, {} write unit(s)", size.div_ceil(1_024));
        if body.len() < 300 {
            assert!(
                size <= 1_024,
                "{case}: a small refusal costs one write unit, not {size} B"
            );
        }
        let every = format!("{item:?}");
        for private in ["sourceIp", "x-forwarded-for", "192.0.2.", "203.0.113."] {
            assert!(
                !every.to_lowercase().contains(&private.to_lowercase()),
                "{case}: {private} kept"
            );
        }
    }
    let kept_counts: Vec<Value> = metric_records(&metrics)
        .into_iter()
        .filter(|record| record.get("RejectedKept").is_some())
        .collect();
    assert_eq!(kept_counts.len(), cases.len());
    assert!(
        kept_counts
            .iter()
            .all(|record| record["RejectedKept"] == 1 && record["RejectedNotKept"] == 0)
    );
}

/// Nothing is kept for preflights, schema reads, 405s, unknown paths,
/// answers that stored something, or retried events.
#[tokio::test]
async fn nothing_else_is_kept() {
    let tables = Tables::new().await;
    let rejected = rejected_table(&tables).await;
    let (app, metrics) = keeping_app(&tables, &tables.client, &rejected, &[]);
    let good = sample_body().to_string();
    let id = created_id(&app.handle(post("/api/v1/sessions", good.as_bytes(), &[])).await);
    let play = json!({"eventType": "play", "playerTime": {"playhead": 1, "ts": 1_509_045_325_000_i64}}).to_string();
    let events = format!("/api/v1/sessions/{id}/events");
    assert_eq!(app.handle(post(&events, play.as_bytes(), &[])).await.status(), 204);
    assert_eq!(
        app.handle(post(&events, play.as_bytes(), &[])).await.status(),
        204,
        "a retry"
    );
    for file in [
        "apigw-http-event-preflight.json",
        "apigw-http-event-wrong-method.json",
        "apigw-http-schema-session-start.json",
    ] {
        if crate::support::events_dir().join(file).exists() {
            app.handle(request(&event_json(file))).await;
        }
    }
    let mut options = post_json("/api/v1/sessions", b"", &[]);
    options["requestContext"]["http"]["method"] = json!("OPTIONS");
    assert_eq!(app.handle(request(&options)).await.status(), 204);
    let mut get = post_json("/api/v1/schemas/play", b"", &[]);
    get["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(app.handle(request(&get)).await.status(), 200);
    let mut put = post_json("/api/v1/sessions", good.as_bytes(), &[]);
    put["requestContext"]["http"]["method"] = json!("PUT");
    assert_eq!(app.handle(request(&put)).await.status(), 405);
    assert_eq!(app.handle(post("/api/v1/nowhere", b"{}", &[])).await.status(), 404);
    assert!(kept(&tables.client, &rejected).await.is_empty(), "nothing kept");
    assert!(
        metric_records(&metrics)
            .iter()
            .all(|record| record.get("RejectedKept").is_none()),
        "no keep metric without a refusal"
    );
}

/// A rejected table that is missing, refusing (throttling) or hanging
/// changes no answer, answers within the keep's budget, and counts
/// `RejectedNotKept`.
#[tokio::test]
async fn a_sick_rejected_table_changes_no_answer() {
    let tables = Tables::new().await;
    let plain = plain_app(&tables, &[]);
    let bad = br#"{"eventType":"sessionStart"}"#;
    let expected = shape(&plain.handle(post("/api/v1/sessions", bad, &[])).await);
    let (throttling, _) = faulty_endpoint(Fault::Throttle).await;
    let (hanging, _) = faulty_endpoint(Fault::Hang).await;
    let missing_client = tables.client.clone();
    let throttling_client = redirected(&dynamodb_client(Duration::from_millis(800)).await, &throttling);
    let hanging_client = redirected(&dynamodb_client(Duration::from_secs(5)).await, &hanging);
    for (what, client, table) in [
        ("missing", &missing_client, "no-such-rejected-table"),
        ("throttling", &throttling_client, "rejected"),
        ("hanging", &hanging_client, "rejected"),
    ] {
        let (app, metrics) = keeping_app(&tables, client, table, &[]);
        let started = Instant::now();
        let answer = app.handle(post("/api/v1/sessions", bad, &[])).await;
        let took = started.elapsed();
        assert_eq!(shape(&answer), expected, "{what}: the same answer");
        assert!(took < Duration::from_millis(1_800), "{what}: answered in {took:?}");
        let records = metric_records(&metrics);
        assert_eq!(records.len(), 1, "{what}");
        assert_eq!(records[0]["RejectedNotKept"], 1, "{what}: {}", records[0]);
        assert_eq!(records[0]["RejectedKept"], 0, "{what}");
    }
}

/// The replay command end to end: calls refused for a limit set too low
/// are stored once it is raised, each once, with `replayedAt`; a call
/// still refused stays kept; `--dry-run`, `--status` and `--route` do
/// what they say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_stores_what_a_raised_limit_takes_once() {
    let tables = Tables::new().await;
    let rejected = rejected_table(&tables).await;
    let limits = [("MAX_BODY_BYTES", "900"), ("SESSION_IDLE_TIMEOUT_S", "3")];
    let (app, _) = keeping_app(&tables, &tables.client, &rejected, &limits);
    let small = sample_body();
    let mut big = sample_body();
    big["customMetadata"] = json!({"campaign": "x".repeat(1_000)});
    big["params"].as_object_mut().unwrap().remove("analytics.visitorId");
    let event = |event_type: &str, second: i64, big: bool| {
        let mut body = json!({"eventType": event_type, "playerTime": {"playhead": second, "ts": 1_509_045_324_153_i64 + second * 1000}});
        if big {
            body["customMetadata"] = json!({"note": "y".repeat(1_000)});
        }
        body.to_string()
    };

    // A session whose events are too large for the limit, and one that ends.
    let small_text = small.to_string();
    let open = created_id(&app.handle(post("/api/v1/sessions", small_text.as_bytes(), &[])).await);
    let open_events = format!("/api/v1/sessions/{open}/events");
    assert_eq!(
        app.handle(post(&open_events, event("play", 1, false).as_bytes(), &[]))
            .await
            .status(),
        204
    );
    for (second, event_type) in [(2, "ping"), (3, "pauseStart")] {
        let answer = app
            .handle(post(&open_events, event(event_type, second, true).as_bytes(), &[]))
            .await;
        assert_eq!(answer.status(), 413);
    }
    // A start too large, and an event that comes after an end (410: stays refused).
    let big_text = big.to_string();
    assert_eq!(
        app.handle(post("/api/v1/sessions", big_text.as_bytes(), &[]))
            .await
            .status(),
        413
    );
    let ended = created_id(&app.handle(post("/api/v1/sessions", small_text.as_bytes(), &[])).await);
    let ended_events = format!("/api/v1/sessions/{ended}/events");
    assert_eq!(
        app.handle(post(&ended_events, event("sessionEnd", 5, false).as_bytes(), &[]))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.handle(post(&ended_events, event("ping", 9, false).as_bytes(), &[]))
            .await
            .status(),
        410
    );
    assert_eq!(kept(&tables.client, &rejected).await.len(), 4);

    // The open session goes idle: its kept events were sent while it was open.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    // One query per day and shard: a range of minutes reads one day.
    let since = (time::OffsetDateTime::now_utc() - time::Duration::minutes(10))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let replay = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_media-collector-replay"));
        command
            .args(["--since", since.as_str()])
            .args(extra)
            .env("TABLE_NAME", &tables.sessions)
            .env("EVENTS_TABLE_NAME", &tables.events)
            .env("REJECTED_TABLE_NAME", &rejected)
            .env("SESSION_IDLE_TIMEOUT_S", "3")
            .env("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env_remove("MAX_BODY_BYTES");
        let output = command.output().expect("media-collector-replay runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout.lines().last().unwrap_or_default().to_owned()
    };

    assert_eq!(
        replay(&["--dry-run"]),
        "replay: 4 kept, 3 stored, 1 still refused, 0 skipped"
    );
    assert_eq!(
        kept(&tables.client, &rejected).await.len(),
        4,
        "a dry run writes nothing"
    );
    assert_eq!(
        replay(&["--dry-run", "--status", "410"]),
        "replay: 1 kept, 0 stored, 1 still refused, 0 skipped"
    );
    assert_eq!(
        replay(&["--dry-run", "--route", "events"]),
        "replay: 3 kept, 2 stored, 1 still refused, 0 skipped"
    );

    assert_eq!(replay(&[]), "replay: 4 kept, 3 stored, 1 still refused, 0 skipped");
    let left = kept(&tables.client, &rejected).await;
    assert_eq!(left.len(), 1, "only the call still refused stays kept");
    assert_eq!(n(&left[0], "status"), "410");

    // The open session: its events replayed into it, counted, marked.
    let record = tables.session_item(&open).await;
    assert_eq!(n(&record, "eventCount"), "3");
    let stored = tables.event_items(&open).await;
    let types: Vec<String> = stored.iter().map(|item| s(item, "eventType")).collect();
    assert_eq!(types, ["play", "ping", "pauseStart"]);
    assert!(!stored[0].contains_key("replayedAt"));
    assert!(stored[1..].iter().all(|item| item.contains_key("replayedAt")));
    assert_eq!(
        record["metrics"].as_m().unwrap()["pauseCount"],
        AttributeValue::N("1".into()),
        "the replayed pause is in the metrics"
    );
    // The start that was too large: a session now, marked, with its metadata.
    let sessions: BTreeSet<String> = tables
        .client
        .scan()
        .table_name(&tables.sessions)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .iter()
        .filter(|item| item.contains_key("replayedAt"))
        .map(|item| s(item, "sessionId"))
        .collect();
    assert_eq!(sessions.len(), 1);
    let replayed = tables.session_item(sessions.first().unwrap()).await;
    assert_eq!(
        replayed["customMetadata"].as_m().unwrap()["campaign"]
            .as_s()
            .unwrap()
            .len(),
        1_000
    );

    // Twice: nothing stored twice.
    assert_eq!(replay(&[]), "replay: 1 kept, 0 stored, 1 still refused, 0 skipped");
    assert_eq!(tables.event_items(&open).await.len(), 3);
    assert_eq!(n(&tables.session_item(&open).await, "eventCount"), "3");
}
