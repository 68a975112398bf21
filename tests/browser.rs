//! A real browser against the real handler. Unit tests check the CORS
//! headers one by one; only a browser tells whether they are the right ones:
//! whether a preflight lets `Content-Type: application/json` and
//! `Idempotency-Key` through, whether `Location` and `Idempotent-Replayed`
//! can be read, whether errors reach the page, whether `sendBeacon` is
//! accepted, and whether an origin left off the list is really blocked.
//!
//! The test serves the API in-process: a small HTTP server turns each
//! request into the API Gateway HTTP API event (payload 2.0) that Lambda
//! would get and answers from [`App::invoke`] with the real DynamoDB adapter
//! against DynamoDB Local, one fresh table per API. Three such APIs run, with
//! `CORS_ALLOW_ORIGIN` set to `*`, to a list that holds the page's origin,
//! and to a list that does not. The player page (`tests/browser/player.html`)
//! is served from yet another port, which is another origin. Headless
//! Chromium (`$CHROMIUM`, which `make test` sets) opens it; the page makes
//! its calls and posts what it saw back to its own server. The test then
//! checks the report, the requests each API received and what DynamoDB holds.

mod support;

use std::convert::Infallible;
use std::fs::File;
use std::future::Future;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use media_collector::http::App;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use support::{Item, config, dynamodb_client, event_items, fresh_tables};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long the page may take, from Chromium's start to its report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the beacon's record may take to show up after the report.
const BEACON_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a request body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long Chromium gets to exit on SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

const PLAYER_PAGE: &str = include_str!("browser/player.html");
/// Listed with the page's origin in the second API, alone in the third.
const OTHER_ORIGIN: &str = "https://player.example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_page_in_chromium_reaches_the_api_across_origins() {
    let chromium = chromium_binary();
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
        "{page_origin}/player.html?any={}&listed={}&refusing={}&marker={marker}&key={key}",
        any.url, listed.url, refusing.url
    );

    let started = Instant::now();
    let work_dir = WorkDir::new();
    let mut browser = Chromium::launch(&chromium, &page_url, &work_dir.0);
    let report = browser.wait_for_report(&mut reports).await;
    let beacon = wait_for_item(&client, &any.table, &format!("{marker}-beacon"), &mut browser).await;
    let beaconed_event = wait_for_events(&client, &any.events_table, &sha256_hex(&key), &mut browser).await;
    browser.stop();
    page_server.abort();
    println!(
        "the page saw (after {:.1} s):\n{}",
        started.elapsed().as_secs_f64(),
        serde_json::to_string_pretty(&report).unwrap()
    );

    assert!(report.get("fatal").is_none(), "the page failed: {report:#}");
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
            .all(|seen| seen.origin.as_deref() == Some(page_origin.as_str())),
        "every request carries the page's Origin: {seen_by_any:#?}"
    );
    assert!(
        seen_by_any.iter().any(|seen| seen.method == "POST"
            && seen.content_type.as_deref() == Some("text/plain;charset=UTF-8")
            && seen.status == 201),
        "the beacon is a text/plain POST, answered 201: {seen_by_any:#?}"
    );
    assert!(
        seen_by_any
            .iter()
            .any(|seen| seen.method == "OPTIONS" && seen.status == 204),
        "the JSON starts are preflighted: {seen_by_any:#?}"
    );
    let keyed: Vec<u16> = seen_by_any
        .iter()
        .filter(|seen| seen.idempotency_key.as_deref() == Some(key.as_str()))
        .map(|seen| seen.status)
        .collect();
    assert_eq!(keyed, [201, 201, 422], "the key reaches the API: {seen_by_any:#?}");
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
// The API: HTTP in, an API Gateway HTTP API event to the handler, its answer out.

/// One request as an API server received and answered it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    origin: Option<String>,
    content_type: Option<String>,
    idempotency_key: Option<String>,
    status: u16,
}

/// An API server in front of the handler, with its own table and CORS setting.
struct Api {
    url: String,
    table: String,
    events_table: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: JoinHandle<()>,
}

