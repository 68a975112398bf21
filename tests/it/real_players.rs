//! What widely used players and the API's own published examples send,
//! through the whole function (the handler and both DynamoDB adapters, as
//! `main` wires them) against AWS DynamoDB Local. Each call here was once
//! refused or blocked, and every refused call is data lost for good: players
//! do not retry a 400. Each must be answered as a collector must, and what
//! was accepted must be in the tables exactly as sent.

use std::time::Duration;

use crate::support::answers::{assert_accepted, assert_gone};
use crate::support::{DynamoDbStores, Tables, body_text, config, dynamodb_app, event, event_post, n, s};
use lambda_http::http::StatusCode;
use media_collector::http::App;
use serde_json::{Value, json};

const T: i64 = 1_795_435_222_724;

fn app(tables: &Tables, extra: &[(&str, &str)]) -> App<DynamoDbStores> {
    dynamodb_app(&tables.client, config(&tables.sessions, extra))
}

/// Starts a session from `file`'s sample through the function; its id.
async fn start_from(app: &App<DynamoDbStores>, file: &str) -> String {
    let response = app.handle(event(file)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{file}: {}",
        body_text(&response)
    );
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

async fn start(app: &App<DynamoDbStores>) -> String {
    start_from(app, "apigw-http-session-start.json").await
}

/// The stored event under `key`, as DynamoDB holds it.
async fn stored_event(tables: &Tables, id: &str, key: &str) -> crate::support::Item {
    tables
        .event_items(id)
        .await
        .into_iter()
        .find(|item| s(item, "eventKey") == key)
        .unwrap_or_else(|| panic!("no event {key} stored"))
}

/// Issue inputs 1 to 6: event bodies players send, each answered 204 and
/// stored with every part it carried.
#[tokio::test]
async fn event_bodies_players_send_are_stored() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let id = start(&app).await;
    let cases: [(&str, Value); 7] = [
        (
            "1. an ad break with customMetadata and empty qoeData",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "adBreakStart", "qoeData": {},
                   "params": {"media.ad.podIndex": 0, "media.ad.podSecond": 35}, "customMetadata": {}}),
        ),
        (
            "2. a post-roll ad break: podIndex -1",
            json!({"playerTime": {"playhead": 20, "ts": T + 1}, "eventType": "adBreakStart", "qoeData": {},
                   "params": {"media.ad.podIndex": -1, "media.ad.podSecond": 35}, "customMetadata": {"a.b": "c"}}),
        ),
        (
            "3. a chapter of index 0",
            json!({"playerTime": {"playhead": 940, "ts": T + 2}, "eventType": "chapterStart",
                   "params": {"media.chapter.index": 0, "media.chapter.offset": 940, "media.chapter.length": 100}}),
        ),
        (
            "4. a bitrate change without a bitrate",
            json!({"playerTime": {"playhead": 60, "ts": T + 3}, "eventType": "bitrateChange", "qoeData": {}}),
        ),
        (
            "5. an error with no data, as the documented session sends it",
            json!({"playerTime": {"playhead": 20, "ts": T + 4}, "eventType": "error"}),
        ),
        (
            "5. an error with a numeric id from a CDN",
            json!({"playerTime": {"playhead": 20, "ts": T + 5}, "eventType": "error",
                   "qoeData": {"media.qoe.errorID": 3002, "media.qoe.errorSource": "cdn"}}),
        ),
        (
            "6. the documented event body",
            json!({"playerTime": {"playhead": 0, "ts": T + 6}, "eventType": "play", "params": {}, "qoeData": {},
                   "customMetadata": {}}),
        ),
    ];
    for (case, body) in &cases {
        assert_accepted(case, &app.handle(event_post(&id, body)).await);
        let ts = body["playerTime"]["ts"].as_i64().unwrap();
        let key = format!("{ts:015}#{}", body["eventType"].as_str().unwrap());
        let item = stored_event(&tables, &id, &key).await;
        for part in ["params", "qoeData", "customMetadata"] {
            let sent = body.get(part).and_then(Value::as_object);
            let stored = item.get(part).map(|value| value.as_m().expect("a map"));
            assert_eq!(
                stored.map(|map| map.len()),
                sent.map(|object| object.len()),
                "{case}: {part} is stored when sent, with every key"
            );
        }
    }
    let post_roll = stored_event(&tables, &id, &format!("{:015}#adBreakStart", T + 1)).await;
    let params = post_roll["params"].as_m().unwrap();
    assert_eq!(params["media.ad.podIndex"].as_n().unwrap(), "-1");
    assert_eq!(s(post_roll["customMetadata"].as_m().unwrap(), "a.b"), "c");
    let cdn_error = stored_event(&tables, &id, &format!("{:015}#error", T + 5)).await;
    let qoe = cdn_error["qoeData"].as_m().unwrap();
    assert_eq!(
        qoe["media.qoe.errorID"].as_n().unwrap(),
        "3002",
        "a numeric id stays a number"
    );
    assert_eq!(
        n(&tables.session_item(&id).await, "eventCount"),
        cases.len().to_string()
    );
}

