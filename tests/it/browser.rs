//! A real browser against the real handler. Unit tests check the CORS
//! headers one by one; only a browser tells whether they are the right ones:
//! whether a preflight lets `Content-Type: application/json`,
//! `Idempotency-Key` and a script-set `User-Agent` through, whether
//! `Location` and `Idempotent-Replayed` can be read, whether errors reach
//! the page, whether `sendBeacon` is accepted, and whether an origin left
//! off the list is really blocked. Engines differ there, so the same page
//! runs in headless Chromium and in headless Firefox.
//!
//! The test serves the API in-process (`browser/server.rs`): a small HTTP
//! server turns each request into the API Gateway HTTP API event (payload
//! 2.0) that Lambda would get and answers from [`App::invoke`] with the real
//! DynamoDB adapter against DynamoDB Local, one fresh table per API. Three
//! such APIs run, with `CORS_ALLOW_ORIGIN` set to `*`, to a list that holds
//! the page's origin, and to a list that does not. The player page
//! (`tests/browser/player.html`) is served from yet another port, which is
//! another origin. The browser (`$CHROMIUM` or `$FIREFOX`, which `make test`
//! sets; `browser/engines.rs`) opens it; the page makes its calls and posts
//! what it saw back to its own server. The test then checks the report, the
//! requests each API received and what DynamoDB holds.
//!
//! [`App::invoke`]: media_collector::http::App::invoke

mod engines;
mod server;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::support::{Item, dynamodb_client, event_items};
use aws_sdk_dynamodb::Client;
use engines::{Browser, Engine, WorkDir};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use server::{Api, Seen, plain, read_body, serve};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// How long the beacon's record may take to show up after the report.
const BEACON_TIMEOUT: Duration = Duration::from_secs(15);

