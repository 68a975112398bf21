//! Downloaded sessions (sessions played offline, sent at once) through the
//! whole function (the handler, both DynamoDB adapters as `main` wires them)
//! against DynamoDB Local: what is stored, item by item, against what the
//! same session stores when it is played online; resends; every 400 and 413
//! storing nothing; the commit order under a store cut at different moments;
//! unprocessed items written on the retry; the invocation's deadline.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::answers::assert_gone;
use crate::support::{
    DynamoDbStores, Fault, Intercept, Item, Tables, body_text, config, dynamodb_app, dynamodb_client, event_body_at,
    event_json, event_post, faulty_endpoint, intercepting_proxy, n, redirected, request, s, sample_body,
    switchable_proxy,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::{ANSWER_MARGIN, ApiRequest, App};
use serde_json::{Value, json};

/// The sample start's `playerTime.ts`.
const T: i64 = 1_509_045_324_153;

async fn app(tables: &Tables, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
    dynamodb_app(&patient_client().await, config(&tables.sessions, extra))
}

/// A client whose calls may each take a minute: DynamoDB Local on a busy
/// two-core machine can take seconds for one batch of 25 items.
async fn patient_client() -> Client {
    dynamodb_client(Duration::from_secs(60)).await
}

/// The tests that write hundreds of items take turns: DynamoDB Local writes
/// one batch at a time, and three such tests at once starve each other.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn app_via(tables: &Tables, client: &Client) -> App<DynamoDbStores> {
    dynamodb_app(client, config(&tables.sessions, &[]))
}

/// The sample sessionStart, `media.downloaded` set as given.
fn start(downloaded: Option<bool>) -> Value {
    let mut body = sample_body();
    if let Some(flag) = downloaded {
        body["params"]["media.downloaded"] = json!(flag);
    }
    body
}

/// The calls of a session played to its end: every kind of event, with
/// params, customMetadata, qoeData and decimals, in player-time order.
fn calls() -> Vec<Value> {
    let mut calls = vec![event_body_at("play", T + 4_700)];
    calls[0]["playerTime"]["playhead"] = json!(0);
    let mut ping = event_body_at("ping", T + 14_700);
    ping["playerTime"]["playhead"] = json!(10);
    calls.push(ping);
    for (offset, event_type) in [
        "bitrateChange",
        "adBreakStart",
        "adStart",
        "adComplete",
        "adBreakComplete",
        "chapterStart",
        "bufferStart",
        "pauseStart",
        "stateStart",
        "error",
        "chapterComplete",
        "sessionComplete",
    ]
    .into_iter()
    .enumerate()
    {
        calls.push(event_body_at(event_type, T + 20_000 + offset as i64 * 1_000));
    }
    calls.push(event_body_at("sessionEnd", T + 40_000));
    calls
}

/// A downloaded session: `start`, then `calls`.
fn batch(start: Value, calls: &[Value]) -> Value {
    Value::Array([start].into_iter().chain(calls.iter().cloned()).collect())
}

/// An HTTP API request posting `body` (as JSON text) to `path`.
fn post(path: &str, body: &Value, key: Option<&str>) -> ApiRequest {
    post_text(path, &body.to_string(), key)
}

fn post_text(path: &str, body: &str, key: Option<&str>) -> ApiRequest {
    let mut lambda_event = event_json("apigw-http-session-start.json");
    lambda_event["rawPath"] = json!(path);
    lambda_event["requestContext"]["http"]["path"] = json!(path);
    lambda_event["body"] = json!(body);
    if let Some(key) = key {
        lambda_event["headers"]["idempotency-key"] = json!(key);
    }
    request(&lambda_event)
}

/// DynamoDB Local on a busy test machine writes as few as a hundred items a
/// second: each request is given an invocation of five minutes.
const INVOCATION: Duration = Duration::from_secs(300);

/// The app's answer to `request`, within an [`INVOCATION`].
async fn send(app: &App<DynamoDbStores>, request: ApiRequest) -> Response<Body> {
    app.handle_until(request, Some(Instant::now() + INVOCATION)).await
}

