//! Payloads whose bytes the Lambda runtime cannot parse as they are, sent to
//! the function's own binary under the Runtime API emulator against
//! DynamoDB Local: bytes that are not UTF-8 in a header value (as an ALB
//! passes them through), a multi-value header, a query value, a cookie, the
//! path and the body, lone surrogate escapes, and escapes JSON does not
//! define (`\xE9`, as an ALB has delivered a header byte outside UTF-8). Each gets an HTTP answer
//! (never a Lambda error, which API Gateway and the ALB turn into a 502),
//! each writes its request log line and metrics record, and the process
//! lives on.

use std::time::{Duration, Instant};

use crate::support::function::{Function, command, started, with_local_credentials};
use crate::support::{dynamodb_client, dynamodb_endpoint, event_json, fresh_tables, session_item};
use media_collector_test_support::emulator::{Emulator, Outcome};
use serde_json::{Value, json};

/// Stands in the JSON text for the raw bytes put there afterwards.
const MARK: &str = "@RAW@";

/// `event` as JSON text, with every [`MARK`] replaced by `bytes`.
fn with_bytes(event: &Value, bytes: &[u8]) -> Vec<u8> {
    let text = event.to_string();
    assert!(text.contains(MARK), "no mark in {text}");
    let mut payload = Vec::new();
    let mut parts = text.split(MARK).peekable();
    while let Some(part) = parts.next() {
        payload.extend_from_slice(part.as_bytes());
        if parts.peek().is_some() {
            payload.extend_from_slice(bytes);
        }
    }
    payload
}

/// A header of an answer, in `headers` or (REST) `multiValueHeaders`.
fn header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["headers"][name]
        .as_str()
        .or_else(|| answer["multiValueHeaders"][name][0].as_str())
}

/// One hostile payload: what it is, its bytes, the status it must get.
struct Case {
    name: &'static str,
    payload: Vec<u8>,
    status: u16,
}

