//! The Lambda adapter, driven by every sample event in `events/` (as
//! the function decodes them) against an in-memory store: status, headers,
//! problem documents, and what was stored.

mod support;

use std::collections::BTreeSet;

use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::Value;
use support::{config, event, event_files, event_json, request};

/// What each sample event must get: its status and, for a 400, every pointer.
const EXPECTED: &[(&str, u16, &[&str])] = &[
    ("apigw-rest-session-start.json", 201, &[]),
    ("apigw-http-session-start.json", 201, &[]),
    ("function-url-session-start.json", 201, &[]),
    ("alb-session-start.json", 201, &[]),
    ("apigw-http-session-start-base64.json", 201, &[]),
    ("apigw-http-session-start-trailing-slash.json", 201, &[]),
    ("apigw-http-session-start-named-stage.json", 201, &[]),
    ("apigw-http-session-start-beacon.json", 201, &[]),
    ("apigw-http-session-start-vendor-json.json", 201, &[]),
    ("apigw-http-session-start-no-content-type.json", 201, &[]),
    ("apigw-http-session-start-live.json", 201, &[]),
    ("apigw-http-session-start-full.json", 201, &[]),
    ("apigw-http-session-start-idempotent.json", 201, &[]),
    (
        "apigw-http-invalid-idempotency-key.json",
        400,
        &["header Idempotency-Key"],
    ),
    (
        "apigw-http-non-ascii-idempotency-key.json",
        400,
        &["header Idempotency-Key"],
    ),
    ("apigw-http-preflight.json", 204, &[]),
    ("apigw-rest-preflight.json", 204, &[]),
    ("apigw-http-wrong-method.json", 405, &[]),
    ("apigw-http-unknown-path.json", 404, &[]),
    ("apigw-http-unsupported-content-type.json", 400, &[""]),
    ("apigw-http-not-json.json", 400, &[""]),
    ("apigw-http-too-large.json", 413, &[]),
    ("apigw-http-not-utf8.json", 400, &[""]),
    ("apigw-http-not-base64.json", 400, &[""]),
    ("apigw-http-unreadable-content-type.json", 400, &[""]),
    // Envelopes that lambda_http's own conversion turns into a panic or a
    // Lambda error (a 502 from API Gateway or the ALB).
    ("alb-hostile-host.json", 201, &[]),
    ("function-url-hostile-host.json", 201, &[]),
    ("apigw-rest-hostile-host.json", 201, &[]),
    ("apigw-http-hostile-query.json", 201, &[]),
    ("apigw-http-hostile-headers.json", 201, &[]),
    ("invalid-v1-not-an-object.json", 400, &[""]),
    ("invalid-v1-unknown-and-missing-keys.json", 400, &["/params", "/extra"]),
    ("invalid-v2-event-type.json", 400, &["/eventType"]),
    ("invalid-v3-playhead-past-length.json", 400, &["/playerTime/playhead"]),
    ("invalid-v3-playhead-negative.json", 400, &["/playerTime/playhead"]),
    (
        "invalid-v3-live-playhead-too-large.json",
        400,
        &["/playerTime/playhead"],
    ),
    ("invalid-v3-player-time-extra-key.json", 400, &["/playerTime/extra"]),
    ("invalid-v4-ts-in-seconds.json", 400, &["/playerTime/ts"]),
    ("invalid-v4-ts-fraction.json", 400, &["/playerTime/ts"]),
    (
        "invalid-v5-missing-media-id.json",
        400,
        &["/params/media.id", "/params/analytics.reportSuite"],
    ),
    ("invalid-v6-media-length-zero.json", 400, &["/params/media.length"]),
    (
        "invalid-v7-wrong-types.json",
        400,
        &[
            "/params/analytics.enableSSL",
            "/params/media.name",
            "/params/visitor.aamLocationHint",
            "/params/visitor.customerIDs/userId/id",
            "/params/visitor.customerIDs/userId/authState",
        ],
    ),
    (
        "invalid-v8-custom-param-array-and-null.json",
        400,
        &["/params/my.list", "/params/my.nothing"],
    ),
    (
        "invalid-v9-custom-metadata.json",
        400,
        &["/customMetadata/bad key", "/customMetadata/count"],
    ),
    (
        "invalid-v10-qoe-data.json",
        400,
        &[
            "/qoeData/media.qoe.bitrate",
            "/qoeData/media.qoe.errorID",
            "/qoeData/custom",
        ],
    ),
    (
        "invalid-several-errors.json",
        400,
        &["/playerTime/ts", "/params/media.id"],
    ),
];

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

fn assert_cors(file: &str, headers: &HeaderMap) {
    let preflight = headers.contains_key("access-control-max-age");
    assert_eq!(header(headers, "access-control-allow-origin"), Some("*"), "{file}");
    assert_eq!(
        header(headers, "access-control-allow-methods"),
        Some("OPTIONS,POST,PUT"),
        "{file}"
    );
    // A preflight also allows the Idempotency-Key request header.
    let allowed = if preflight {
        "Content-Type, Idempotency-Key"
    } else {
        "Content-Type"
    };
    assert_eq!(header(headers, "access-control-allow-headers"), Some(allowed), "{file}");
    assert_eq!(
        header(headers, "access-control-expose-headers"),
        Some("Location"),
        "{file}"
    );
}

