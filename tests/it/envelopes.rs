//! Lambda events as the runtime hands them over, through `App::invoke`: the
//! upstream project's published HTTP fixtures (tests/fixtures/upstream),
//! turned into sessionStart POSTs, each get a 201 in their source's shape;
//! every sample in `events/` gets an answer shaped for its source; every
//! envelope member AWS may send `null`, leave out, send empty, in another
//! case or form, or with bytes that were not text, gets its documented
//! answer (one table, `envelope_cases`); and an event that is no HTTP
//! request is refused with a clear error.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::support::{config, event_files, event_json, sample_body};
use Member::{Absent, Set};
use media_collector::http::NotHttp;
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Value, json};

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
        let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
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
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
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
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
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

/// A change to an envelope member: set it, or leave it out.
#[derive(Clone)]
enum Member {
    Set(&'static str, Value),
    Absent(&'static str),
}

/// Every envelope member the function reads, as AWS may send it: `null`,
/// left out, empty, in another case or form, with bytes that were not text
/// (U+FFFD, as the payload is mended to), or given twice. Each row: the
/// sample it changes, the changes, the status the answer must have.
fn envelope_cases() -> Vec<(&'static str, Vec<Member>, u16)> {
    const HTTP: &str = "apigw-http-session-start.json";
    const REST: &str = "apigw-rest-session-start.json";
    const ALB: &str = "alb-session-start.json";
    const LATTICE: &str = "vpc-lattice-session-start.json";
    let body = sample_body().to_string();
    let base64_body = STANDARD.encode(&body);
    let unpadded_body = base64_body.trim_end_matches('=').to_owned();
    vec![
        // HTTP API (payload 2.0) and Function URLs.
        (HTTP, vec![Set("/version", json!(null))], 201),
        (HTTP, vec![Absent("/version")], 201),
        (HTTP, vec![Set("/version", json!("1.0"))], 201),
        (HTTP, vec![Set("/rawPath", json!(null))], 201), // requestContext.http.path is read
        (HTTP, vec![Absent("/rawPath")], 201),
        (HTTP, vec![Set("/rawPath", json!(""))], 201),
        (
            HTTP,
            vec![
                Set("/rawPath", json!(null)),
                Set("/requestContext/http/path", json!(null)),
            ],
            404,
        ),
        (HTTP, vec![Set("/rawPath", json!("/api/v1/sessions?x=1"))], 201),
        (HTTP, vec![Set("/rawPath", json!("/media/api/v1/sessions"))], 201),
        (HTTP, vec![Set("/rawPath", json!("/m\u{FFFD}dia/api/v1/sessions"))], 201),
        (HTTP, vec![Set("/rawPath", json!("/api/v1/sessions/%zz\u{0}\n.."))], 404),
        (HTTP, vec![Set("/rawPath", json!("/api/v1/sessions%2F"))], 404),
        (HTTP, vec![Set("/rawPath", json!(7))], 201),
        (HTTP, vec![Set("/rawQueryString", json!(null))], 201),
        (
            HTTP,
            vec![Set("/rawQueryString", json!("a=%%%&b=\u{7f}&c=%zz&d=\u{FFFD}"))],
            201,
        ),
        (
            HTTP,
            vec![Set("/queryStringParameters", json!({ "a": null, "b": "%zz" }))],
            201,
        ),
        (HTTP, vec![Set("/cookies", json!(null))], 201),
        (HTTP, vec![Set("/cookies", json!("not a list"))], 201),
        (HTTP, vec![Set("/cookies", json!(["id=\u{FFFD}", 7]))], 201),
        (HTTP, vec![Set("/headers", json!(null))], 201), // no Content-Type is accepted
        (HTTP, vec![Absent("/headers")], 201),
        (HTTP, vec![Set("/headers", json!({}))], 201),
        (HTTP, vec![Set("/headers", json!(["content-type"]))], 201),
        (HTTP, vec![Set("/headers/content-type", json!(null))], 201),
        (HTTP, vec![Set("/headers/content-type", json!(7))], 201),
        (
            HTTP,
            vec![Set("/headers/content-type", json!(["application/json"]))],
            201,
        ),
        (
            HTTP,
            vec![Set("/headers/content-type", json!("APPLICATION/JSON; Charset=UTF-8"))],
            201,
        ),
        (HTTP, vec![Set("/headers/content-type", json!(""))], 400),
        (
            HTTP,
            vec![Set("/headers/content-type", json!("application/json\u{0}"))],
            400,
        ),
        (
            HTTP,
            vec![Set("/headers/content-type", json!("application/json\u{FFFD}"))],
            400,
        ),
        (
            HTTP,
            vec![
                Absent("/headers/content-type"),
                Set("/headers/Content-Type", json!("text/html")),
            ],
            400,
        ),
        (HTTP, vec![Set("/headers/host", json!("a b{c}"))], 201),
        (HTTP, vec![Set("/headers/host", json!(""))], 201),
        (HTTP, vec![Set("/headers/user-agent", json!("Beno\u{FFFD}t"))], 201),
        (HTTP, vec![Set("/headers/origin", json!("https://\u{FFFD}"))], 201),
        (HTTP, vec![Set("/headers/x-na\u{FFFD}me", json!("v"))], 201),
        (HTTP, vec![Set("/headers/idempotency-key", json!("k\u{FFFD}y"))], 400),
        (HTTP, vec![Set("/requestContext", json!(null))], 405), // no method
        (HTTP, vec![Absent("/requestContext")], 405),
        (HTTP, vec![Set("/requestContext/http", json!(null))], 405),
        (HTTP, vec![Set("/requestContext/http/method", json!(null))], 405),
        (HTTP, vec![Set("/requestContext/http/method", json!(""))], 405),
        (HTTP, vec![Set("/requestContext/http/method", json!("post"))], 405), // methods are case-sensitive
        (HTTP, vec![Set("/requestContext/http/method", json!("P OST"))], 405),
        (HTTP, vec![Set("/requestContext/http/method", json!(7))], 405),
        (HTTP, vec![Set("/requestContext/requestId", json!(null))], 201), // Lambda's id is used
        (HTTP, vec![Set("/requestContext/requestId", json!(42))], 201),
        (HTTP, vec![Set("/requestContext/requestId", json!(""))], 201),
        (HTTP, vec![Set("/requestContext/stage", json!(null))], 201),
        (HTTP, vec![Set("/requestContext/stage", json!(["x"]))], 201),
        (HTTP, vec![Set("/requestContext/stage", json!("media"))], 201),
        (
            HTTP,
            vec![
                Set("/routeKey", json!("ANY /{proxy+}")),
                Set("/pathParameters", json!({ "proxy": "api/v1/sessions" })),
            ],
            201,
        ),
        (HTTP, vec![Set("/body", json!(null))], 400), // an empty body is no JSON object
        (HTTP, vec![Absent("/body")], 400),
        (HTTP, vec![Set("/body", json!(""))], 400),
        (HTTP, vec![Set("/body", json!({ "not": "a string" }))], 400),
        (HTTP, vec![Set("/isBase64Encoded", json!(null))], 201),
        (HTTP, vec![Absent("/isBase64Encoded")], 201),
        (HTTP, vec![Set("/isBase64Encoded", json!("yes"))], 201),
        (HTTP, vec![Set("/isBase64Encoded", json!(0))], 201),
        (HTTP, vec![Set("/isBase64Encoded", json!(true))], 400), // the body is not base64
        (
            HTTP,
            vec![Set("/isBase64Encoded", json!("true")), Set("/body", json!(base64_body))],
            201,
        ),
        (
            HTTP,
            vec![Set("/isBase64Encoded", json!(true)), Set("/body", json!(unpadded_body))],
            201,
        ),
        // REST API (and HTTP API payload 1.0).
        (REST, vec![Set("/httpMethod", json!(null))], 201), // requestContext.httpMethod is read
        (
            REST,
            vec![
                Set("/httpMethod", json!(null)),
                Set("/requestContext/httpMethod", json!(null)),
            ],
            405,
        ),
        (REST, vec![Set("/path", json!(null))], 201), // requestContext.path, stage and all
        (
            REST,
            vec![Set("/path", json!(null)), Set("/requestContext/path", json!(null))],
            404,
        ),
        (REST, vec![Set("/path", json!("/media/api/v1/sessions"))], 201),
        (REST, vec![Set("/resource", json!(null))], 201),
        (
            REST,
            vec![
                Set("/resource", json!("/{proxy+}")),
                Set("/pathParameters", json!({ "proxy": "api/v1/sessions" })),
            ],
            201,
        ),
        (REST, vec![Set("/pathParameters", json!({ "proxy": null }))], 201),
        (REST, vec![Set("/multiValueHeaders", json!(null))], 201),
        (REST, vec![Set("/headers", json!(null))], 201), // multiValueHeaders are read
        (REST, vec![Set("/headers/Content-Type", json!(null))], 201),
        (
            REST,
            vec![Set("/multiValueHeaders/Content-Type", json!(["text/html"]))],
            201,
        ), // headers win
        (
            REST,
            vec![
                Set("/headers", json!(null)),
                Set("/multiValueHeaders/Content-Type", json!(["text/html"])),
            ],
            400,
        ),
        (
            REST,
            vec![
                Set("/multiValueHeaders/Content-Type", json!(null)),
                Set("/headers/Content-Type", json!(null)),
            ],
            201,
        ),
        (
            REST,
            vec![Set("/multiValueHeaders/X-Many", json!(["a", null, 7, "b"]))],
            201,
        ),
        (REST, vec![Set("/queryStringParameters", json!({ "a": null }))], 201),
        (
            REST,
            vec![Set("/multiValueQueryStringParameters", json!({ "a": [null, "%zz"] }))],
            201,
        ),
        (REST, vec![Set("/stageVariables", json!({}))], 201),
        (REST, vec![Set("/requestContext/stage", json!(null))], 201),
        (REST, vec![Set("/requestContext/requestId", json!(null))], 201),
        (REST, vec![Set("/requestContext/identity", json!(null))], 201),
        // Application Load Balancer.
        (ALB, vec![Set("/requestContext/elb", json!({}))], 201),
        (
            ALB,
            vec![
                Set("/headers", json!(null)),
                Set("/multiValueHeaders", json!({ "content-type": ["application/json"] })),
            ],
            201,
        ),
        (
            ALB,
            vec![Set("/queryStringParameters", json!({ "q": "%zz", "r": "\u{FFFD}" }))],
            201,
        ),
        (ALB, vec![Set("/path", json!("/collector/api/v1/sessions/"))], 201),
        (ALB, vec![Set("/path", json!(null))], 404),
        (
            ALB,
            vec![Set("/isBase64Encoded", json!(true)), Set("/body", json!(base64_body))],
            201,
        ),
        // VPC Lattice.
        (LATTICE, vec![Set("/version", json!("1.0"))], 201),
        (LATTICE, vec![Absent("/version")], 201),
        (
            LATTICE,
            vec![Set("/headers/content-type", json!("application/json"))],
            201,
        ), // a string, not a list
        (LATTICE, vec![Set("/headers/content-type", json!([]))], 201),
        (LATTICE, vec![Set("/headers/content-type", json!(["text/html"]))], 400),
        (LATTICE, vec![Set("/headers", json!(null))], 201),
        (LATTICE, vec![Set("/queryStringParameters", json!(null))], 201),
        (LATTICE, vec![Set("/requestContext/identity", json!(null))], 201),
        (LATTICE, vec![Set("/requestContext", json!(null))], 201),
        (LATTICE, vec![Set("/method", json!(null))], 405),
        (LATTICE, vec![Set("/method", json!("post"))], 405),
        (LATTICE, vec![Set("/path", json!(null))], 404),
        (LATTICE, vec![Set("/path", json!("/svc/api/v1/sessions"))], 201),
        (LATTICE, vec![Set("/body", json!(null))], 400),
        (
            LATTICE,
            vec![Set("/isBase64Encoded", json!(true)), Set("/body", json!(base64_body))],
            201,
        ),
    ]
}

#[tokio::test]
async fn every_envelope_member_aws_may_send_odd_gets_its_answer() {
    let cases = envelope_cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    for (file, changes, status) in cases {
        let mut event = event_json(file);
        let mut case = file.to_owned();
        for change in &changes {
            let (pointer, value) = match change {
                Set(pointer, value) => (*pointer, Some(value.clone())),
                Absent(pointer) => (*pointer, None),
            };
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let parent = event
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .unwrap_or_else(|| panic!("{file}: no object at {pointer}"));
            match &value {
                Some(value) => parent.insert(key.to_owned(), value.clone()),
                None => parent.remove(key),
            };
            case.push_str(&format!(
                " {pointer}={}",
                value.map_or("(absent)".to_owned(), |v| v.to_string())
            ));
        }
        let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
        let answer = app.invoke(&event, "lambda-request-id").await;
        let answer = serde_json::to_value(answer.unwrap_or_else(|e| panic!("{case}: {e}"))).unwrap();
        assert_eq!(answer["statusCode"], status, "{case}: {answer}");
        assert_eq!(app.store.len(), usize::from(status == 201), "{case}");
    }
}