const PLAYER_PAGE: &str = include_str!("browser/player.html");
/// Listed with the page's origin in the second API, alone in the third.
const OTHER_ORIGIN: &str = "https://player.example.com";
/// The `User-Agent` the page sets on its fetches, as some players do.
const PLAYER_USER_AGENT: &str = "browser-test-player/1.0";
/// The value of `X-Player-Version`, a header of the page's own on its fetches.
const PLAYER_VERSION: &str = "1.0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_page_in_chromium_reaches_the_api_across_origins() {
    the_player_page_reaches_the_api_across_origins(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_page_in_firefox_reaches_the_api_across_origins() {
    the_player_page_reaches_the_api_across_origins(Engine::Firefox).await;
}

async fn the_player_page_reaches_the_api_across_origins(engine: Engine) {
    // Fails at once when the browser is missing, before anything starts.
    engine.binary();
    let client = dynamodb_client(Duration::from_secs(3)).await;

    let page_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port for the page");
    let page_origin = format!("http://{}", page_listener.local_addr().unwrap());
    let any = Api::start(&client, "*").await;
    let listed = Api::start(&client, &format!("{OTHER_ORIGIN},{page_origin}")).await;
    let refusing = Api::start(&client, OTHER_ORIGIN).await;
    let (report_sender, mut reports) = mpsc::channel(4);
    let page_server = serve(page_listener, move |request, _peer| {
        page_answer(request, report_sender.clone())
    });

    let marker = format!("browser-{}", uuid::Uuid::new_v4());
    let key = uuid::Uuid::new_v4().to_string();
    let page_url = format!(
        "{page_origin}/player.html?any={}&listed={}&refusing={}&marker={marker}&key={key}&ua={PLAYER_USER_AGENT}&version={PLAYER_VERSION}",
        any.url, listed.url, refusing.url
    );

    let started = Instant::now();
    let work_dir = WorkDir::new();
    let mut browser = Browser::launch(engine, &page_url, &work_dir.0);
    let report = browser.wait_for_report(&mut reports).await;
    // A failed step says more than the missing records would.
    assert!(
        report.get("fatal").is_none(),
        "the page failed in {}: {report:#}\n{}",
        engine.name(),
        browser.log_tail()
    );
    let beacon = wait_for_item(&client, &any.table, &format!("{marker}-beacon"), &mut browser).await;
    let beaconed_event = wait_for_events(&client, &any.events_table, &sha256_hex(&key), &mut browser).await;
    browser.stop();
    page_server.abort();
    println!(
        "the page saw in {} (after {:.1} s):\n{}",
        engine.name(),
        started.elapsed().as_secs_f64(),
        serde_json::to_string_pretty(&report).unwrap()
    );

    assert_eq!(report["origin"], page_origin.as_str());
    assert_eq!(report["beaconQueued"], true, "{report:#}");

    // A preflighted start: the page reads the 201 and its Location, and
    // no header that is not exposed.
    let start = &report["start"];
    assert_eq!(start["status"], 201, "{report:#}");
    let start_id = session_id(start);
    assert_eq!(start["replayed"], Value::Null);
    assert_eq!(
        start["readableHeaders"],
        json!(["content-length", "content-type", "location"]),
        "the safelisted headers and Location, nothing else"
    );

    // An error reaches the page, with its pointers.
    let invalid = &report["invalid"];
    assert_eq!(invalid["status"], 400, "{report:#}");
    assert_eq!(invalid["problem"]["status"], 400);
    assert_eq!(invalid["pointers"], json!(["/params/media.id", "/playerTime/playhead"]));

    // Idempotency-Key passes the preflight; the replay is readable as such.
    let idempotent = &report["idempotent"];
    assert_eq!(idempotent["first"]["status"], 201, "{report:#}");
    assert_eq!(idempotent["first"]["replayed"], Value::Null);
    assert_eq!(
        session_id(&idempotent["first"]),
        sha256_hex(&key),
        "the id is the key's SHA-256"
    );
    assert_eq!(idempotent["replay"]["status"], 201);
    assert_eq!(idempotent["replay"]["location"], idempotent["first"]["location"]);
    assert_eq!(
        idempotent["replay"]["replayed"], "true",
        "Idempotent-Replayed must be exposed"
    );
    assert_eq!(idempotent["otherBody"]["status"], 422);
    assert_eq!(idempotent["otherBody"]["problem"]["status"], 422);

    // Events: a 204 the page can read, and a readable 410 with its reason
    // once the session ended; the beaconed pause is stored.
    let events = &report["events"];
    for accepted in ["play", "end"] {
        assert_eq!(events[accepted]["status"], 204, "{accepted}: {report:#}");
        assert_eq!(events[accepted]["body"], "", "{accepted}");
    }
    assert_eq!(events["late"]["status"], 410, "{report:#}");
    assert_eq!(events["late"]["problem"]["reason"], "ended");
    assert_eq!(events["beaconQueued"], true, "{report:#}");
    assert_eq!(
        stored_event_types(&client, &any.events_table, &start_id).await,
        ["play", "sessionEnd"]
    );
    assert_eq!(beaconed_event, ["pauseStart"], "the beaconed event is stored");

    // A listed origin is let through; another origin is blocked by the browser.
    assert_eq!(report["listedOrigin"]["status"], 201, "{report:#}");
    let listed_id = session_id(&report["listedOrigin"]);
    assert_eq!(report["refusedOrigin"]["blocked"], true, "{report:#}");
    assert_eq!(report["refusedOrigin"]["error"], "TypeError");

    // What each API received.
    let seen_by_any = any.seen();
    assert!(
        seen_by_any
            .iter()
            .all(|seen| seen.header("origin") == Some(page_origin.as_str())),
        "every request carries the page's Origin: {seen_by_any:#?}"
    );
    assert!(
        seen_by_any.iter().any(|seen| seen.method == "POST"
            && seen.header("content-type") == Some("text/plain;charset=UTF-8")
            && seen.status == 201),
        "the beacon is a text/plain POST, answered 201: {seen_by_any:#?}"
    );
    let keyed: Vec<u16> = seen_by_any
        .iter()
        .filter(|seen| seen.header("idempotency-key") == Some(key.as_str()))
        .map(|seen| seen.status)
        .collect();
    assert_eq!(keyed, [201, 201, 422], "the key reaches the API: {seen_by_any:#?}");

    // The page's own request headers: asked for in a preflight, allowed by
    // its answer, and sent with the POSTs.
    let preflights: Vec<&Seen> = seen_by_any.iter().filter(|seen| seen.method == "OPTIONS").collect();
    assert!(
        !preflights.is_empty() && preflights.iter().all(|seen| seen.status == 204),
        "the JSON calls are preflighted: {seen_by_any:#?}"
    );
    for preflight in &preflights {
        let allowed = names(preflight.answer_header("access-control-allow-headers"));
        let asked = names(preflight.header("access-control-request-headers"));
        assert!(asked.is_subset(&allowed), "{asked:?} not all in {allowed:?}");
    }
    assert!(
        preflights
            .iter()
            .any(|seen| names(seen.header("access-control-request-headers")).contains("x-player-version")),
        "a header of the page's own is asked for: {seen_by_any:#?}"
    );
    let json_posts: Vec<&Seen> = seen_by_any
        .iter()
        .filter(|seen| seen.method == "POST" && seen.header("content-type") == Some("application/json"))
        .collect();
    assert_eq!(json_posts.len(), 8, "{seen_by_any:#?}");
    assert!(
        json_posts
            .iter()
            .all(|seen| seen.header("x-player-version") == Some(PLAYER_VERSION)),
        "{seen_by_any:#?}"
    );
    if engine == Engine::Firefox {
        // Firefox sends a User-Agent set by a script, and asks for it first;
        // Chromium drops it (crbug.com/571722) and sends its own.
        assert!(
            json_posts
                .iter()
                .all(|seen| seen.header("user-agent") == Some(PLAYER_USER_AGENT)),
            "{seen_by_any:#?}"
        );
        assert!(
            preflights
                .iter()
                .all(|seen| names(seen.header("access-control-request-headers")).contains("user-agent")),
            "{seen_by_any:#?}"
        );
    }
    let listed_methods: Vec<String> = listed.seen().into_iter().map(|seen| seen.method).collect();
    assert_eq!(listed_methods, ["OPTIONS", "POST"]);
    let refused: Vec<(String, u16)> = refusing
        .seen()
        .into_iter()
        .map(|seen| (seen.method, seen.status))
        .collect();
    assert_eq!(
        refused,
        [("OPTIONS".to_owned(), 204)],
        "the browser stops at the preflight and never sends the POST"
    );

    // What DynamoDB holds: the fetch, the beacon and the idempotent start
    // (once), nothing of the invalid body or the other body.
    let mut names = names_by_id(&scan(&client, &any.table).await);
    names.sort();
    let mut expected = vec![
        (start_id, format!("{marker}-fetch")),
        (string(&beacon, "sessionId"), format!("{marker}-beacon")),
        (sha256_hex(&key), format!("{marker}-idempotent")),
    ];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(
        names_by_id(&scan(&client, &listed.table).await),
        [(listed_id, format!("{marker}-listed"))]
    );
    let refused_items = scan(&client, &refusing.table).await;
    assert!(refused_items.is_empty(), "{refused_items:?}");
}

// ---------------------------------------------------------------------------
// The page's origin: the player page, and where the page posts its report.

async fn page_answer(request: Request<Incoming>, reports: mpsc::Sender<Value>) -> Response<Full<Bytes>> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/player.html") => Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .header("cache-control", "no-store")
            .body(Full::new(Bytes::from_static(PLAYER_PAGE.as_bytes())))
            .unwrap(),
        (&Method::POST, "/report") => {
            let Some(body) = read_body(request.into_body()).await else {
                return plain(StatusCode::BAD_REQUEST, "the report could not be read");
            };
            let report = serde_json::from_slice(&body)
                .unwrap_or_else(|error| json!({ "fatal": format!("the report is not JSON: {error}") }));
            // The test waits for the first report only; later ones may find it gone.
            let _ = reports.send(report).await;
            plain(StatusCode::NO_CONTENT, "")
        }
        _ => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

// ---------------------------------------------------------------------------
// DynamoDB.

async fn scan(client: &Client, table: &str) -> Vec<Item> {
    client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|error| panic!("Scan {table}: {error}"))
        .items
        .unwrap_or_default()
}

