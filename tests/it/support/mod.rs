//! Helpers shared by the integration tests: sample bodies and events, the
//! handler's settings, and the DynamoDB Local that `make test` starts.

pub mod answers;
mod faults;
pub mod function;
pub mod item_size;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use media_collector::config::Config;
use media_collector::http::{ApiRequest, RawBody};
use media_collector::store::dynamodb::client;
use serde_json::{Value, json};

pub use faults::{Fault, Intercept, closed_port, faulty_endpoint, intercepting_proxy, switchable_proxy};

/// The example body of docs/api.md.
pub fn sample_body() -> Value {
    serde_json::from_str(
        r#"{
          "playerTime": { "playhead": 0, "ts": 1509045324153 },
          "eventType": "sessionStart",
          "params": {
            "media.playerName": "sample-html5-api-player",
            "analytics.trackingServer": "example.sc.omtrdc.net",
            "analytics.reportSuite": "example-rsid",
            "analytics.visitorId": "visitor-1",
            "media.contentType": "VOD",
            "media.length": 60.39333333333333,
            "media.id": "MA API Sample Player",
            "visitor.marketingCloudOrgId": "ABC123@AdobeOrg",
            "media.name": "ClickMe",
            "media.channel": "sample-channel",
            "media.sdkVersion": "va-api-0.0.0",
            "analytics.enableSSL": false
          },
          "customMetadata": { "myCustomData": "value" },
          "qoeData": { "media.qoe.bitrate": 1800000 }
        }"#,
    )
    .expect("the sample body is JSON")
}

/// The sample body with every optional part used.
pub fn full_body() -> Value {
    let mut body = sample_body();
    let params = body["params"].as_object_mut().expect("params is an object");
    params.insert(
        "visitor.customerIDs".into(),
        json!({ "userId": { "id": "u-1", "authState": 1 }, "crmId": { "id": "c-9" } }),
    );
    params.insert("visitor.aamLocationHint".into(), json!(9));
    params.insert(
        "my.count".into(),
        serde_json::from_str("12345678901234567890.123456789012345678").unwrap(),
    );
    params.insert("my.flag".into(), json!(true));
    body["qoeData"] = json!({ "media.qoe.bitrate": 1800000, "media.qoe.errorID": "E1", "media.qoe.framesPerSecond": 29.97, "custom.qoe": "x" });
    body
}

/// Settings as the spec's defaults, for table `table_name`.
pub fn config(table_name: &str, extra: &[(&str, &str)]) -> Config {
    let table = table_name.to_owned();
    let extra: Vec<(String, String)> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(move |name| {
        if name == "TABLE_NAME" {
            return Some(table.clone());
        }
        let sent = extra
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone());
        if name == "EVENTS_TABLE_NAME" {
            // The events table beside a test's sessions table, unless the test names one.
            return sent.or_else(|| Some(format!("{table}-events")));
        }
        sent
    })
    .expect("test configuration is valid")
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events")
}

/// The names of the sample events in `events/`, sorted.
pub fn event_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|entry| {
            entry
                .expect("a readable events/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    files
}

/// A sample event from `events/` as JSON, as the Lambda runtime hands it over.
pub fn event_json(file: &str) -> Value {
    let text = std::fs::read_to_string(events_dir().join(file)).unwrap_or_else(|e| panic!("events/{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{file} is not JSON: {e}"))
}

/// A Lambda event decoded the way the function decodes it.
pub fn request(event: &Value) -> ApiRequest {
    ApiRequest::from_event(event, "lambda-request-id").unwrap_or_else(|e| panic!("{e}: {event}"))
}

/// A sample event from `events/`, decoded the way the function decodes it.
pub fn event(file: &str) -> ApiRequest {
    request(&event_json(file))
}

/// An HTTP API event (the envelope of `apigw-http-session-start.json`)
/// posting `body` to the events of `session_id`.
pub fn event_post_json(session_id: &str, body: &Value) -> Value {
    let mut lambda_event = event_json("apigw-http-session-start.json");
    let path = format!("/api/v1/sessions/{session_id}/events");
    lambda_event["rawPath"] = json!(path);
    lambda_event["requestContext"]["http"]["path"] = json!(path);
    lambda_event["body"] = json!(body.to_string());
    lambda_event
}

/// [`event_post_json`], decoded the way the function decodes it.
pub fn event_post(session_id: &str, body: &Value) -> ApiRequest {
    request(&event_post_json(session_id, body))
}

/// The body of an answer, as text.
pub fn body_text(response: &lambda_http::Response<lambda_http::Body>) -> String {
    match response.body() {
        lambda_http::Body::Text(text) => text.clone(),
        lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

/// The body bytes of a decoded request.
pub fn body_bytes(request: &ApiRequest) -> &[u8] {
    match &request.body {
        RawBody::Bytes(bytes) => bytes,
        RawBody::NotBase64 => panic!("the body is not base64"),
    }
}

/// The DynamoDB Local endpoint that `make test` starts; a clear failure
/// (never a skip) when it is not there.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: these tests need DynamoDB Local. \
             Run `make test`, which installs it and starts it, or start it yourself and set \
             AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION and AWS credentials (any values)"
        )
    })
}

