//! `make demo`: plays one whole session against the function that `make run`
//! serves, the way a video player would, then shows what DynamoDB stored.
//!
//! 1. `POST /api/v1/sessions` (201; the id is the last segment of `Location`);
//! 2. the session's events on `POST /api/v1/sessions/{id}/events`, each 204:
//!    a preroll ad break with two ads, play, a chapter, pings, a bitrate
//!    change, a stall, a buffer, a pause, sessionComplete and sessionEnd;
//! 3. a retry of the sessionEnd (204, stored once) and a further event
//!    (410 Gone, `reason: ended`), whose problem document is printed;
//! 4. the session record (GetItem on the sessions table) and its events
//!    (Query on the events table, in `eventKey` order: player time);
//! 5. the same player's downloaded episode, sent at once (201), and again;
//! 6. the first session drawn as a timeline, with its metrics beside it
//!    (`timeline.rs`).
//!
//! Any unexpected answer stops it with a non-zero exit and says why.
//!
//! Settings (environment, all optional):
//! - `API_URL`: the function (default `http://127.0.0.1:$PORT`, `PORT` 9000);
//! - `AWS_ENDPOINT_URL_DYNAMODB`: DynamoDB Local (default
//!   `http://127.0.0.1:$DDB_PORT`, `DDB_PORT` 8000);
//! - `TABLE_NAME`, `EVENTS_TABLE_NAME`: the tables `make run` created
//!   (default `media-collector-sessions-local`, `media-collector-events-local`);
//! - `AWS_REGION` (default `us-east-1`), `AWS_ACCESS_KEY_ID` /
//!   `AWS_SECRET_ACCESS_KEY` (default `local` / `local`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::tls;
use media_collector::domain::rfc3339_millis;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// How long one HTTP request may take: `cargo lambda watch` holds requests
/// while it (re)builds the function.
const HTTP_TIMEOUT: Duration = Duration::from_secs(120);
const SESSIONS_PATH: &str = "/api/v1/sessions";
const DOWNLOADED_PATH: &str = "/api/v1/downloaded";

/// The content the demo player plays: a short film, as VOD.
const MEDIA_LENGTH: f64 = 596.458;
const PLAYER_NAME: &str = "media-collector-demo-player";
/// How long the picture froze (milliseconds of the player's clock).
const STALL: i64 = 20_000;

type Failure = String;

mod timeline;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\ndemo failed: {failure}");
            ExitCode::FAILURE
        }
    }
}

struct Settings {
    api_url: String,
    dynamodb_url: String,
    sessions_table: String,
    events_table: String,
    region: String,
    access_key: String,
    secret_key: String,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let local = |port_var: &str, default_port: &str| {
            format!(
                "http://127.0.0.1:{}",
                var(port_var).unwrap_or_else(|| default_port.to_owned())
            )
        };
        Self {
            api_url: var("API_URL")
                .unwrap_or_else(|| local("PORT", "9000"))
                .trim_end_matches('/')
                .to_owned(),
            dynamodb_url: var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|| local("DDB_PORT", "8000")),
            sessions_table: var("TABLE_NAME").unwrap_or_else(|| "media-collector-sessions-local".to_owned()),
            events_table: var("EVENTS_TABLE_NAME").unwrap_or_else(|| "media-collector-events-local".to_owned()),
            region: var("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
            access_key: var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "local".to_owned()),
            secret_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "local".to_owned()),
        }
    }

    fn dynamodb(&self) -> Client {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .credentials_provider(Credentials::new(
                &self.access_key,
                &self.secret_key,
                None,
                None,
                "media-collector-demo",
            ))
            .endpoint_url(&self.dynamodb_url)
            .http_client(http_client)
            .timeout_config(
                aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(10))
                    .build(),
            )
            .build();
        Client::from_conf(config)
    }
}

