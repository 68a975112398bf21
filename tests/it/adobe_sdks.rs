//! What Adobe's own Media SDKs (the Android and iOS Media extensions, the JS
//! 3.x SDK) send, through the whole function (the handler and both DynamoDB
//! adapters, as `main` wires them) against AWS DynamoDB Local: two different
//! events at one instant (every active player state re-sent when a session
//! restarts), a live stream of length 0 and a chapter of length 0. Each must
//! be answered as a collector must, and the tables must hold every call,
//! once. (The ALB header escaped as `\xE9` is in `raw_payloads.rs`: it needs
//! the function's binary under the Runtime API.)

use std::time::Instant;

use crate::support::answers::{assert_accepted, assert_gone};
use crate::support::{DynamoDbStores, Tables, body_text, config, dynamodb_app, event_json, event_post, n, request, s};
use lambda_http::http::StatusCode;
use media_collector::http::App;
use serde_json::{Value, json};

const T: i64 = 1_795_435_222_724;

fn app(tables: &Tables) -> App<DynamoDbStores> {
    dynamodb_app(&tables.client, config(&tables.sessions, &[]))
}

/// An HTTP API request posting `body` to `path`.
fn post(path: &str, body: &Value) -> media_collector::http::ApiRequest {
    let mut lambda_event = event_json("apigw-http-session-start.json");
    lambda_event["rawPath"] = json!(path);
    lambda_event["requestContext"]["http"]["path"] = json!(path);
    lambda_event["body"] = json!(body.to_string());
    request(&lambda_event)
}

/// The session id of a 201.
fn created(response: &lambda_http::Response<lambda_http::Body>) -> String {
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(response));
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

/// The sample sessionStart at `T`, with `params` changed as given.
fn start_body(params: &[(&str, Value)]) -> Value {
    let mut body = event_json("apigw-http-session-start.json")["body"]
        .as_str()
        .map(|text| serde_json::from_str::<Value>(text).unwrap())
        .unwrap();
    body["playerTime"]["ts"] = json!(T);
    for (key, value) in params {
        body["params"][*key] = value.clone();
    }
    body
}

fn state_start(name: &str) -> Value {
    json!({"eventType": "stateStart", "params": {"media.state.name": name}, "playerTime": {"ts": T + 1_000, "playhead": 10}})
}

/// `(eventKey, media.state.name)` of every stored stateStart, in key order.
async fn stored_states(tables: &Tables, id: &str) -> Vec<(String, String)> {
    tables
        .event_items(id)
        .await
        .iter()
        .filter(|item| s(item, "eventType") == "stateStart")
        .map(|item| {
            let name = item["params"].as_m().unwrap()["media.state.name"].as_s().unwrap();
            (s(item, "eventKey"), name.clone())
        })
        .collect()
}

/// Issue input 1: `stateStart` mute, then `stateStart` fullscreen, one `ts`:
/// both 204 and both stored; the retry of each (formatted otherwise) is a
/// 204 that stores nothing, also after the session ended.
#[tokio::test]
async fn two_different_events_at_one_instant_are_both_stored_and_each_retry_once() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let id = created(&app.handle(post("/api/v1/sessions", &start_body(&[]))).await);
    let (mute, fullscreen) = (state_start("mute"), state_start("fullscreen"));
    assert_accepted("mute", &app.handle(event_post(&id, &mute)).await);
    assert_accepted("fullscreen", &app.handle(event_post(&id, &fullscreen)).await);

    let plain = format!("{:015}#stateStart", T + 1_000);
    let states = stored_states(&tables, &id).await;
    assert_eq!(states.len(), 2, "both states are stored: {states:?}");
    assert_eq!(
        states[0],
        (plain.clone(), "mute".to_owned()),
        "the first keeps the plain key"
    );
    let (second_key, second_name) = &states[1];
    assert_eq!(second_name, "fullscreen");
    let digits = second_key
        .strip_prefix(&format!("{plain}#"))
        .unwrap_or_else(|| panic!("{second_key} extends {plain}"));
    assert_eq!(digits.len(), 16, "{second_key}");
    assert!(
        digits
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase())
    );
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2");

    // Retries, as the same JSON value written otherwise: stored once.
    let reformatted = |body: &Value| {
        let mut body = body.clone();
        body["playerTime"]["playhead"] = json!(10.0);
        body
    };
    for body in [&mute, &fullscreen, &reformatted(&fullscreen), &reformatted(&mute)] {
        assert_accepted("a retry", &app.handle(event_post(&id, body)).await);
    }
    assert_eq!(stored_states(&tables, &id).await, states, "retries store nothing");
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2");

    // A third state at the same instant has a key of its own too.
    assert_accepted(
        "closedCaptioning",
        &app.handle(event_post(&id, &state_start("closedCaptioning"))).await,
    );
    assert_eq!(stored_states(&tables, &id).await.len(), 3);

    // After the end, a retry of either is still a 204 that stores nothing,
    // and a new state with a later ts is refused.
    let end = json!({"eventType": "sessionEnd", "playerTime": {"ts": T + 5_000, "playhead": 14}});
    assert_accepted("sessionEnd", &app.handle(event_post(&id, &end)).await);
    assert_accepted("mute after the end", &app.handle(event_post(&id, &mute)).await);
    assert_accepted(
        "fullscreen after the end",
        &app.handle(event_post(&id, &fullscreen)).await,
    );
    let mut late = state_start("pictureInPicture");
    late["playerTime"]["ts"] = json!(T + 6_000);
    assert_gone(
        "a new state after the end",
        &app.handle(event_post(&id, &late)).await,
        "ended",
    );
    assert_eq!(stored_states(&tables, &id).await.len(), 3);
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "4");
}

