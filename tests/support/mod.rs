//! Helpers shared by the integration tests: sample bodies and events, the
//! handler's settings, and the DynamoDB Local that `make test` starts.
#![allow(dead_code)] // each test crate uses its own part of this module

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use media_collector::config::Config;
use media_collector::http::{ApiRequest, RawBody};
use media_collector::store::dynamodb;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

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
    dynamodb::connect(budget).await
}

/// The same client settings, pointed at another endpoint (a fault injector).
pub fn redirected(client: &Client, endpoint: &str) -> Client {
    Client::from_conf(client.config().to_builder().endpoint_url(endpoint).build())
}

/// A fresh table, so that tests never see each other's items.
pub async fn fresh_table(client: &Client) -> String {
    let name = format!("test-{}", uuid::Uuid::new_v4());
    media_collector::table::create_if_missing(client, &name)
        .await
        .unwrap_or_else(|e| panic!("cannot create table {name} in DynamoDB Local: {e}"));
    name
}

/// The app with its metrics records kept in a buffer, out of the test output.
pub fn app<S: media_collector::store::SessionStore + media_collector::store::EventStore>(
    config: Config,
    store: S,
) -> media_collector::http::App<S> {
    let (sink, _buffer) = media_collector::metrics::MetricsSink::buffer();
    media_collector::http::App::with_metrics(config, store, sink)
}

/// A change to a sample body: set the value at a pointer, or remove it.
pub enum Change {
    Set(&'static str, Value),
    Remove(&'static str),
}

/// `body` with `changes` applied, in order.
pub fn changed(mut body: Value, changes: &[Change]) -> Value {
    for change in changes {
        let (pointer, value) = match change {
            Change::Set(pointer, value) => (*pointer, Some(value.clone())),
            Change::Remove(pointer) => (*pointer, None),
        };
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
        let parent = body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("the parent is an object");
        match value {
            Some(value) => parent.insert(key.to_owned(), value),
            None => parent.remove(key),
        };
    }
    body
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

/// A fresh pair of tables, sessions and events, as the function uses them.
pub async fn fresh_tables(client: &Client) -> (String, String) {
    let sessions = fresh_table(client).await;
    let events = format!("test-events-{}", uuid::Uuid::new_v4());
    media_collector::table::create_events_table_if_missing(client, &events)
        .await
        .unwrap_or_else(|e| panic!("cannot create table {events} in DynamoDB Local: {e}"));
    (sessions, events)
}

/// A local TCP endpoint that misbehaves like a sick DynamoDB.
pub enum Fault {
    /// Accepts connections and never answers.
    Hang,
    /// Answers every request as DynamoDB does when it throttles.
    Throttle,
}

pub async fn faulty_endpoint(fault: Fault) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            match fault {
                Fault::Hang => held.push(socket),
                Fault::Throttle => {
                    let counter = counter.clone();
                    tokio::spawn(async move {
                        let mut buffer = vec![0; 64 * 1024];
                        while let Ok(read) = socket.read(&mut buffer).await {
                            if read == 0 {
                                break;
                            }
                            counter.fetch_add(1, Ordering::SeqCst);
                            let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                            let answer = format!(
                                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            if socket.write_all(answer.as_bytes()).await.is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        }
    });
    (url, requests)
}

pub async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Forwards to DynamoDB Local while up; while down, refuses new connections
/// (closes them at once) and closes open ones at their next request.
pub async fn switchable_proxy(upstream: String) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let up = Arc::new(AtomicBool::new(true));
    let switch = up.clone();
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            if !switch.load(Ordering::SeqCst) {
                drop(socket);
                continue;
            }
            let upstream = upstream.clone();
            let switch = switch.clone();
            tokio::spawn(async move {
                let Ok(target) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = socket.into_split();
                let (mut from_target, mut to_target) = target.into_split();
                let answers = tokio::spawn(async move { tokio::io::copy(&mut from_target, &mut to_client).await });
                let mut buffer = vec![0; 64 * 1024];
                while let Ok(read) = from_client.read(&mut buffer).await {
                    if read == 0
                        || !switch.load(Ordering::SeqCst)
                        || to_target.write_all(&buffer[..read]).await.is_err()
                    {
                        break;
                    }
                }
                answers.abort();
            });
        }
    });
    (url, up)
}

/// What [`intercepting_proxy`] does to a request of the intercepted operation.
pub enum Intercept {
    /// Closes the connection without passing the request on, every time:
    /// the operation never reaches DynamoDB.
    Refuse,
    /// Passes the first such request on and closes the connection instead of
    /// passing its answer back: the write lands, its answer is lost.
    LoseAnswer,
    /// Holds the first such request until the test says go: the proxy sends
    /// a `oneshot::Sender` on this channel, and passes the request on once
    /// it fires (or is dropped).
    Hold(mpsc::Sender<oneshot::Sender<()>>),
    /// Answers the first this many such requests itself, as DynamoDB answers
    /// a transaction cancelled by a conflict with another one in flight on
    /// the first item; the rest go through.
    Conflict(usize),
}

/// DynamoDB's answer to a transaction of two writes cancelled because
/// another transaction was in flight on the first item.
const CONFLICT_ANSWER: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}]}"#;