impl Api {
    async fn start(client: &Client, allow_origin: &str) -> Self {
        // The events table is the one `config` names beside the sessions table.
        let (table, events_table) = fresh_tables(client).await;
        let app = Arc::new(support::dynamodb_app(
            client,
            config(&table, &[("CORS_ALLOW_ORIGIN", allow_origin)]),
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port for an API");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = serve(listener, {
            let seen = Arc::clone(&seen);
            move |request, peer| api_answer(Arc::clone(&app), request, peer, Arc::clone(&seen))
        });
        Self {
            url,
            table,
            events_table,
            seen,
            server,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn api_answer(
    app: Arc<App<support::DynamoDbStores>>,
    request: Request<Incoming>,
    peer: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let Some(body) = read_body(body).await else {
        return plain(StatusCode::BAD_REQUEST, "the request body could not be read");
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let event = http_api_event(&parts, &body, peer, &request_id);
    let response = match app.invoke(&event, &request_id).await {
        Ok(answer) => http_response(&serde_json::to_value(answer).expect("a Lambda answer is JSON")),
        // API Gateway's answer to a Lambda error.
        Err(_) => plain(StatusCode::BAD_GATEWAY, "Internal Server Error"),
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        origin: header("origin"),
        content_type: header("content-type"),
        idempotency_key: header("idempotency-key"),
        status: response.status().as_u16(),
    });
    response
}

/// The event API Gateway sends for an HTTP API route (payload format 2.0,
/// `$default` stage): header names in lower case, repeated headers joined
/// with commas, cookies apart, a body that is not UTF-8 in base64.
fn http_api_event(parts: &Parts, body: &[u8], peer: SocketAddr, request_id: &str) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split("; ").map(|cookie| json!(cookie)));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    let header = |name: &str| headers.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let now = time::OffsetDateTime::now_utc();
    let time_format =
        time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": parts.uri.query().unwrap_or_default(),
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "browsertest",
            "domainName": header("host"),
            "domainPrefix": "browsertest",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": header("user-agent"),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format(time_format).expect("a formattable time"),
            "timeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = json!(text),
            Err(_) => {
                event["body"] = json!(STANDARD.encode(body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// What API Gateway makes of a payload 2.0 answer: `statusCode`, `headers`,
/// `cookies` and `body` (base64 when `isBase64Encoded`).
fn http_response(answer: &Value) -> Response<Full<Bytes>> {
    let status = answer["statusCode"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .and_then(|status| StatusCode::from_u16(status).ok());
    let Some(status) = status else {
        return plain(StatusCode::BAD_GATEWAY, "Internal Server Error");
    };
    let mut response = Response::builder().status(status);
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            response = response.header(name.as_str(), value);
        }
    }
    for cookie in answer["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        response = response.header("set-cookie", cookie);
    }
    let text = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"] == true {
        STANDARD.decode(text).expect("a base64 body is base64")
    } else {
        text.as_bytes().to_vec()
    };
    response
        .body(Full::new(Bytes::from(body)))
        .expect("the handler's headers are valid")
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
// HTTP plumbing.

/// Serves HTTP/1.1 on `listener` until the returned task is aborted.
fn serve<F, Fut>(listener: TcpListener, answer: F) -> JoinHandle<()>
where
    F: Fn(Request<Incoming>, SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                // Out of file descriptors, say: try again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let answer = answer.clone();
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let answer = answer.clone();
                    async move { Ok::<_, Infallible>(answer(request, peer).await) }
                });
                // A browser may close a connection at any time: not an error here.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
            // Forget the finished connections (the set aborts the rest when dropped).
            while connections.try_join_next().is_some() {}
        }
    })
}

async fn read_body(body: Incoming) -> Option<Bytes> {
    match tokio::time::timeout(BODY_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => Some(collected.to_bytes()),
        _ => None,
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from_static(text.as_bytes())))
        .unwrap()
}

// ---------------------------------------------------------------------------
// Chromium.