fn run() -> Result<(), Failure> {
    let settings = Settings::from_env();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let dynamodb = settings.dynamodb();
    let api = Api::new(&settings.api_url);

    println!("media-collector demo");
    println!("  function:       {}", settings.api_url);
    println!(
        "  DynamoDB Local: {} (tables {}, {})",
        settings.dynamodb_url, settings.sessions_table, settings.events_table
    );
    api.check_reachable()?;
    runtime.block_on(check_tables(&dynamodb, &settings))?;

    // The player's clock: milliseconds since the epoch, as `playerTime.ts`.
    // The session is played faster than real time; `ts` says when each event
    // happened in the story.
    let t0 = epoch_millis_now();
    let story = Story::new(t0);

    println!("\n1. a player starts a session and reports its events");
    let start = story.session_start();
    let answer = api.post(SESSIONS_PATH, &start)?;
    answer.expect("sessionStart", 201, &start)?;
    let session_id = answer.session_id()?;
    println!("     session id {session_id}");
    let events_path = format!("{SESSIONS_PATH}/{session_id}/events");

    let mut accepted = 0;
    for event in story.events() {
        let answer = api.post(&events_path, &event)?;
        answer.expect(&label(&event), 204, &event)?;
        accepted += 1;
    }

    println!("\n2. the answer to the sessionEnd is lost: the player sends it again");
    let end = story.events().pop().expect("the story ends with sessionEnd");
    api.post(&events_path, &end)?
        .expect("sessionEnd, again (stored once)", 204, &end)?;

    println!("\n3. an event after the end: the session takes no more");
    let late = story.late_ping();
    let answer = api.post(&events_path, &late)?;
    answer.expect(&label(&late), 410, &late)?;
    let problem: Value = serde_json::from_str(&answer.body)
        .map_err(|error| format!("the 410 is not a JSON problem document ({error}): {}", answer.body))?;
    if problem["reason"] != "ended" {
        return Err(format!("the 410 should say reason \"ended\": {problem}"));
    }
    println!("     {}", indent(&pretty(&problem), "     "));

    println!("\n4. what DynamoDB stored");
    let record = runtime.block_on(show_stored(&dynamodb, &settings, &session_id, accepted))?;

    println!("\n5. the same player plays a downloaded episode offline, then sends the whole session at once");
    // An hour later in the story: another session, recorded on the device.
    let offline = Story::new(t0 + 3_600_000);
    let mut start = offline.session_start();
    start["params"]["media.downloaded"] = json!(true);
    let calls: Vec<Value> = std::iter::once(start).chain(offline.events()).collect();
    let batch = Value::Array(calls.clone());
    let answer = api.post(DOWNLOADED_PATH, &batch)?;
    answer.expect(&format!("{} calls at once", calls.len()), 201, &batch)?;
    let offline_id = answer.session_id()?;
    println!("     session id {offline_id}");
    let again = api.post(DOWNLOADED_PATH, &batch)?;
    again.expect("the same batch again (answer lost)", 201, &batch)?;
    if again.session_id()? != offline_id {
        return Err("the same batch sent again should name the same session".to_owned());
    }
    runtime.block_on(show_stored(&dynamodb, &settings, &offline_id, calls.len() - 1))?;

    timeline::draw(&story.session_start(), &story.events(), &record)?;

    println!(
        "\ndemo complete: session {session_id}, {accepted} events stored, then 410 Gone (ended); \
         downloaded session {offline_id}, {} events stored at once.",
        calls.len() - 1
    );
    Ok(())
}

/// A story line for the event: its type and where the player was.
fn label(event: &Value) -> String {
    format!(
        "{} @ {}s",
        event["eventType"].as_str().unwrap_or("?"),
        event["playerTime"]["playhead"]
    )
}

// ---------------------------------------------------------------------------
// The session, as the player reports it.

struct Story {
    t0: i64,
}

impl Story {
    fn new(t0: i64) -> Self {
        Self { t0 }
    }

    fn player_time(&self, playhead: f64, after_ms: i64) -> Value {
        json!({ "playhead": seconds(playhead), "ts": self.t0 + after_ms })
    }

    fn session_start(&self) -> Value {
        json!({
            "playerTime": self.player_time(0.0, 0),
            "eventType": "sessionStart",
            "params": {
                "analytics.trackingServer": "example.sc.omtrdc.net",
                "analytics.reportSuite": "example-rsid",
                "analytics.visitorId": "demo-visitor-1",
                "analytics.enableSSL": true,
                "visitor.marketingCloudOrgId": "ABC123@AdobeOrg",
                "media.id": "bbb-1080p-h264",
                "media.name": "Big Buck Bunny",
                "media.contentType": "VOD",
                "media.length": seconds(MEDIA_LENGTH),
                "media.playerName": PLAYER_NAME,
                "media.channel": "demo-channel",
                "media.streamType": "video",
                "media.sdkVersion": "va-api-0.0.0",
                "media.genre": "Animation",
            },
            "customMetadata": { "demo": "make demo" },
            "qoeData": { "media.qoe.bitrate": 2_400_000, "media.qoe.timeToStart": 412 },
        })
    }