/// A client for DynamoDB Local, built the way the function builds its own.
pub async fn dynamodb_client(budget: Duration) -> Client {
    dynamodb_endpoint();
    client::connect(budget).await
}

/// The same client settings, pointed at another endpoint (a fault injector).
pub fn redirected(client: &Client, endpoint: &str) -> Client {
    Client::from_conf(client.config().to_builder().endpoint_url(endpoint).build())
}

/// A fresh table, so that tests never see each other's items.
pub async fn fresh_table(client: &Client) -> String {
    let name = format!("test-{}", uuid::Uuid::new_v4());
    media_collector::store::dynamodb::schema::create_if_missing(client, &name)
        .await
        .unwrap_or_else(|e| panic!("cannot create table {name} in DynamoDB Local: {e}"));
    name
}

/// The app with its metrics records kept in a buffer, out of the test output.
pub fn app<
    S: media_collector::store::SessionStore
        + media_collector::store::EventStore
        + media_collector::store::DownloadedStore
        + media_collector::store::RefusedStore,
>(
    config: Config,
    store: S,
) -> media_collector::http::App<S> {
    let (sink, _buffer) = media_collector::metrics::MetricsSink::buffer();
    media_collector::http::App::with_metrics(config, store, sink)
}

/// The event types a player may send, `contentComplete` included.
pub const EVENT_TYPES: [&str; 19] = [
    "play",
    "ping",
    "bitrateChange",
    "bufferStart",
    "pauseStart",
    "adBreakStart",
    "adBreakComplete",
    "adStart",
    "adComplete",
    "adSkip",
    "chapterStart",
    "chapterComplete",
    "chapterSkip",
    "error",
    "sessionComplete",
    "contentComplete",
    "sessionEnd",
    "stateStart",
    "stateEnd",
];

/// A valid event body of `event_type`, with what that type requires and a
/// little of what it may carry; `ts` sets `playerTime.ts`.
pub fn event_body_at(event_type: &str, ts: i64) -> Value {
    let mut body = json!({
        "playerTime": { "playhead": 12.5, "ts": ts },
        "eventType": event_type,
        "params": {},
    });
    let number = |text: &str| -> Value { serde_json::from_str(text).expect("a JSON number") };
    match event_type {
        "adBreakStart" => {
            body["params"] =
                json!({ "media.ad.podIndex": 0, "media.ad.podSecond": 0, "media.ad.podFriendlyName": "preroll" });
        }
        "adStart" => {
            body["params"] = json!({
                "media.ad.id": "ad-1",
                "media.ad.length": number("15.333333333333333"),
                "media.ad.podPosition": 1,
                "media.ad.playerName": "sample-html5-api-player",
                "media.ad.name": "Sample ad",
                "media.ad.advertiser": "Example Inc.",
                "media.ad.creativeURL": "https://ads.example.com/ad-1.mp4",
            });
            body["customMetadata"] = json!({ "ad.category": "sports" });
        }
        "chapterStart" => {
            body["params"] = json!({
                "media.chapter.index": 1,
                "media.chapter.offset": 0,
                "media.chapter.length": number("30.25"),
                "media.chapter.friendlyName": "Intro",
            });
            body["customMetadata"] = json!({ "chapter_mood": "calm" });
        }
        "stateStart" | "stateEnd" => body["params"] = json!({ "media.state.name": "fullscreen" }),
        "bitrateChange" => {
            body["qoeData"] = json!({ "media.qoe.bitrate": 2400000, "media.qoe.framesPerSecond": number("29.97") })
        }
        "error" => body["qoeData"] = json!({ "media.qoe.errorID": "E42", "media.qoe.errorSource": "player" }),
        "ping" => {
            body.as_object_mut().expect("an object").remove("params");
        }
        _ => {}
    }
    body
}

