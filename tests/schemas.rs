//! `GET /api/v1/schemas/{eventType}`: the answer's headers, and the served
//! schemas against `openapi.yaml`, their source: every sample body in
//! `events/` must pass or fail the served schema exactly as it passes or
//! fails the API document's.

mod support;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::http::{RawBody, event_types, schema};
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Value, json};
use support::{config, event, event_files, event_json, request};

fn get(method: &str, path: &str) -> Response<Body> {
    let mut event = event_json("apigw-http-session-start.json");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["body"] = Value::Null;
    let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
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
    let posted = get("POST", "/api/v1/schemas/sessionStart");
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&posted, "allow"), Some("GET, OPTIONS"));
    let preflight = get("OPTIONS", "/api/v1/schemas/sessionStart");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(header(&preflight, "access-control-max-age").is_some());
    assert_eq!(get("GET", "/api/v1/sessions").status(), StatusCode::METHOD_NOT_ALLOWED);
}

fn openapi_validator(component: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(support::events_dir().join("../openapi.yaml")).unwrap();
    let document: Value = serde_yaml_ng::from_str(&text).unwrap();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{component}"),
        "components": document["components"],
    });
    jsonschema::draft202012::new(&schema).expect("the openapi.yaml schema compiles")
}

#[test]
fn every_sample_body_gets_the_same_verdict_from_the_served_schema_and_openapi_yaml() {
    let text = std::fs::read_to_string(support::events_dir().join("../openapi.yaml")).unwrap();
    let document: Value = serde_yaml_ng::from_str(&text).unwrap();
    let served_types: Vec<&str> = event_types().collect();
    let listed: Vec<String> = document["x-event-schemas"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
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