const DOWNLOADED: &str = "/api/v1/downloaded";
const SESSIONS: &str = "/api/v1/sessions";

/// The session id of a 201, and whether it was a replay.
fn created(response: &Response<Body>) -> (String, bool) {
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(response));
    let headers = response.headers();
    assert_eq!(headers["content-length"], "0");
    assert!(body_text(response).is_empty());
    let location = headers["location"].to_str().unwrap();
    let id = location
        .strip_prefix("/api/v1/sessions/")
        .expect("a session's Location");
    let replayed = headers.get("idempotent-replayed").map(|value| value.to_str().unwrap());
    assert!(matches!(replayed, None | Some("true")), "{replayed:?}");
    (id.to_owned(), replayed.is_some())
}

/// Every event item of a session, however many pages.
async fn all_events(tables: &Tables, id: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = tables
            .client
            .query()
            .table_name(&tables.events)
            .key_condition_expression("sessionId = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("Query on DynamoDB Local");
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// How many items a table holds.
async fn count(client: &Client, table: &str) -> i32 {
    client
        .scan()
        .table_name(table)
        .select(aws_sdk_dynamodb::types::Select::Count)
        .consistent_read(true)
        .send()
        .await
        .expect("Scan on DynamoDB Local")
        .count
}

/// An item without the attributes that differ between two sessions or two
/// requests (ids, server times, expiry, fingerprint).
fn shape(item: &Item) -> BTreeMap<String, AttributeValue> {
    const PER_REQUEST: [&str; 7] = [
        "sessionId",
        "receivedAt",
        "createdAt",
        "requestId",
        "expiresAt",
        "lastEventAt",
        "endedAt",
    ];
    item.iter()
        .filter(|(name, _)| !PER_REQUEST.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

#[tokio::test]
async fn a_downloaded_session_is_stored_as_the_same_session_played_online() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]).await;

    // Online: the start, then each call through the events route.
    let online = created(&send(&app, post(SESSIONS, &start(None), None)).await).0;
    for call in calls() {
        let response = app.handle(event_post(&online, &call)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", body_text(&response));
    }

    // Offline: the same calls at once.
    let body = batch(start(None), &calls());
    let (offline, replayed) = created(&send(&app, post(DOWNLOADED, &body, None)).await);
    assert!(!replayed);
    assert_ne!(offline, online);

    let online_events = tables.event_items(&online).await;
    let offline_events = tables.event_items(&offline).await;
    assert_eq!(offline_events.len(), calls().len());
    assert_eq!(online_events.len(), offline_events.len());
    let record = tables.session_item(&offline).await;
    for (online_event, offline_event) in online_events.iter().zip(&offline_events) {
        assert_eq!(
            shape(online_event),
            shape(offline_event),
            "{}",
            s(offline_event, "eventKey")
        );
        assert_eq!(s(offline_event, "receivedAt"), s(&record, "createdAt"));
        assert_eq!(n(offline_event, "expiresAt"), n(&record, "expiresAt"));
        let keys: BTreeSet<&String> = offline_event.keys().collect();
        assert_eq!(keys, online_event.keys().collect());
    }
    // Exact decimals, as sent.
    let ad_start = offline_events
        .iter()
        .find(|item| s(item, "eventType") == "adStart")
        .unwrap();
    assert_eq!(
        crate::support::m(ad_start, "params")["media.ad.length"].as_n().unwrap(),
        "15.333333333333333"
    );

    // The session record: the online one's, plus downloaded and the fingerprint.
    let online_record = tables.session_item(&online).await;
    let mut expected = shape(&online_record);
    expected.insert("downloaded".into(), AttributeValue::Bool(true));
    // What a live session keeps for late arrivals and stalls; a downloaded
    // session is closed on arrival and takes neither.
    for bookkeeping in ["endedTs", "lastPlayhead", "lastMovedAt"] {
        assert!(
            expected.remove(bookkeeping).is_some(),
            "{bookkeeping} on the online session"
        );
    }
    let mut found = shape(&record);
    assert!(found.remove("idempotencyFingerprint").is_some());
    assert_eq!(found, expected);
    assert_eq!(n(&record, "eventCount"), calls().len().to_string());
    assert_eq!(s(&record, "endedAt"), s(&record, "createdAt"));
    let created_ms =
        time::OffsetDateTime::parse(&s(&record, "createdAt"), &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp_nanos()
            / 1_000_000;
    assert_eq!(n(&record, "lastEventAt"), created_ms.to_string());

    // Closed on arrival: a later event is refused as ended.
    let late = app
        .handle(event_post(&offline, &event_body_at("ping", T + 50_000)))
        .await;
    assert_gone("a ping after the downloaded session", &late, "ended");
}

#[tokio::test]
async fn the_older_route_needs_the_flag_and_a_resend_is_a_replay_on_either_route() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]).await;
    let body = batch(start(Some(true)), &calls());

    let (id, replayed) = created(&send(&app, post(SESSIONS, &body, None)).await);
    assert!(!replayed);
    let record = tables.session_item(&id).await;
    let events = tables.event_items(&id).await;
    assert_eq!(record["downloaded"], AttributeValue::Bool(true));
    assert_eq!(events.len(), calls().len());

    // The answer was lost: the same batch again, reformatted, on both routes.
    let pretty = serde_json::to_string_pretty(&body).unwrap();
    for path in [SESSIONS, DOWNLOADED] {
        let response = send(&app, post_text(path, &pretty, None)).await;
        assert_eq!(created(&response), (id.clone(), true), "{path}");
        assert_eq!(
            response.headers()["access-control-expose-headers"],
            "Location, Idempotent-Replayed"
        );
    }
    // Nothing written again: the same record, the same events.
    assert_eq!(tables.session_item(&id).await, record);
    assert_eq!(tables.event_items(&id).await, events);
    assert_eq!(count(&tables.client, &tables.sessions).await, 1);
}

