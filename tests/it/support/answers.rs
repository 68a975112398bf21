//! Checks on the handler's HTTP answers that several test files share:
//! the CORS headers, a problem document, an event's 204 and a 410.

use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;

use super::body_text;

/// A header's value, when it is text.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The CORS headers every answer carries (a preflight's allow one header more).
pub fn assert_cors(file: &str, headers: &HeaderMap) {
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
pub fn problem(file: &str, response: &Response<Body>) -> Vec<String> {
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

/// An event's 204: empty, the four CORS headers and nothing of a preflight.
pub fn assert_accepted(what: &str, response: &Response<Body>) {
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "{what}: {}",
        body_text(response)
    );
    assert!(body_text(response).is_empty(), "{what}");
    let headers = response.headers();
    assert_cors(what, headers);
    assert!(headers.get("access-control-max-age").is_none(), "{what}");
    assert!(headers.get("location").is_none(), "{what}");
}

/// A 410 with its `reason`; the detail says it and how to go on.
pub fn assert_gone(what: &str, response: &Response<Body>, reason: &str) {
    assert_eq!(response.status(), StatusCode::GONE, "{what}: {}", body_text(response));
    assert_cors(what, response.headers());
    assert!(problem(what, response).is_empty(), "{what}: a 410 has no errors");
    let document: Value = serde_json::from_str(&body_text(response)).unwrap();
    assert_eq!(document["reason"], reason, "{what}: {document}");
    let detail = document["detail"].as_str().unwrap();
    assert!(detail.contains(reason), "{what}: {detail}");
    assert!(
        detail.contains("start a new session with POST /api/v1/sessions"),
        "{what}: {detail}"
    );
}