/// Issue input 1, in a downloaded session: both states stored, the copy of
/// one kept once, as online.
#[tokio::test]
async fn two_different_events_at_one_instant_in_a_downloaded_session_are_both_stored() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let (mute, fullscreen) = (state_start("mute"), state_start("fullscreen"));
    let batch = json!([start_body(&[]), mute, fullscreen, mute]);
    let response = app
        .handle_until(
            post("/api/v1/downloaded", &batch),
            Some(Instant::now() + std::time::Duration::from_secs(60)),
        )
        .await;
    let id = created(&response);
    let states = stored_states(&tables, &id).await;
    let names: Vec<&str> = states.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, ["mute", "fullscreen"], "{states:?}");
    assert_eq!(states[0].0, format!("{:015}#stateStart", T + 1_000));
    assert!(states[1].0.starts_with(&format!("{:015}#stateStart#", T + 1_000)));
    assert_eq!(n(&tables.session_item(&id).await, "eventCount"), "2");
}

/// Issue inputs 2 and 3: a live start of length 0 opens a session (and a
/// recorded one of length 0 takes any playhead), and a chapter of length 0
/// is stored, each exactly as sent.
#[tokio::test]
async fn lengths_of_zero_are_taken_and_stored_as_sent() {
    let tables = Tables::new().await;
    let app = app(&tables);
    let live = start_body(&[("media.contentType", json!("live")), ("media.length", json!(0))]);
    let id = created(&app.handle(post("/api/v1/sessions", &live)).await);
    let record = tables.session_item(&id).await;
    let params = record["params"].as_m().unwrap();
    assert_eq!(params["media.length"].as_n().unwrap(), "0");
    assert_eq!(params["media.contentType"].as_s().unwrap(), "live");

    let mut unknown = start_body(&[("media.length", json!(0))]);
    unknown["playerTime"]["playhead"] = json!(3_600);
    let recorded = created(&app.handle(post("/api/v1/sessions", &unknown)).await);
    assert_eq!(
        tables.session_item(&recorded).await["playerTime"].as_m().unwrap()["playhead"]
            .as_n()
            .unwrap(),
        "3600"
    );

    let chapter = json!({"eventType": "chapterStart", "playerTime": {"ts": T + 1_000, "playhead": 0},
        "params": {"media.chapter.index": 1, "media.chapter.offset": 0, "media.chapter.length": 0}});
    assert_accepted("a chapter of length 0", &app.handle(event_post(&id, &chapter)).await);
    let items = tables.event_items(&id).await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["params"].as_m().unwrap()["media.chapter.length"]
            .as_n()
            .unwrap(),
        "0"
    );

    // Negative lengths are still refused, and nothing is stored.
    let negative = start_body(&[("media.length", json!(-1))]);
    let response = app.handle(post("/api/v1/sessions", &negative)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(&response).contains("/params/media.length"));
    let mut negative_chapter = chapter.clone();
    negative_chapter["params"]["media.chapter.length"] = json!(-0.5);
    negative_chapter["playerTime"]["ts"] = json!(T + 2_000);
    let response = app.handle(event_post(&id, &negative_chapter)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(&response).contains("/params/media.chapter.length"));
    assert_eq!(tables.event_items(&id).await.len(), 1);
}