/// The record whose `media.name` is `name`, within [`BEACON_TIMEOUT`]: a
/// beacon leaves when the browser chooses.
async fn wait_for_item(client: &Client, table: &str, name: &str, browser: &mut Browser) -> Item {
    let deadline = Instant::now() + BEACON_TIMEOUT;
    loop {
        let items = scan(client, table).await;
        if let Some(item) = items.into_iter().find(|item| media_name(item) == name) {
            return item;
        }
        assert!(
            Instant::now() < deadline,
            "no record with media.name {name:?} in {table} within {BEACON_TIMEOUT:?}:\n{}",
            browser.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The types of a session's stored events, in player-time order.
async fn stored_event_types(client: &Client, table: &str, session_id: &str) -> Vec<String> {
    event_items(client, table, session_id)
        .await
        .iter()
        .map(|item| string(item, "eventType"))
        .collect()
}

/// The session's stored event types once there is one, within [`BEACON_TIMEOUT`].
async fn wait_for_events(client: &Client, table: &str, session_id: &str, browser: &mut Browser) -> Vec<String> {
    let deadline = Instant::now() + BEACON_TIMEOUT;
    loop {
        let types = stored_event_types(client, table, session_id).await;
        if !types.is_empty() {
            return types;
        }
        assert!(
            Instant::now() < deadline,
            "no event of session {session_id} in {table} within {BEACON_TIMEOUT:?}:\n{}",
            browser.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn string(item: &Item, name: &str) -> String {
    item[name]
        .as_s()
        .unwrap_or_else(|_| panic!("{name} is a string"))
        .clone()
}

fn media_name(item: &Item) -> &str {
    item["params"].as_m().expect("params is a map")["media.name"]
        .as_s()
        .expect("media.name is a string")
}

/// (session id, media.name) of each record.
fn names_by_id(items: &[Item]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|item| (string(item, "sessionId"), media_name(item).to_owned()))
        .collect()
}

/// The session id in a 201's `Location`, as the page read it.
fn session_id(seen: &Value) -> String {
    let location = seen["location"]
        .as_str()
        .unwrap_or_else(|| panic!("no readable Location: {seen}"));
    let id = location
        .strip_prefix("/api/v1/sessions/")
        .unwrap_or_else(|| panic!("Location {location:?} is not under /api/v1/sessions/"));
    assert!(
        id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{location}"
    );
    id.to_owned()
}

/// The header names in a comma-separated list, in lower case.
fn names(list: Option<&str>) -> BTreeSet<String> {
    list.unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
