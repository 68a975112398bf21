//! Lambda events as the runtime hands them over, through `App::invoke`: the
//! upstream project's published HTTP fixtures (tests/fixtures/upstream),
//! turned into sessionStart POSTs, each get a 201 in their source's shape;
//! every sample in `events/` gets an answer shaped for its source; and an
//! event that is no HTTP request is refused with a clear error.

mod support;

use std::path::PathBuf;

use media_collector::http::NotHttp;
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Value, json};
use support::{config, event_files, event_json, sample_body};

fn upstream_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream")
}

fn upstream_fixtures() -> Vec<(String, Value)> {
    let mut fixtures: Vec<(String, Value)> = std::fs::read_dir(upstream_dir())
        .expect("tests/fixtures/upstream exists")
        .map(|entry| entry.expect("a readable fixture").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable fixture");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, event)
        })
        .collect();
    fixtures.sort_by(|a, b| a.0.cmp(&b.0));
    fixtures
}

/// The fixture as a sessionStart POST: method, path, body and content type
/// replaced; everything else (host, query, headers, context) kept.
fn as_session_start(mut event: Value) -> Value {
    let version_2 = event["requestContext"].get("http").is_some();
    if version_2 {
        let stage = event["requestContext"]["stage"]
            .as_str()
            .unwrap_or("$default")
            .to_owned();
        let staged = event["rawPath"]
            .as_str()
            .is_some_and(|path| path.starts_with(&format!("/{stage}/")));
        event["rawPath"] = if staged {
            json!(format!("/{stage}/api/v1/sessions"))
        } else {
            json!("/api/v1/sessions")
        };
        event["requestContext"]["http"]["method"] = json!("POST");
        event["requestContext"]["http"]["path"] = event["rawPath"].clone();
    } else {
        event["httpMethod"] = json!("POST");
        event["path"] = json!("/api/v1/sessions");
    }
    let mut headers_set = false;
    for (key, value) in [
        ("headers", json!("application/json")),
        ("multiValueHeaders", json!(["application/json"])),
    ] {
        if let Some(headers) = event.get_mut(key).and_then(Value::as_object_mut) {
            headers.retain(|name, _| !name.eq_ignore_ascii_case("content-type"));
            headers.insert("Content-Type".into(), value);
            headers_set = true;
        }
    }
    if !headers_set {
        event["headers"] = json!({ "Content-Type": "application/json" });
    }
    event["body"] = json!(sample_body().to_string());
    event["isBase64Encoded"] = json!(false);
    event
}

/// Status and headers of an answer, whatever its shape.
fn status_and_header(answer: &Value, name: &str) -> (u64, Option<String>) {
    let status = answer["statusCode"].as_u64().expect("a statusCode");
    let single = answer["headers"][name].as_str().map(str::to_owned);
    let multi = answer["multiValueHeaders"][name][0].as_str().map(str::to_owned);
    (status, single.or(multi))
}

#[tokio::test]
async fn every_upstream_http_fixture_opens_a_session() {
    let fixtures = upstream_fixtures();
    assert!(fixtures.len() >= 25, "found only {} fixtures", fixtures.len());
    for (name, fixture) in fixtures {
        let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
        let answer = app
            .invoke(&as_session_start(fixture), "lambda-request-id")
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let answer = serde_json::to_value(answer).unwrap();
        let (status, location) = status_and_header(&answer, "location");
        assert_eq!(status, 201, "{name}: {answer}");
        let location = location.unwrap_or_else(|| panic!("{name}: no Location in {answer}"));
        let id = location.strip_prefix("/api/v1/sessions/").expect("a session Location");
        assert!(app.store.get(id).is_some(), "{name}: the session was not stored");
    }
}

#[tokio::test]
async fn every_sample_event_is_answered_in_its_sources_shape() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
    for file in event_files() {
        let event = event_json(&file);
        let answer = app.invoke(&event, "lambda-request-id").await.expect("an HTTP event");
        let answer = serde_json::to_value(answer).unwrap();
        let (status, allow_origin) = status_and_header(&answer, "access-control-allow-origin");
        assert!((200..600).contains(&status), "{file}: {answer}");
        assert_eq!(allow_origin.as_deref(), Some("*"), "{file}: {answer}");
        if file.starts_with("alb-") {
            assert!(answer["statusDescription"].as_str().is_some(), "{file}: {answer}");
        } else if file.starts_with("vpc-lattice-") {
            assert_eq!(
                answer["statusDescription"].as_str(),
                lambda_http::http::StatusCode::from_u16(u16::try_from(status).unwrap())
                    .ok()
                    .map(|code| format!("{status} {}", code.canonical_reason().unwrap()))
                    .as_deref(),
                "{file}: {answer}"
            );
            let headers = answer["headers"].as_object().expect("headers");
            assert!(
                headers.values().all(Value::is_string),
                "{file}: a map of strings: {answer}"
            );
            assert!(answer.get("multiValueHeaders").is_none(), "{file}: {answer}");
            assert_eq!(answer["isBase64Encoded"], false, "{file}: {answer}");
        } else if file.starts_with("apigw-rest-") {
            assert_eq!(
                answer["headers"],
                json!({}),
                "{file}: REST answers use multiValueHeaders only"
            );
        } else {
            assert!(answer.get("statusDescription").is_none(), "{file}: {answer}");
        }
    }
}

#[tokio::test]
async fn an_event_that_is_no_http_request_is_refused() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
    for event in [
        json!({ "key1": "value1", "key2": "value2", "key3": "value3" }),
        json!([]),
        json!(null),
        json!({ "Records": [{ "eventSource": "aws:sqs" }] }),
    ] {
        let refused = app.invoke(&event, "lambda-request-id").await;
        assert_eq!(refused.err(), Some(NotHttp), "{event}");
    }
    assert!(app.store.is_empty());
}

#[tokio::test]
async fn odd_envelopes_still_get_http_answers() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
    let base = event_json("apigw-http-session-start.json");
    let mut cases = Vec::new();
    for (pointer, value) in [
        ("/headers", json!(null)),
        ("/headers", json!({ "host": "", "content-type": 7 })),
        ("/rawPath", json!(null)),
        ("/rawPath", json!("/api/v1/sessions/%zz\u{0}\n..")),
        ("/rawQueryString", json!("a=%%%&b=\u{7f}")),
        ("/requestContext/http/method", json!(null)),
        ("/requestContext/http/method", json!("P OST")),
        ("/requestContext/requestId", json!(42)),
        ("/requestContext/stage", json!(["x"])),
        ("/body", json!(null)),
        ("/body", json!({ "not": "a string" })),
        ("/isBase64Encoded", json!("yes")),
        ("/cookies", json!("not a list")),
    ] {
        let mut event = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        event.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"))[key] = value.clone();
        cases.push((format!("{pointer} = {value}"), event));
    }
    for (case, event) in cases {
        let answer = app.invoke(&event, "lambda-request-id").await;
        let answer = serde_json::to_value(answer.unwrap_or_else(|e| panic!("{case}: {e}"))).unwrap();
        let status = answer["statusCode"].as_u64().unwrap();
        assert!((200..500).contains(&status), "{case}: {answer}");
    }
}