fn cases() -> Vec<Case> {
    let alb = event_json("alb-session-start.json");
    let http = event_json("apigw-http-session-start.json");
    let rest = event_json("apigw-rest-session-start.json");
    let lattice = event_json("vpc-lattice-session-start.json");
    // `event` with the member at `pointer` set to `value` (added if missing).
    let set = |event: &Value, pointer: &str, value: Value| {
        let mut event = event.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
        let parent = event.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
        parent.as_object_mut().expect("an object").insert(key.to_owned(), value);
        event
    };
    let play = r#"{"playerTime":{"playhead":1,"ts":1795435230120},"eventType":"play","params":{}}"#;
    let latin1 = b"\xEE"; // "î" in Latin-1: a byte no UTF-8 text has here.
    vec![
        Case {
            name: "ALB User-Agent with a Latin-1 byte",
            payload: with_bytes(&set(&alb, "/headers/user-agent", json!(format!("Beno{MARK}t"))), latin1),
            status: 201,
        },
        Case {
            name: "ALB User-Agent with a byte shown as a \\x escape, which JSON does not define",
            payload: with_bytes(
                &set(
                    &alb,
                    "/headers/user-agent",
                    json!(format!("PlayerApp/2.0 (T{MARK}l{MARK} salon)")),
                ),
                br"\xE9",
            ),
            status: 201,
        },
        Case {
            name: "ALB header value with a \\u escape of bad hex digits",
            payload: with_bytes(&set(&alb, "/headers/x-label", json!(format!("a{MARK}b"))), br"\u12G4"),
            status: 201,
        },
        Case {
            name: "HTTP API query value with a backslash before a letter",
            payload: with_bytes(
                &set(&http, "/queryStringParameters", json!({ "q": format!("a{MARK}") })),
                br"\q",
            ),
            status: 201,
        },
        Case {
            name: "ALB header value with a truncated UTF-8 sequence",
            payload: with_bytes(
                &set(&alb, "/headers/referer", json!(format!("https://a/{MARK}"))),
                b"\xE2\x82",
            ),
            status: 201,
        },
        Case {
            name: "ALB multi-value header",
            payload: with_bytes(
                &set(
                    &alb,
                    "/multiValueHeaders",
                    json!({ "x-label": [format!("a{MARK}"), "b"] }),
                ),
                b"\xFF",
            ),
            status: 201,
        },
        Case {
            name: "ALB query value",
            payload: with_bytes(
                &set(
                    &alb,
                    "/queryStringParameters",
                    json!({ "q": format!("caf{MARK}"), "p": "%zz" }),
                ),
                b"\xE9",
            ),
            status: 201,
        },
        Case {
            name: "ALB path prefix",
            payload: with_bytes(
                &set(&alb, "/path", json!(format!("/m{MARK}dia/api/v1/sessions"))),
                b"\xE9",
            ),
            status: 201,
        },
        Case {
            name: "ALB path where the session id goes",
            payload: with_bytes(
                &set(
                    &set(&alb, "/path", json!(format!("/api/v1/sessions/{MARK}/events"))),
                    "/body",
                    json!(play),
                ),
                b"\xC0\xAF",
            ),
            status: 404,
        },
        Case {
            name: "ALB path of no route",
            payload: with_bytes(&set(&alb, "/path", json!(format!("/api/v1/sessions{MARK}"))), b"\x80"),
            status: 404,
        },
        Case {
            name: "ALB Content-Type",
            payload: with_bytes(
                &set(&alb, "/headers/content-type", json!(format!("application/json{MARK}"))),
                b"\xA0",
            ),
            status: 400,
        },
        Case {
            name: "ALB body",
            payload: with_bytes(
                &set(&alb, "/body", json!(format!("{{\"eventType\":\"{MARK}\"}}"))),
                b"\xFE",
            ),
            status: 400,
        },
        Case {
            name: "HTTP API header name and cookie",
            payload: with_bytes(
                &set(
                    &set(&http, "/cookies", json!([format!("id={MARK}")])),
                    &format!("/headers/x-na{MARK}me"),
                    json!("v"),
                ),
                b"\xF8",
            ),
            status: 201,
        },
        Case {
            name: "HTTP API raw query string and path",
            payload: with_bytes(
                &set(
                    &set(&http, "/rawQueryString", json!(format!("a=%{MARK}"))),
                    "/requestContext/http/path",
                    json!(format!("/{MARK}")),
                ),
                b"\xC3",
            ),
            status: 201,
        },
        Case {
            name: "REST header, multi-value header and query, lone surrogate escapes",
            payload: with_bytes(
                &set(
                    &set(&rest, "/headers/User-Agent", json!(format!("x{MARK}"))),
                    "/multiValueQueryStringParameters",
                    json!({ "q": [MARK] }),
                ),
                br"\ud800",
            ),
            status: 201,
        },
        Case {
            name: "VPC Lattice header list and query",
            payload: with_bytes(
                &set(
                    &set(&lattice, "/headers/user-agent", json!([format!("p{MARK}"), "q"])),
                    "/queryStringParameters",
                    json!({ "q": [MARK] }),
                ),
                b"\xED\xA0\x80",
            ),
            status: 201,
        },
        Case {
            name: "VPC Lattice body with a lone low surrogate escape",
            payload: with_bytes(
                &set(&lattice, "/body", json!(format!("{{\"a\":\"{MARK}\"}}"))),
                br"\udc00",
            ),
            status: 400,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_that_are_not_utf8_get_http_answers_and_log_lines() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let (table, _) = fresh_tables(&client).await;
    let emulator = Emulator::start().await.unwrap();
    let mut function = Function::spawn(
        with_local_credentials(&mut command(&emulator, &table, &dynamodb_endpoint()))
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON"),
    );
    started(&emulator).await;

    let cases = cases();
    let mut answered = Vec::new();
    for case in &cases {
        assert!(
            serde_json::from_slice::<Value>(&case.payload).is_err(),
            "{}: the payload must be one the runtime cannot parse as it is",
            case.name
        );
        let invocation = emulator
            .invoke_bytes(case.payload.clone())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let Outcome::Response(answer) = &invocation.outcome else {
            panic!("{}: a Lambda error: {:?}", case.name, invocation.outcome)
        };
        assert_eq!(answer["statusCode"], case.status, "{}: {answer}", case.name);
        assert_eq!(
            header(answer, "access-control-allow-origin"),
            Some("*"),
            "{}: {answer}",
            case.name
        );
        if case.status == 201 {
            let location = header(answer, "location").expect("a Location");
            let id = location.strip_prefix("/api/v1/sessions/").expect("a session URL");
            assert!(session_item(&client, &table, id).await.is_some(), "{}", case.name);
        }
        assert!(function.is_running(), "{}: the process died", case.name);
        answered.push((invocation.request_id.clone(), case));
    }

    // The process lives on, and serves a sound request as before.
    let sound = emulator.invoke(event_json("alb-session-start.json")).await.unwrap();
    assert!(
        matches!(&sound.outcome, Outcome::Response(answer) if answer["statusCode"] == 201),
        "{:?}",
        sound.outcome
    );

    // One request line each, with its status; a warning says what was mended.
    let began = Instant::now();
    while function.request_lines().len() < cases.len() + 1 && began.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lines = function.request_lines();
    assert_eq!(lines.len(), cases.len() + 1, "{lines:?}");
    for (request_id, case) in &answered {
        let line = lines
            .iter()
            .find(|line| line["fields"]["request_id"] == request_id.as_str())
            .unwrap_or_else(|| panic!("{}: no request line", case.name));
        assert_eq!(line["fields"]["status"], case.status, "{}: {line}", case.name);
    }
    // And its metrics record (CloudWatch EMF), with its status.
    let records: Vec<Value> = function
        .all_lines()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    for (request_id, case) in &answered {
        let record = records
            .iter()
            .find(|record| record["RequestId"] == request_id.as_str())
            .unwrap_or_else(|| panic!("{}: no metrics record in {records:?}", case.name));
        assert_eq!(record["Status"], case.status.to_string(), "{}: {record}", case.name);
    }
    let mended = function
        .all_lines()
        .iter()
        .filter(|line| line.contains("payload mended"))
        .count();
    assert_eq!(mended, cases.len(), "one warning per mended payload");
}