    fn event(&self, event_type: &str, playhead: f64, after_ms: i64) -> Value {
        json!({ "playerTime": self.player_time(playhead, after_ms), "eventType": event_type, "params": {} })
    }

    fn with(mut event: Value, part: &str, value: Value) -> Value {
        event[part] = value;
        event
    }

    fn ad_start(&self, after_ms: i64, position: u32, id: &str, length: f64, name: &str) -> Value {
        let event = self.event("adStart", 0.0, after_ms);
        let event = Self::with(
            event,
            "params",
            json!({
                "media.ad.id": id,
                "media.ad.length": seconds(length),
                "media.ad.podPosition": position,
                "media.ad.playerName": PLAYER_NAME,
                "media.ad.name": name,
                "media.ad.advertiser": "Example Motors",
                "media.ad.creativeURL": format!("https://ads.example.com/creatives/{id}.mp4"),
            }),
        );
        Self::with(event, "customMetadata", json!({ "ad.category": "automotive" }))
    }

    /// Every event of the session, in the order the player sends them, the
    /// last one `sessionEnd`. Times: ms after the start, as the player saw them.
    fn events(&self) -> Vec<Value> {
        let played = |playhead: f64| 25_400 + (playhead * 1000.0) as i64;
        vec![
            // The preroll: two ads, 15 s and 10 s.
            Self::with(
                self.event("adBreakStart", 0.0, 250),
                "params",
                json!({ "media.ad.podIndex": 0, "media.ad.podSecond": 0, "media.ad.podFriendlyName": "preroll" }),
            ),
            self.ad_start(270, 1, "ad-1001", 15.0, "Winter Drive 15s"),
            self.event("adComplete", 0.0, 15_290),
            self.ad_start(15_310, 2, "ad-1002", 10.0, "City Lights 10s"),
            self.event("adComplete", 0.0, 25_330),
            self.event("adBreakComplete", 0.0, 25_340),
            // The film, its first chapter.
            self.event("play", 0.0, 25_400),
            Self::with(
                Self::with(
                    self.event("chapterStart", 0.0, 25_410),
                    "params",
                    json!({
                        "media.chapter.index": 1,
                        "media.chapter.offset": 0,
                        "media.chapter.length": 120,
                        "media.chapter.friendlyName": "Morning in the meadow",
                    }),
                ),
                "customMetadata",
                json!({ "chapter.mood": "calm" }),
            ),
            self.ping(10.0, played(10.0)),
            Self::with(
                self.event("bitrateChange", 14.5, played(14.5)),
                "qoeData",
                json!({ "media.qoe.bitrate": 4_500_000, "media.qoe.framesPerSecond": 24 }),
            ),
            self.ping(20.0, played(20.0)),
            // The picture freezes at 30 s while the player keeps pinging:
            // three calls with one playhead make a stall of 20 s.
            self.ping(30.0, played(30.0)),
            self.ping(30.0, played(30.0) + 10_000),
            self.ping(30.0, played(30.0) + STALL),
            // The network stalls for 2.3 s, then playback goes on.
            self.event("bufferStart", 42.1, played(42.1) + STALL),
            self.event("play", 42.1, played(42.1) + STALL + 2_300),
            // The viewer pauses for 17.4 s.
            self.event("pauseStart", 88.3, played(88.3) + STALL + 2_300),
            self.event("play", 88.3, played(88.3) + STALL + 19_700),
            self.event("chapterComplete", 120.0, played(120.0) + STALL + 19_700),
            // To the end (the pings in between are left out).
            self.event("sessionComplete", MEDIA_LENGTH, played(MEDIA_LENGTH) + STALL + 19_700),
            self.event("sessionEnd", MEDIA_LENGTH, played(MEDIA_LENGTH) + STALL + 21_950),
        ]
    }

    /// The heartbeat a player sends every 10 s of playback; it has no params.
    fn ping(&self, playhead: f64, after_ms: i64) -> Value {
        json!({ "playerTime": self.player_time(playhead, after_ms), "eventType": "ping" })
    }

    /// A ping from a player that did not notice the end.
    fn late_ping(&self) -> Value {
        self.ping(MEDIA_LENGTH, 25_400 + 596_458 + STALL + 31_950)
    }
}