/// `$CHROMIUM`: a clear failure, never a skip, when it is missing.
fn chromium_binary() -> PathBuf {
    let how = "Run `make test`, which installs Chromium (`make tools`) and sets CHROMIUM, \
               or install it (Debian: `apt-get install -y chromium`) and set CHROMIUM=/usr/bin/chromium";
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("CHROMIUM is not set: this test needs a Chromium binary. {how}"));
    let executable =
        std::fs::metadata(&path).is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0);
    assert!(
        executable,
        "CHROMIUM={} is not an executable file. {how}",
        path.display()
    );
    path
}

/// Headless Chromium in its own process group, stopped with the whole
/// group (its zygotes, renderer, GPU and utility processes) when dropped,
/// and any process outside the group that names the work dir.
struct Chromium {
    child: Child,
    work_dir: PathBuf,
    log: PathBuf,
    stopped: bool,
}

impl Chromium {
    fn launch(binary: &Path, url: &str, work_dir: &Path) -> Self {
        let log = work_dir.join("chromium.log");
        let output = File::create(&log).expect("Chromium's log file");
        let child = Command::new(binary)
            .args([
                "--headless",
                // Root in a container: Chromium's sandbox needs user namespaces.
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                // No calls home: the machine may only reach 127.0.0.1.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--password-store=basic",
                // The page's console messages go to the log.
                "--enable-logging=stderr",
            ])
            .arg(format!("--user-data-dir={}", work_dir.join("profile").display()))
            .arg(url)
            // Whatever Chromium writes under the home directory stays in the work dir.
            .env("HOME", work_dir)
            .env("XDG_CONFIG_HOME", work_dir.join(".config"))
            .env("XDG_CACHE_HOME", work_dir.join(".cache"))
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("Chromium's log file"))
            .stderr(output)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        Self {
            child,
            work_dir: work_dir.to_owned(),
            log,
            stopped: false,
        }
    }

    /// The page's report, within [`REPORT_TIMEOUT`]; fails at once if
    /// Chromium exits first.
    async fn wait_for_report(&mut self, reports: &mut mpsc::Receiver<Value>) -> Value {
        let deadline = Instant::now() + REPORT_TIMEOUT;
        loop {
            if let Ok(report) = tokio::time::timeout(Duration::from_millis(250), reports.recv()).await {
                return report.expect("the page server is running");
            }
            if let Some(status) = self.exited() {
                panic!(
                    "Chromium exited ({status}) before the page reported:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the page did not report within {REPORT_TIMEOUT:?}:\n{}",
                self.log_tail()
            );
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("Chromium's status")
    }

    /// The end of Chromium's output, for failure messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// SIGTERM to the process group, SIGKILL after [`STOP_GRACE`].
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = format!("-{}", self.child.id());
        signal(&group, "TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while self.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever of the group is left, the browser process included.
        signal(&group, "KILL");
        let _ = self.child.wait();
        // Chromium's crash handler runs in a process group of its own (and
        // exits with the browser); it names the work dir, through HOME.
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            let strays = processes_naming(&self.work_dir);
            if strays.is_empty() {
                break;
            }
            for pid in &strays {
                signal(pid, "KILL");
            }
            if Instant::now() >= deadline {
                eprintln!("Chromium processes {strays:?} are still there after SIGKILL");
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The ids of the live processes whose command line contains `dir`.
fn processes_naming(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            // A zombie's command line is empty: it is gone already.
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&needle))
        })
        .collect()
}

/// Sends `name` (TERM, KILL) to `target` (`-PGID` for a process group) with kill(1).
fn signal(target: &str, name: &str) {
    // A group that is already gone makes kill fail: nothing left to stop.
    let _ = Command::new("kill")
        .args(["-s", name, "--", target])
        .stderr(Stdio::null())
        .status();
}

/// A directory for Chromium's profile and log under `target/tmp`, removed
/// when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        Self(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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
async fn wait_for_item(client: &Client, table: &str, name: &str, browser: &mut Chromium) -> Item {
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
async fn wait_for_events(client: &Client, table: &str, session_id: &str, browser: &mut Chromium) -> Vec<String> {
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

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