/// Forwards to DynamoDB Local, except requests of the operation `operation`
/// (e.g. `TransactWriteItems`, as in the `X-Amz-Target` header), which get
/// `intercept`. Also gives the number of such requests seen.
pub async fn intercepting_proxy(
    upstream: String,
    operation: &'static str,
    intercept: Intercept,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let intercept = Arc::new(intercept);
    let target = format!("DynamoDB_20120810.{operation}").into_bytes();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (intercept, target, counter) = (intercept.clone(), target.clone(), counter.clone());
            tokio::spawn(async move {
                let (mut client_read, client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
                let answer_write = client_write.clone();
                let lose_answer = Arc::new(AtomicBool::new(false));
                let lose = lose_answer.clone();
                let requests = async move {
                    let mut pending = Vec::new();
                    while let Some(request) = read_request(&mut client_read, &mut pending).await {
                        if request.windows(target.len()).any(|window| window == target.as_slice()) {
                            let nth = counter.fetch_add(1, Ordering::SeqCst);
                            match &*intercept {
                                Intercept::Refuse => return,
                                Intercept::LoseAnswer => lose.store(nth == 0, Ordering::SeqCst),
                                Intercept::Hold(signal) if nth == 0 => {
                                    let (go, wait) = oneshot::channel();
                                    if signal.send(go).await.is_ok() {
                                        let _ = wait.await;
                                    }
                                }
                                Intercept::Conflict(times) if nth < *times => {
                                    let answer = format!(
                                        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{CONFLICT_ANSWER}",
                                        CONFLICT_ANSWER.len()
                                    );
                                    if client_write.lock().await.write_all(answer.as_bytes()).await.is_err() {
                                        return;
                                    }
                                    continue;
                                }
                                Intercept::Hold(_) | Intercept::Conflict(_) => {}
                            }
                        }
                        if server_write.write_all(&request).await.is_err() {
                            return;
                        }
                    }
                };
                let answers = async move {
                    let mut buffer = vec![0; 64 * 1024];
                    loop {
                        let read = match server_read.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => read,
                        };
                        if lose_answer.load(Ordering::SeqCst) {
                            return;
                        }
                        if answer_write.lock().await.write_all(&buffer[..read]).await.is_err() {
                            return;
                        }
                    }
                };
                // Whichever side ends first closes both connections.
                tokio::select! {
                    () = requests => {}
                    () = answers => {}
                }
            });
        }
    });
    (url, seen)
}

/// The next whole HTTP/1.1 request (head and `Content-Length` body) from
/// `reader`, `pending` holding what was read past the previous one.
async fn read_request(reader: &mut (impl AsyncReadExt + Unpin), pending: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(head_end) = pending.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            let total = head_end + 4 + length;
            if pending.len() >= total {
                let rest = pending.split_off(total);
                return Some(std::mem::replace(pending, rest));
            }
        }
        let mut buffer = vec![0; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => pending.extend_from_slice(&buffer[..read]),
        }
    }
}

/// The stores the function runs on: both DynamoDB adapters, wired as
/// `main` wires them.
pub type DynamoDbStores = media_collector::store::Stores<
    media_collector::store::dynamodb::DynamoDbSessionStore,
    media_collector::store::dynamodb_events::DynamoDbEventStore,
>;

/// The app as the function builds it from `config` (its tables and time
/// budget), through `client`, with its metrics kept in a buffer.
pub fn dynamodb_app(client: &Client, config: Config) -> media_collector::http::App<DynamoDbStores> {
    let stores = media_collector::store::Stores::new(
        media_collector::store::dynamodb::DynamoDbSessionStore::new(client.clone(), &config.table_name),
        media_collector::store::dynamodb_events::DynamoDbEventStore::new(
            client.clone(),
            &config.table_name,
            &config.events_table_name,
            config.store_timeout,
        ),
    );
    app(config, stores)
}