/// Seconds as a JavaScript player writes them: `0` and `15`, not `0.0` and `15.0`.
fn seconds(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

// ---------------------------------------------------------------------------
// HTTP.

struct Api {
    base: String,
    agent: ureq::Agent,
}

struct Answer {
    path: String,
    status: u16,
    location: Option<String>,
    body: String,
}

impl Api {
    fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(HTTP_TIMEOUT))
            .build()
            .into();
        Self {
            base: base.to_owned(),
            agent,
        }
    }

    fn unreachable(&self, error: &ureq::Error) -> Failure {
        if let ureq::Error::Timeout(_) = error {
            return format!(
                "the function at {} did not answer within {} s. `cargo lambda watch` holds requests while it \
                 rebuilds the function and restarts it when a file changes: see the `make run` terminal for a \
                 build error, then run the demo again.",
                self.base,
                HTTP_TIMEOUT.as_secs()
            );
        }
        format!(
            "cannot reach the function at {} ({error}).\n\
             Start it with `make run` in another terminal and wait for \"media-collector is running\", \
             or set API_URL to where it runs (e.g. API_URL=http://127.0.0.1:9300).",
            self.base
        )
    }

    /// The function answers its CORS preflight with 204, as `make run` checks.
    fn check_reachable(&self) -> Result<(), Failure> {
        let url = format!("{}{SESSIONS_PATH}", self.base);
        let response = self
            .agent
            .options(&url)
            .header("Origin", "https://player.example.com")
            .header("Access-Control-Request-Method", "POST")
            .call()
            .map_err(|error| self.unreachable(&error))?;
        match response.status().as_u16() {
            204 => Ok(()),
            status => Err(format!(
                "something answers at {} but not as media-collector: OPTIONS {SESSIONS_PATH} gave {status} \
                 instead of 204. Is API_URL right? `make run` serves the function on http://127.0.0.1:9000.",
                self.base
            )),
        }
    }

    fn post(&self, path: &str, body: &Value) -> Result<Answer, Failure> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Origin", "https://player.example.com")
            .send(body.to_string().as_str())
            .map_err(|error| self.unreachable(&error))?;
        let location = response
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|error| format!("POST {path}: cannot read the answer: {error}"))?;
        Ok(Answer {
            path: path.to_owned(),
            status,
            location,
            body,
        })
    }
}

impl Answer {
    /// Prints the exchange; fails unless the status is `expected`.
    fn expect(&self, what: &str, expected: u16, sent: &Value) -> Result<(), Failure> {
        let got = reason(self.status);
        let path = shorten(&self.path);
        println!("  POST {path:<40} {what:<36} -> {} {got}", self.status);
        if self.status == expected {
            return Ok(());
        }
        let mut failure = format!(
            "POST {} ({what}) answered {} {got}, expected {expected} {}.\n  sent: {sent}",
            self.path,
            self.status,
            reason(expected)
        );
        if !self.body.is_empty() {
            let _ = write!(failure, "\n  answer: {}", self.body);
        }
        Err(failure)
    }