/// Checks a problem answer; returns its error pointers.
fn problem(file: &str, response: &Response<Body>) -> Vec<String> {
    assert_eq!(
        header(response.headers(), "content-type"),
        Some("application/problem+json"),
        "{file}"
    );
    let text = body_text(response);
    assert_eq!(
        header(response.headers(), "content-length"),
        Some(text.len().to_string().as_str()),
        "{file}"
    );
    let problem: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: problem is not JSON: {e}"));
    assert_eq!(problem["type"], "about:blank", "{file}");
    assert_eq!(problem["status"], response.status().as_u16(), "{file}");
    assert_eq!(
        problem["title"],
        response.status().canonical_reason().unwrap(),
        "{file}"
    );
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{file}: {problem}"
    );
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()), "{file}: {e}");
                    match (e["pointer"].as_str(), e["header"].as_str()) {
                        (Some(pointer), None) => pointer.to_owned(),
                        (None, Some(header)) => format!("header {header}"),
                        _ => panic!("{file}: an error has a pointer or a header: {e}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_sample_event_gets_its_documented_answer() {
    let on_disk: BTreeSet<String> = event_files().into_iter().collect();
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(file, _, _)| file.to_string()).collect();
    assert_eq!(
        on_disk, listed,
        "every file in events/ needs an expected answer here, and every one listed a file"
    );

    for (file, status, pointers) in EXPECTED {
        let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
        let response = app.handle(event(file)).await;
        assert_eq!(response.status().as_u16(), *status, "{file}: {}", body_text(&response));
        let headers = response.headers();
        assert_cors(file, headers);
        match *status {
            201 => {
                assert_eq!(
                    header(headers, "content-type"),
                    Some("application/octet-stream"),
                    "{file}"
                );
                assert_eq!(header(headers, "content-length"), Some("0"), "{file}");
                assert!(body_text(&response).is_empty(), "{file}");
                let location = header(headers, "location").expect("a Location");
                let id = location
                    .strip_prefix("/api/v1/sessions/")
                    .expect("Location under /api/v1/sessions/");
                assert!(
                    id.len() == 64 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
                    "{file}: {id}"
                );
                assert!(
                    app.store.get(id).is_some(),
                    "{file}: the 201 names a session that was not stored"
                );
                assert_eq!(app.store.len(), 1, "{file}");
            }
            204 => {
                assert!(body_text(&response).is_empty(), "{file}");
                assert!(
                    header(headers, "access-control-max-age").is_some_and(|age| age.parse::<u32>().is_ok()),
                    "{file}"
                );
                assert!(app.store.is_empty(), "{file}");
            }
            _ => {
                let found: BTreeSet<String> = problem(file, &response).into_iter().collect();
                let expected: BTreeSet<String> = pointers.iter().map(|p| p.to_string()).collect();
                assert_eq!(found, expected, "{file}: {}", body_text(&response));
                assert!(app.store.is_empty(), "{file}: a failed request stored something");
                if *status == 405 {
                    assert_eq!(header(headers, "allow"), Some("OPTIONS, POST"), "{file}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_stored_request_id_is_api_gateways() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
    let response = app.handle(event("apigw-http-session-start.json")).await;
    let id = header(response.headers(), "location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.store.get(&id).unwrap().request_id, "9pGd4t9wFH6VN5d=");
}

#[tokio::test]
async fn a_store_failure_is_a_500_that_shows_no_internals() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::failing());
    let response = app.handle(event("apigw-rest-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_cors("500", response.headers());
    problem("500", &response);
    let text = body_text(&response);
    assert!(text.contains("could not be stored"), "{text}");
    assert!(!text.contains("in-memory"), "internals leaked: {text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    let request_id = document["requestId"].as_str().expect("the request id");
    assert!(
        !request_id.is_empty() && document["detail"].as_str().unwrap().contains(request_id),
        "{text}"
    );
}

#[tokio::test]
async fn a_listed_origin_is_echoed_with_vary() {
    let app = support::app(
        config(
            "sessions",
            &[("CORS_ALLOW_ORIGIN", "https://other.example,https://player.example.com")],
        ),
        InMemorySessionStore::default(),
    );
    for file in [
        "apigw-http-session-start.json",
        "apigw-http-preflight.json",
        "invalid-v2-event-type.json",
    ] {
        let response = app.handle(event(file)).await;
        let headers = response.headers();
        assert_eq!(
            header(headers, "access-control-allow-origin"),
            Some("https://player.example.com"),
            "{file}"
        );
        assert_eq!(header(headers, "vary"), Some("Origin"), "{file}");
    }
    let mut request = event("apigw-http-preflight.json");
    request
        .headers
        .insert("origin", "https://evil.example".parse().unwrap());
    let response = app.handle(request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().get("access-control-allow-origin").is_none());
    assert_eq!(header(response.headers(), "vary"), Some("Origin"));
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = support::app(
        config("sessions", &[("MAX_BODY_BYTES", "100")]),
        InMemorySessionStore::default(),
    );
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(&response).contains("100 bytes"));
}

#[tokio::test]
async fn other_methods_get_405_and_other_paths_404() {
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
    for (method, path, status) in [
        ("PUT", "/api/v1/sessions", 405),
        ("DELETE", "/api/v1/sessions/", 405),
        ("HEAD", "/api/v1/sessions", 405),
        ("POST", "/api/v1/sessions//", 404),
        ("POST", "/api/v1/sessions/abc", 404),
        ("POST", "/prod/api/v1/sessions", 404),
        ("OPTIONS", "/", 404),
    ] {
        let mut event = event_json("apigw-http-session-start.json");
        event["requestContext"]["http"]["method"] = method.into();
        event["rawPath"] = path.into();
        let request = request(&event);
        let response = app.handle(request).await;
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        assert_cors(path, response.headers());
    }
}