/// [`event_body_at`] at the sample's time.
pub fn event_body(event_type: &str) -> Value {
    event_body_at(event_type, 1_509_045_334_153)
}

/// Attribute `name` of `item`, which must be S.
pub fn s(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item[name]
        .as_s()
        .unwrap_or_else(|_| panic!("{name} is not S: {:?}", item[name]))
        .clone()
}

/// Attribute `name` of `item`, which must be N.
pub fn n(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item[name]
        .as_n()
        .unwrap_or_else(|_| panic!("{name} is not N: {:?}", item[name]))
        .clone()
}

/// Attribute `name` of `item`, which must be M.
pub fn m<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> &'a HashMap<String, AttributeValue> {
    item[name]
        .as_m()
        .unwrap_or_else(|_| panic!("{name} is not M: {:?}", item[name]))
}

/// A fresh pair of tables, sessions and events, as the function uses them:
/// the events table is named as [`config`] names it by default,
/// `{sessions}-events`.
pub async fn fresh_tables(client: &Client) -> (String, String) {
    let sessions = fresh_table(client).await;
    let events = format!("{sessions}-events");
    media_collector::store::dynamodb::schema::create_events_table_if_missing(client, &events)
        .await
        .unwrap_or_else(|e| panic!("cannot create table {events} in DynamoDB Local: {e}"));
    (sessions, events)
}

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The session record `session_id` in `table`, read consistently.
pub async fn session_item(client: &Client, table: &str, session_id: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .key("sessionId", AttributeValue::S(session_id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem on DynamoDB Local")
        .item
}

/// The events of `session_id` in `table`, read consistently, in key
/// (player-time) order.
pub async fn event_items(client: &Client, table: &str, session_id: &str) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .key_condition_expression("sessionId = :id")
        .expression_attribute_values(":id", AttributeValue::S(session_id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("Query on DynamoDB Local")
        .items
        .unwrap_or_default()
}

/// Both fresh tables of a test, and what they hold.
pub struct Tables {
    pub client: Client,
    pub sessions: String,
    pub events: String,
}

impl Tables {
    pub async fn new() -> Self {
        let client = dynamodb_client(Duration::from_secs(10)).await;
        let (sessions, events) = fresh_tables(&client).await;
        Self {
            client,
            sessions,
            events,
        }
    }

    /// The session's record; it must be there.
    pub async fn session_item(&self, session_id: &str) -> Item {
        session_item(&self.client, &self.sessions, session_id)
            .await
            .unwrap_or_else(|| panic!("no session {session_id} in {}", self.sessions))
    }

    /// The session's events, in key (player-time) order.
    pub async fn event_items(&self, session_id: &str) -> Vec<Item> {
        event_items(&self.client, &self.events, session_id).await
    }
}

/// The stores the function runs on: both DynamoDB adapters, wired as
/// `main` wires them.
pub type DynamoDbStores = media_collector::store::Stores<
    media_collector::store::dynamodb::DynamoDbSessionStore,
    media_collector::store::dynamodb::DynamoDbEventStore,
>;

/// The app as the function builds it from `config` (its tables and time
/// budget), through `client`, with its metrics kept in a buffer.
pub fn dynamodb_app(client: &Client, config: Config) -> media_collector::http::App<DynamoDbStores> {
    let stores = media_collector::store::Stores::new(
        media_collector::store::dynamodb::DynamoDbSessionStore::new(client.clone(), &config.table_name),
        media_collector::store::dynamodb::DynamoDbEventStore::new(
            client.clone(),
            &config.table_name,
            &config.events_table_name,
            config.store_timeout,
        ),
    );
    app(config, stores)
}