/// What the rules still refuse: wrong JSON types, unstorable values,
/// unknown types, a missing `ts`. Nothing of it is stored.
#[tokio::test]
async fn what_cannot_be_stored_faithfully_is_still_refused() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let id = start(&app).await;
    for (case, body, pointer) in [
        (
            "a pod index below -1",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "adBreakStart",
                   "params": {"media.ad.podIndex": -2, "media.ad.podSecond": 0}}),
            "/params/media.ad.podIndex",
        ),
        (
            "an error id of the wrong type",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "error", "qoeData": {"media.qoe.errorID": [1]}}),
            "/qoeData/media.qoe.errorID",
        ),
        (
            "customMetadata that is not strings",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "play", "customMetadata": {"n": 1}}),
            "/customMetadata/n",
        ),
        (
            "an unknown event type",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "adBegin"}),
            "/eventType",
        ),
        (
            "no ts",
            json!({"playerTime": {"playhead": 20}, "eventType": "ping"}),
            "/playerTime/ts",
        ),
        (
            "a number DynamoDB cannot hold",
            json!({"playerTime": {"playhead": 20, "ts": T}, "eventType": "ping", "params": {"x": 1e200}}),
            "/params/x",
        ),
    ] {
        let response = app.handle(event_post(&id, &body)).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            body_text(&response)
        );
        let document: Value = serde_json::from_str(&body_text(&response)).unwrap();
        assert_eq!(document["errors"][0]["pointer"], pointer, "{case}: {document}");
    }
    assert!(tables.event_items(&id).await.is_empty());
}

/// Issue input 8: a ping sent just before the `sessionEnd` arrives just
/// after it (browsers send several requests at once).
#[tokio::test]
async fn a_ping_that_overtook_the_end_is_stored_and_one_sent_after_it_is_not() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let id = start(&app).await;
    let at = |event_type: &str, ts: i64| json!({"playerTime": {"playhead": 30, "ts": ts}, "eventType": event_type});
    assert_accepted("the end", &app.handle(event_post(&id, &at("sessionEnd", T))).await);
    assert_accepted(
        "a ping sent 5 ms before the end",
        &app.handle(event_post(&id, &at("ping", T - 5))).await,
    );
    assert_gone(
        "a ping sent after the end",
        &app.handle(event_post(&id, &at("ping", T + 1))).await,
        "ended",
    );
    let keys: Vec<String> = tables
        .event_items(&id)
        .await
        .iter()
        .map(|item| s(item, "eventKey"))
        .collect();
    assert_eq!(keys, [format!("{:015}#ping", T - 5), format!("{T:015}#sessionEnd")]);
    let session = tables.session_item(&id).await;
    assert_eq!(n(&session, "eventCount"), "2");
    assert_eq!(n(&session, "endedTs"), T.to_string());
}

/// Issue input 9: `curl -d '<sessionStart>' …/api/v1/sessions`, whose
/// Content-Type is `application/x-www-form-urlencoded`.
#[tokio::test]
async fn curl_without_a_content_type_opens_a_session() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let id = start_from(&app, "apigw-http-session-start-curl-form.json").await;
    let session = tables.session_item(&id).await;
    assert_eq!(s(&session, "eventType"), "sessionStart");
    let unsupported = app.handle(event("apigw-http-unsupported-content-type.json")).await;
    assert_eq!(
        unsupported.status(),
        StatusCode::BAD_REQUEST,
        "{}",
        body_text(&unsupported)
    );
}

/// Issue input 10: a paused viewer walks away while the player keeps
/// pinging the same playhead.
#[tokio::test]
async fn a_session_pinging_one_playhead_stalls_after_the_stall_timeout() {
    let tables = Tables::new().await;
    let app = app(&tables, &[("SESSION_STALL_TIMEOUT_S", "2")]);
    let id = start(&app).await;
    let ping = |ts: i64, playhead: f64| json!({"playerTime": {"playhead": playhead, "ts": ts}, "eventType": "ping"});
    assert_accepted("playing", &app.handle(event_post(&id, &ping(T, 12.0))).await);
    let moved_at = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_accepted("paused", &app.handle(event_post(&id, &ping(T + 10_000, 12.0))).await);
    assert!(
        moved_at.elapsed() < Duration::from_secs(2),
        "the paused ping came in time"
    );
    tokio::time::sleep(Duration::from_millis(2_300).saturating_sub(moved_at.elapsed())).await;
    let stalled = app.handle(event_post(&id, &ping(T + 20_000, 12.0))).await;
    assert_gone("still paused past the stall timeout", &stalled, "stalled");
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2");
    assert_eq!(tables.event_items(&id).await.len(), 2, "the refused ping is not stored");
}

/// Issue input 7: Firefox and Safari ask the preflight for a script-set
/// `User-Agent`; a preflight that leaves it out blocks the session.
#[tokio::test]
async fn a_preflight_allows_the_headers_a_player_asks_for() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let mut preflight = crate::support::event_json("apigw-http-preflight.json");
    preflight["headers"]["access-control-request-headers"] = json!("content-type,user-agent");
    let response = app.handle(crate::support::request(&preflight)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", body_text(&response));
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["content-type", "user-agent", "idempotency-key"] {
        assert!(
            allowed.split(',').any(|name| name.trim() == header),
            "{header} in {allowed}"
        );
    }
}

/// Issue input 11: older clients fetch schemas with POST.
#[tokio::test]
async fn a_schema_fetched_with_post_is_served_as_with_get() {
    let tables = Tables::new().await;
    let app = app(&tables, &[]);
    let fetch = |method: &str| {
        let mut request = crate::support::event_json("apigw-http-session-start.json");
        request["rawPath"] = json!("/api/v1/schemas/play");
        request["requestContext"]["http"]["path"] = json!("/api/v1/schemas/play");
        request["requestContext"]["http"]["method"] = json!(method);
        request["routeKey"] = json!(format!("{method} /api/v1/schemas/{{eventType}}"));
        crate::support::request(&request)
    };
    let get = app.handle(fetch("GET")).await;
    let post = app.handle(fetch("POST")).await;
    assert_eq!(get.status(), StatusCode::OK, "{}", body_text(&get));
    assert_eq!(post.status(), StatusCode::OK, "{}", body_text(&post));
    assert_eq!(body_text(&post), body_text(&get));
    assert_eq!(post.headers()["content-type"], "application/schema+json");
}