    /// The session id: the last segment of the 201's `Location`.
    fn session_id(&self) -> Result<String, Failure> {
        let location = self.location.as_deref().ok_or("the 201 has no Location header")?;
        location
            .strip_prefix(&format!("{SESSIONS_PATH}/"))
            .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_owned)
            .ok_or_else(|| format!("the 201's Location is not {SESSIONS_PATH}/<64 hex>: {location}"))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        413 => "Content Too Large",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// `/api/v1/sessions/3f0c…/events`: the id cut for the log lines.
fn shorten(path: &str) -> String {
    match path
        .strip_prefix("/api/v1/sessions/")
        .and_then(|rest| rest.split_once('/'))
    {
        Some((id, rest)) if id.len() > 8 => format!("/api/v1/sessions/{}…/{rest}", &id[..8]),
        _ => path.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// DynamoDB.

fn dynamodb_failure(what: &str, settings: &Settings, error: &dyn std::error::Error) -> Failure {
    format!(
        "{what} at {}: {}.\n\
         The demo reads what the function stored from the DynamoDB Local that `make run` started: \
         set AWS_ENDPOINT_URL_DYNAMODB (e.g. http://127.0.0.1:8300), TABLE_NAME and EVENTS_TABLE_NAME \
         to what it uses.",
        settings.dynamodb_url,
        causes(error)
    )
}

/// The error and its causes, each said once: `dispatch failure: io error: … Connection refused`.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

async fn check_tables(client: &Client, settings: &Settings) -> Result<(), Failure> {
    for table in [&settings.sessions_table, &settings.events_table] {
        client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|error| dynamodb_failure(&format!("cannot read table {table}"), settings, &error))?;
    }
    Ok(())
}

/// Shows the session's record and events; the record.
async fn show_stored(
    client: &Client,
    settings: &Settings,
    session_id: &str,
    accepted: usize,
) -> Result<HashMap<String, AttributeValue>, Failure> {
    let session = client
        .get_item()
        .table_name(&settings.sessions_table)
        .key("sessionId", AttributeValue::S(session_id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|error| dynamodb_failure("GetItem on the sessions table failed", settings, &error))?
        .item
        .ok_or_else(|| format!("no session {session_id} in table {}", settings.sessions_table))?;

    println!(
        "\n  the session record (GetItem {}, sessionId = {session_id}):",
        settings.sessions_table
    );
    println!("    {}", indent(&pretty(&item_json(&session)), "    "));
    let number = |name: &str| session.get(name).and_then(|value| value.as_n().ok()).cloned();
    if let Some(last) = number("lastEventAt").and_then(|ms| ms.parse::<i64>().ok()) {
        println!("    lastEventAt {last} = {}", readable_millis(last));
    }
    if let Some(expires) = number("expiresAt").and_then(|s| s.parse::<i64>().ok()) {
        println!("    expiresAt {expires} = {}", readable_millis(expires * 1000));
    }

    let mut events = Vec::new();
    let mut next: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = client
            .query()
            .table_name(&settings.events_table)
            .key_condition_expression("sessionId = :id")
            .expression_attribute_values(":id", AttributeValue::S(session_id.to_owned()))
            .consistent_read(true)
            .set_exclusive_start_key(next.take())
            .send()
            .await
            .map_err(|error| dynamodb_failure("Query on the events table failed", settings, &error))?;
        events.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => next = Some(key),
            _ => break,
        }
    }

    println!(
        "\n  its {} events (Query {}, sessionId = {session_id}, in eventKey order: player time):",
        events.len(),
        settings.events_table
    );
    for (n, event) in events.iter().enumerate() {
        let text = |name: &str| event.get(name).and_then(|value| value.as_s().ok()).cloned();
        let player_time = event.get("playerTime").map(attribute_json).unwrap_or(Value::Null);
        println!(
            "  {:>3}. {:<32} playhead {:>8}  received {}",
            n + 1,
            text("eventKey").unwrap_or_default(),
            player_time["playhead"].to_string(),
            text("receivedAt").unwrap_or_default(),
        );
        for part in ["params", "customMetadata", "qoeData"] {
            let value = event.get(part).map(attribute_json);
            if value
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(|object| !object.is_empty())
            {
                println!("         {part} {}", value.unwrap_or_default());
            }
        }
    }

    let count = number("eventCount").unwrap_or_default();
    if events.len() != accepted || count != accepted.to_string() {
        return Err(format!(
            "the function answered 204 to {accepted} events, but the events table holds {} and the session's \
             eventCount is {count:?}",
            events.len()
        ));
    }
    if !session.contains_key("endedAt") {
        return Err("the session has no endedAt after its sessionEnd".to_owned());
    }
    Ok(session)
}

/// An item as JSON: S as strings, N as the exact numbers stored, M as objects;
/// keys in order.
fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    let sorted: BTreeMap<&String, Value> = item.iter().map(|(key, value)| (key, attribute_json(value))).collect();
    Value::Object(sorted.into_iter().map(|(key, value)| (key.clone(), value)).collect())
}

fn attribute_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(number) => serde_json::from_str(number).unwrap_or_else(|_| Value::String(number.clone())),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::M(map) => item_json(map),
        AttributeValue::L(list) => Value::Array(list.iter().map(attribute_json).collect()),
        AttributeValue::Null(_) => Value::Null,
        other => Value::String(format!("{other:?}")),
    }
}

// ---------------------------------------------------------------------------
// Small helpers.

fn epoch_millis_now() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn readable_millis(millis: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map(rfc3339_millis)
        .unwrap_or_else(|_| "(out of range)".to_owned())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `text` with every line after the first indented by `prefix`.
fn indent(text: &str, prefix: &str) -> String {
    text.replace('\n', &format!("\n{prefix}"))
}