#[tokio::test]
async fn with_an_idempotency_key_the_key_names_the_session() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]).await;
    let body = batch(start(None), &calls()[..3]);
    let (id, _) = created(&send(&app, post(DOWNLOADED, &body, Some("offline-1"))).await);
    assert_eq!(
        created(&send(&app, post(DOWNLOADED, &body, Some("offline-1"))).await),
        (id.clone(), true)
    );
    let other = batch(start(None), &calls()[..4]);
    let conflict = send(&app, post(DOWNLOADED, &other, Some("offline-1"))).await;
    assert_eq!(
        conflict.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        body_text(&conflict)
    );
    assert_eq!(tables.event_items(&id).await.len(), 3);
}

/// The pointers of a 400's errors, and its detail.
fn refused(response: &Response<Body>) -> (Vec<String>, String) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{}", body_text(response));
    let problem: Value = serde_json::from_str(&body_text(response)).unwrap();
    let pointers = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap().to_owned())
        .collect();
    (pointers, problem["detail"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn every_invalid_batch_is_a_400_with_every_error_and_nothing_stored() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]).await;
    let some = &calls()[..3];

    let mut back_in_time = some.to_vec();
    back_in_time[2]["playerTime"]["ts"] = json!(T + 1_000);
    let mut start_inside = some.to_vec();
    start_inside.insert(1, start(None));
    let mut after_end = calls();
    after_end.push(event_body_at("ping", T + 60_000));
    let mut many = some.to_vec();
    many[0]["eventType"] = json!("dance");
    many[1]["playerTime"]["ts"] = json!(1_509_045_324);
    many.push(json!("ping"));

    let cases: Vec<(&str, Value, Vec<String>, &str)> = vec![
        (
            SESSIONS,
            batch(start(None), some),
            vec!["/0/params/media.downloaded".into()],
            "1 error in 1 of its 4 calls",
        ),
        (
            SESSIONS,
            batch(start(Some(false)), some),
            vec!["/0/params/media.downloaded".into()],
            "1 error in 1 of its 4 calls",
        ),
        (
            DOWNLOADED,
            batch(start(Some(false)), some),
            vec!["/0/params/media.downloaded".into()],
            "1 error in 1 of its 4 calls",
        ),
        (
            SESSIONS,
            start(Some(true)),
            vec!["/params/media.downloaded".into()],
            "1 error",
        ),
        (
            DOWNLOADED,
            batch(start(None), &back_in_time),
            vec!["/3/playerTime/ts".into()],
            "1 error in 1 of its 4 calls",
        ),
        (
            DOWNLOADED,
            batch(start(None), &start_inside),
            vec!["/2/eventType".into(), "/2/playerTime/ts".into()],
            "2 errors in 1 of its 5 calls",
        ),
        (
            DOWNLOADED,
            batch(start(None), &after_end),
            vec![format!("/{}", after_end.len())],
            "1 error in 1 of its",
        ),
        (DOWNLOADED, json!([]), vec![String::new()], "1 error"),
        (SESSIONS, json!([]), vec![String::new()], "1 error"),
        (
            DOWNLOADED,
            json!([1, null]),
            vec!["/0".into(), "/1".into()],
            "2 errors in 2 of its 2 calls",
        ),
        (DOWNLOADED, start(None), vec![String::new()], "1 error"),
        (
            DOWNLOADED,
            batch(start(None), &many),
            vec![
                "/1/eventType".into(),
                "/2/playerTime/ts".into(),
                "/2/playerTime/ts".into(),
                "/4".into(),
            ],
            "4 errors in 3 of its 5 calls",
        ),
    ];
    for (path, body, pointers, detail) in cases {
        let (found, said) = refused(&send(&app, post(path, &body, None)).await);
        assert_eq!(found, pointers, "{path} {body}");
        assert!(said.contains(detail), "{path}: {said:?} does not say {detail:?}");
    }
    assert_eq!(count(&tables.client, &tables.sessions).await, 0);
    assert_eq!(count(&tables.client, &tables.events).await, 0);
}

