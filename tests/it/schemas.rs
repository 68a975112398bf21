//! `GET /api/v1/schemas/{eventType}`: the answer's headers, and the served
//! schemas against `openapi.yaml`, their source: every sample body in
//! `events/` must pass or fail the served schema exactly as it passes or
//! fails the API document's. (That the served schemas, the request schemas
//! and the parser give every body case the same verdict is the corpus's
//! test, `corpus/mod.rs`.)

use std::collections::BTreeSet;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::{RawBody, event_types, schema};
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Value, json};

use crate::corpus::{openapi_document, openapi_reference_validator, served_validator};
use crate::support::{EVENT_TYPES, config, event, event_body, event_files, event_json, request, sample_body};

fn get(method: &str, path: &str) -> Response<Body> {
    let mut event = event_json("apigw-http-session-start.json");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["body"] = Value::Null;
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    futures_executor(app.handle(request(&event)))
}

fn futures_executor<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|value| value.to_str().ok())
}

#[test]
fn a_schema_is_served_as_schema_json_for_a_day_with_cors() {
    let response = get("GET", "/api/v1/schemas/sessionStart");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), Some("application/schema+json"));
    assert_eq!(header(&response, "cache-control"), Some("public, max-age=86400"));
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&response, "access-control-expose-headers"), Some("Location"));
    let Body::Text(text) = response.body() else {
        panic!("a text body")
    };
    assert_eq!(
        header(&response, "content-length"),
        Some(text.len().to_string().as_str())
    );
    let served: Value = serde_json::from_str(text).unwrap();
    assert!(
        jsonschema::draft202012::new(&served).is_ok(),
        "the served schema compiles"
    );
}

#[test]
fn unknown_types_other_methods_and_preflights() {
    let unknown = get("GET", "/api/v1/schemas/sessionstart");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&unknown, "content-type"), Some("application/problem+json"));
    let put = get("PUT", "/api/v1/schemas/sessionStart");
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&put, "allow"), Some("GET, OPTIONS, POST"));
    let preflight = get("OPTIONS", "/api/v1/schemas/sessionStart");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(header(&preflight, "access-control-max-age").is_some());
    assert_eq!(get("GET", "/api/v1/sessions").status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Older clients fetch schemas with POST: they get exactly what GET gets,
/// whatever body and content type they send, behind any prefix.
#[test]
fn post_answers_exactly_as_get() {
    let posted = |path: &str, content_type: &str, body: Value| {
        let mut event = event_json("apigw-http-session-start.json");
        event["rawPath"] = json!(path);
        event["headers"]["content-type"] = json!(content_type);
        event["body"] = body;
        let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
        futures_executor(app.handle(request(&event)))
    };
    for path in [
        "/api/v1/schemas/sessionStart",
        "/api/v1/schemas/adStart/",
        "/media/api/v1/schemas/play",
        "/api/v1/schemas/sessionstart",
    ] {
        let got = get("GET", path);
        for (content_type, body) in [
            ("application/json", json!("{}")),
            ("text/html", json!("<p>not json</p>")),
            ("application/json", Value::Null),
        ] {
            let answer = posted(path, content_type, body);
            assert_eq!(answer.status(), got.status(), "{path}");
            assert_eq!(answer.headers(), got.headers(), "{path}");
            assert_eq!(answer.body(), got.body(), "{path}");
        }
    }
}

fn openapi_validator(component: &str) -> jsonschema::Validator {
    openapi_reference_validator(&openapi_document(), &format!("#/components/schemas/{component}"))
}

#[test]
fn every_sample_body_gets_the_same_verdict_from_the_served_schema_and_openapi_yaml() {
    let text = std::fs::read_to_string(crate::support::events_dir().join("../openapi.yaml")).unwrap();
    let document: Value = serde_yaml_ng::from_str(&text).unwrap();
    let served_types: BTreeSet<&str> = event_types().collect();
    let listed: BTreeSet<&str> = document["x-event-schemas"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(served_types, listed, "every listed event type is served");

    let mut compared = 0;
    for file in event_files() {
        let request = event(&file);
        let RawBody::Bytes(bytes) = &request.body else {
            continue;
        };
        let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
            continue;
        };
        let Some(event_type) = body["eventType"].as_str().filter(|name| schema(name).is_some()) else {
            continue;
        };
        let component = document["x-event-schemas"][event_type].as_str().unwrap();
        let served: Value = serde_json::from_str(schema(event_type).unwrap()).unwrap();
        let served = jsonschema::draft202012::new(&served).unwrap();
        let openapi = openapi_validator(component);
        assert_eq!(
            served.is_valid(&body),
            openapi.is_valid(&body),
            "{file}: the served {event_type} schema and openapi.yaml disagree"
        );
        compared += 1;
    }
    assert!(compared >= 20, "compared only {compared} sample bodies");
}

#[test]
fn every_event_type_has_its_own_schema_served_and_listed() {
    let document = openapi_document();
    let mut expected: BTreeSet<&str> = EVENT_TYPES.into_iter().collect();
    expected.insert("sessionStart");
    assert_eq!(event_types().collect::<BTreeSet<_>>(), expected);

    let enum_of_the_path = document["paths"]["/api/v1/schemas/{eventType}"]["get"]["parameters"][0]["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect::<BTreeSet<_>>();
    assert_eq!(
        enum_of_the_path, expected,
        "GET /api/v1/schemas/{{eventType}} lists every type"
    );

    for event_type in expected {
        let response = get("GET", &format!("/api/v1/schemas/{event_type}"));
        assert_eq!(response.status(), StatusCode::OK, "{event_type}");
        assert_eq!(header(&response, "content-type"), Some("application/schema+json"));
        let Body::Text(text) = response.body() else {
            panic!("{event_type}: a text body")
        };
        let served: Value = serde_json::from_str(text).unwrap();
        let component = document["x-event-schemas"][event_type].as_str().unwrap();
        assert_eq!(served["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(served["$ref"], format!("#/$defs/{component}"), "{event_type}");
        assert_eq!(served["title"], format!("{event_type} event"), "{event_type}");
        assert!(
            served["$defs"][component]["description"].is_string(),
            "{event_type} is described"
        );
        assert!(!text.contains("#/components/"), "{event_type}: self-contained");
        assert!(jsonschema::draft202012::new(&served).is_ok(), "{event_type} compiles");
    }
}

#[test]
fn each_served_event_schema_accepts_its_own_type_only() {
    for event_type in EVENT_TYPES.into_iter().chain(["sessionStart"]) {
        let validator = served_validator(event_type);
        for other in EVENT_TYPES {
            assert_eq!(
                validator.is_valid(&event_body(other)),
                event_type == other,
                "the served {event_type} schema on a valid {other} body"
            );
        }
        assert_eq!(
            validator.is_valid(&sample_body()),
            event_type == "sessionStart",
            "the served {event_type} schema on a valid sessionStart"
        );
    }
}