/// A session of `calls` calls (`start`, then pings 10 s apart).
fn long_batch(calls: usize) -> Value {
    let mut body = vec![start(None)];
    for index in 1..calls {
        let mut ping = event_body_at("ping", T + index as i64 * 10_000);
        ping["playerTime"]["playhead"] = json!(index * 10);
        ping["qoeData"] = json!({ "media.qoe.bitrate": 1_800_000, "media.qoe.droppedFrames": index });
        body.push(ping);
    }
    Value::Array(body)
}

#[tokio::test]
async fn a_batch_over_the_single_call_limit_is_taken_up_to_its_own_limits() {
    let _turn = HEAVY.lock().await;
    let tables = Tables::new().await;
    let app = app(&tables, &[("MAX_DOWNLOADED_CALLS", "3000")]).await;
    let body = long_batch(3_000);
    let text = body.to_string();
    assert!(text.len() > 200 * 1024 && text.len() < 1_048_576, "{}", text.len());
    let (id, _) = created(&send(&app, post_text(DOWNLOADED, &text, None)).await);
    assert_eq!(all_events(&tables, &id).await.len(), 2_999);
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2999");

    // One call too many, and one byte too many.
    let over = send(&app, post(DOWNLOADED, &long_batch(3_001), None)).await;
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(&over).contains("at most 3000"), "{}", body_text(&over));
    let padded = format!("{text}{}", " ".repeat(1_048_577 - text.len()));
    for path in [DOWNLOADED, SESSIONS] {
        let large = send(&app, post_text(path, &padded, None)).await;
        assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(body_text(&large).contains("1048576"), "{}", body_text(&large));
    }
    assert_eq!(count(&tables.client, &tables.sessions).await, 1);
}

#[tokio::test]
async fn a_cut_store_leaves_every_event_and_the_record_or_no_record_and_the_resend_completes() {
    let _turn = HEAVY.lock().await;
    let tables = Tables::new().await;
    let endpoint = crate::support::dynamodb_endpoint();
    let body = long_batch(200);
    let fresh = app_via(&tables, &patient_client().await);
    // How long the whole write takes here, uncut: the cuts fall across it,
    // from before the first call to after the session record.
    let started = Instant::now();
    let mut uncut = body.clone();
    uncut[1]["playerTime"]["playhead"] = json!(1);
    created(&send(&fresh, post(DOWNLOADED, &uncut, None)).await);
    let whole = started.elapsed();

    let mut outcomes = BTreeMap::<u16, usize>::new();
    for (round, percent) in [0_u32, 10, 25, 40, 55, 70, 85, 95, 105, 130].into_iter().enumerate() {
        let cut_after = whole * percent / 100;
        let cut_after_ms = cut_after.as_millis();
        let (proxy, up) = switchable_proxy(endpoint.clone()).await;
        let client = redirected(&patient_client().await, &proxy);
        let app = app_via(&tables, &client);
        // Each round its own batch (the first ping differs), so each has its own id.
        let mut body = body.clone();
        body[1]["playerTime"]["playhead"] = json!(100 + round);

        let answer = send(&app, post(DOWNLOADED, &body, None));
        let cut = async {
            tokio::time::sleep(cut_after).await;
            up.store(false, Ordering::SeqCst);
        };
        let (response, ()) = tokio::join!(answer, cut);
        let status = response.status();
        *outcomes.entry(status.as_u16()).or_default() += 1;
        let id = media_collector::domain::Fingerprint::of(&body).as_str().to_owned();
        match status {
            StatusCode::CREATED => {
                assert_eq!(created(&response).0, id);
                assert_eq!(all_events(&tables, &id).await.len(), 199, "cut at {cut_after_ms} ms");
            }
            StatusCode::INTERNAL_SERVER_ERROR => {
                let record = crate::support::session_item(&tables.client, &tables.sessions, &id).await;
                assert!(
                    record.is_none(),
                    "a 500 left a session record (cut at {cut_after_ms} ms)"
                );
            }
            other => panic!("cut at {cut_after_ms} ms: {other} {}", body_text(&response)),
        }

        // The store is back; the player sends the batch again (to a fresh
        // client: the cut one may have spent its retry quota).
        up.store(true, Ordering::SeqCst);
        let (again, _) = created(&send(&fresh, post(DOWNLOADED, &body, None)).await);
        assert_eq!(again, id);
        assert_eq!(all_events(&tables, &id).await.len(), 199);
        assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "199");
    }
    assert!(
        outcomes.get(&500).is_some_and(|cut| *cut >= 3),
        "the cuts should have hit the writes ({whole:?} uncut): {outcomes:?}"
    );
}

#[tokio::test]
async fn unprocessed_items_are_written_on_the_retry() {
    let _turn = HEAVY.lock().await;
    let tables = Tables::new().await;
    let (proxy, seen) = intercepting_proxy(
        crate::support::dynamodb_endpoint(),
        "BatchWriteItem",
        Intercept::Unprocessed(5),
    )
    .await;
    let client = redirected(&patient_client().await, &proxy);
    let app = app_via(&tables, &client);
    let body = long_batch(251);
    let (id, _) = created(&send(&app, post(DOWNLOADED, &body, None)).await);
    // The proxy wrote none of the first 5 batches' items: they are stored
    // because they were sent again.
    assert_eq!(all_events(&tables, &id).await.len(), 250);
    // 10 batches of 25, and the 5 refused ones sent again (and any attempt
    // the SDK repeated on a slow machine).
    assert!(seen.load(Ordering::SeqCst) >= 15, "{seen:?}");
}

#[tokio::test]
async fn a_store_that_hangs_is_answered_500_before_the_invocations_deadline() {
    let tables = Tables::new().await;
    let (endpoint, _) = faulty_endpoint(Fault::Hang).await;
    // The client's own budget is longer than the invocation: the deadline must cut.
    let client = redirected(&dynamodb_client(Duration::from_secs(30)).await, &endpoint);
    let app = app_via(&tables, &client);
    let started = Instant::now();
    let deadline = started + Duration::from_millis(1_500);
    let response = app
        .handle_until(post(DOWNLOADED, &long_batch(100), None), Some(deadline))
        .await;
    let elapsed = started.elapsed();
    assert_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        body_text(&response)
    );
    assert!(
        elapsed < Duration::from_millis(1_500) && elapsed >= Duration::from_millis(1_500) - ANSWER_MARGIN,
        "answered after {elapsed:?}"
    );
}
