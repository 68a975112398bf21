//! `GET /api/v1/schemas/{eventType}`: the answer's headers, and the served
//! schemas against `openapi.yaml`, their source: every sample body in
//! `events/` must pass or fail the served schema exactly as it passes or
//! fails the API document's. For session events, the served schema of each
//! type, the request schema of `POST /api/v1/sessions/{sessionId}/events`
//! and the parser the function runs must give every body, valid or not, the
//! same verdict.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use media_collector::domain::SessionEvent;
use media_collector::http::{RawBody, event_types, schema};
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::{Value, json};
use support::{Change, EVENT_TYPES, changed, config, event, event_body, event_files, event_json, request, sample_body};

use Change::{Remove, Set};

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
        let app = support::app(config("sessions", &[]), InMemorySessionStore::default());
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

fn openapi_document() -> Value {
    let text = std::fs::read_to_string(support::events_dir().join("../openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// A validator for `reference`, a `#/components/schemas/...` reference into openapi.yaml.
fn openapi_reference_validator(document: &Value, reference: &str) -> jsonschema::Validator {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": reference,
        "components": document["components"],
    });
    jsonschema::draft202012::new(&schema).expect("the openapi.yaml schema compiles")
}

fn openapi_validator(component: &str) -> jsonschema::Validator {
    openapi_reference_validator(&openapi_document(), &format!("#/components/schemas/{component}"))
}

#[test]
fn every_sample_body_gets_the_same_verdict_from_the_served_schema_and_openapi_yaml() {
    let text = std::fs::read_to_string(support::events_dir().join("../openapi.yaml")).unwrap();
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

/// The served schema of `event_type`, compiled.
fn served_validator(event_type: &str) -> jsonschema::Validator {
    let served: Value = serde_json::from_str(schema(event_type).unwrap()).unwrap();
    jsonschema::draft202012::new(&served).unwrap_or_else(|e| panic!("the served {event_type} schema compiles: {e}"))
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

/// Every case: a name, whether the function accepts it, and the body.
fn event_cases() -> Vec<(String, bool, Value)> {
    let number = |text: &str| -> Value { serde_json::from_str(text).unwrap() };
    let mut cases: Vec<(String, bool, Value)> = EVENT_TYPES
        .iter()
        .map(|name| (format!("valid {name}"), true, event_body(name)))
        .collect();
    let mut case = |name: &str, valid: bool, event_type: &str, changes: Vec<Change>| {
        cases.push((name.to_owned(), valid, changed(event_body(event_type), &changes)));
    };

    // Accepted variants (tests/event_validation.rs, and a few more).
    case("no params", true, "play", vec![Remove("/params")]);
    case("null params", true, "play", vec![Set("/params", Value::Null)]);
    case("empty params", true, "pauseStart", vec![Set("/params", json!({}))]);
    case(
        "null optional parts",
        true,
        "adStart",
        vec![Set("/customMetadata", Value::Null), Set("/qoeData", Value::Null)],
    );
    case(
        "null custom metadata where none is allowed",
        true,
        "play",
        vec![Set("/customMetadata", Value::Null)],
    );
    case(
        "a playhead past any length",
        true,
        "play",
        vec![Set("/playerTime/playhead", json!(1e9))],
    );
    case("playhead 0", true, "ping", vec![Set("/playerTime/playhead", json!(0))]);
    case(
        "ts with a zero fraction",
        true,
        "ping",
        vec![Set("/playerTime/ts", number("1509045324153.0"))],
    );
    case(
        "ts with an exponent",
        true,
        "ping",
        vec![Set("/playerTime/ts", number("1.509045324153e12"))],
    );
    case(
        "ts at its lower bound",
        true,
        "ping",
        vec![Set("/playerTime/ts", json!(100_000_000_000_i64))],
    );
    case(
        "ts at its upper bound",
        true,
        "ping",
        vec![Set("/playerTime/ts", json!(253_402_300_799_999_i64))],
    );
    case(
        "custom params of every scalar type",
        true,
        "play",
        vec![
            Set("/params/a.b", json!("x")),
            Set("/params/c", json!(-1.5)),
            Set("/params/d", json!(true)),
            Set("/params/e", json!("")),
            Set("/params/f", number("1e-130")),
            Set("/params/g", number("-9.99e125")),
        ],
    );
    case(
        "a sessionStart param is a plain scalar here",
        true,
        "play",
        vec![Set("/params/media.resume", json!("true"))],
    );
    case(
        "another type's params are plain scalars",
        true,
        "adComplete",
        vec![Set("/params/media.ad.podIndex", json!(-1))],
    );
    case(
        "an integer with a zero fraction",
        true,
        "adStart",
        vec![Set("/params/media.ad.podPosition", number("2.0"))],
    );
    case(
        "an integer with an exponent",
        true,
        "chapterStart",
        vec![Set("/params/media.chapter.index", number("1e2"))],
    );
    case(
        "a pod at second 0 of index 0",
        true,
        "adBreakStart",
        vec![Set("/params/media.ad.podSecond", json!(0.0))],
    );
    case(
        "the smallest ad length",
        true,
        "adStart",
        vec![Set("/params/media.ad.length", number("1e-130"))],
    );
    case(
        "external error source",
        true,
        "error",
        vec![Set("/qoeData/media.qoe.errorSource", json!("external"))],
    );
    case(
        "an error with more qoe data",
        true,
        "error",
        vec![Set("/qoeData/media.qoe.bitrate", json!(0))],
    );
    case(
        "qoe data on any type",
        true,
        "play",
        vec![Set(
            "/qoeData",
            json!({"media.qoe.droppedFrames": 0, "custom.flag": false}),
        )],
    );
    case(
        "an empty error id where none is required",
        true,
        "ping",
        vec![Set("/qoeData", json!({"media.qoe.errorID": ""}))],
    );
    case("empty qoe data", true, "ping", vec![Set("/qoeData", json!({}))]);
    case(
        "empty custom metadata with a chapter",
        true,
        "chapterStart",
        vec![Set("/customMetadata", json!({}))],
    );
    case(
        "custom metadata key of every allowed kind",
        true,
        "adStart",
        vec![Set("/customMetadata", json!({"A_z.9": "v", "x": ""}))],
    );

    // Refused: every rule of tests/event_validation.rs that JSON Schema can
    // express, and a few more.
    case("unknown top-level key", false, "play", vec![Set("/extra", json!(1))]);
    case(
        "missing required parts",
        false,
        "play",
        vec![Remove("/playerTime"), Remove("/eventType")],
    );
    case("no player time", false, "ping", vec![Remove("/playerTime")]);
    case("no event type", false, "ping", vec![Remove("/eventType")]);
    case(
        "null counts as missing",
        false,
        "play",
        vec![Set("/playerTime", Value::Null), Set("/eventType", Value::Null)],
    );
    case("params not an object", false, "play", vec![Set("/params", json!([]))]);
    case(
        "params not an object where some are required",
        false,
        "adStart",
        vec![Set("/params", json!("x"))],
    );
    case("unknown type", false, "play", vec![Set("/eventType", json!("rewind"))]);
    case(
        "a type of another case",
        false,
        "play",
        vec![Set("/eventType", json!("Play"))],
    );
    case(
        "a type that is not a string",
        false,
        "play",
        vec![Set("/eventType", json!(3))],
    );
    case(
        "sessionStart is not an event",
        false,
        "play",
        vec![Set("/eventType", json!("sessionStart"))],
    );
    case(
        "negative playhead",
        false,
        "play",
        vec![Set("/playerTime/playhead", json!(-0.5))],
    );
    case(
        "playhead as text",
        false,
        "play",
        vec![Set("/playerTime/playhead", json!("1"))],
    );
    case(
        "null playhead",
        false,
        "play",
        vec![Set("/playerTime/playhead", Value::Null)],
    );
    case(
        "playhead too large for DynamoDB",
        false,
        "play",
        vec![Set("/playerTime/playhead", number("1e126"))],
    );
    case(
        "playhead too small for DynamoDB",
        false,
        "play",
        vec![Set("/playerTime/playhead", number("1e-131"))],
    );
    case(
        "player time with an extra key",
        false,
        "play",
        vec![Set("/playerTime/extra", json!(1))],
    );
    case(
        "player time not an object",
        false,
        "play",
        vec![Set("/playerTime", json!(5))],
    );
    case("player time without ts", false, "play", vec![Remove("/playerTime/ts")]);
    case(
        "ts in seconds",
        false,
        "play",
        vec![Set("/playerTime/ts", json!(1_509_045_324))],
    );
    case(
        "ts with a fraction",
        false,
        "play",
        vec![Set("/playerTime/ts", json!(1_509_045_324_153.5))],
    );
    case(
        "ts past year 9999",
        false,
        "play",
        vec![Set("/playerTime/ts", json!(253_402_300_800_000_i64))],
    );
    case(
        "ts as text",
        false,
        "play",
        vec![Set("/playerTime/ts", json!("1509045324153"))],
    );
    case(
        "ad break without its params",
        false,
        "adBreakStart",
        vec![Remove("/params")],
    );
    case(
        "ad break with null params",
        false,
        "adBreakStart",
        vec![Set("/params", Value::Null)],
    );
    case(
        "ad break params of the wrong values",
        false,
        "adBreakStart",
        vec![
            Set("/params/media.ad.podIndex", json!(-2)),
            Set("/params/media.ad.podSecond", json!("0")),
        ],
    );
    case(
        "ad break index with a fraction",
        false,
        "adBreakStart",
        vec![Set("/params/media.ad.podIndex", json!(1.5))],
    );
    case(
        "ad break second below zero",
        false,
        "adBreakStart",
        vec![Set("/params/media.ad.podSecond", json!(-0.1))],
    );
    case(
        "ad without its params",
        false,
        "adStart",
        vec![Set("/params", json!({}))],
    );
    case(
        "ad without its id",
        false,
        "adStart",
        vec![Remove("/params/media.ad.id")],
    );
    case(
        "ad with an empty id",
        false,
        "adStart",
        vec![Set("/params/media.ad.id", json!(""))],
    );
    case(
        "ad of length 0",
        true,
        "adStart",
        vec![Set("/params/media.ad.length", json!(0))],
    );
    case(
        "ad at position 0",
        false,
        "adStart",
        vec![Set("/params/media.ad.podPosition", json!(0))],
    );
    case(
        "ad with a null player name",
        false,
        "adStart",
        vec![Set("/params/media.ad.playerName", Value::Null)],
    );
    case(
        "ad length too large for DynamoDB",
        false,
        "adStart",
        vec![Set("/params/media.ad.length", number("1e126"))],
    );
    case(
        "chapter without its params",
        false,
        "chapterStart",
        vec![Remove("/params")],
    );
    case(
        "chapter at index 0",
        true,
        "chapterStart",
        vec![Set("/params/media.chapter.index", json!(0))],
    );
    case(
        "chapter at a negative index",
        false,
        "chapterStart",
        vec![Set("/params/media.chapter.index", json!(-1))],
    );
    case(
        "a post-roll ad break",
        true,
        "adBreakStart",
        vec![Set("/params/media.ad.podIndex", json!(-1))],
    );
    case(
        "ad of negative length",
        false,
        "adStart",
        vec![Set("/params/media.ad.length", json!(-1))],
    );
    case(
        "error id a boolean",
        false,
        "error",
        vec![Set("/qoeData/media.qoe.errorID", json!(true))],
    );
    case(
        "error source not a string",
        false,
        "error",
        vec![Set("/qoeData/media.qoe.errorSource", json!(1))],
    );
    case(
        "custom metadata with every part a player documents",
        true,
        "play",
        vec![
            Set("/params", json!({})),
            Set("/qoeData", json!({})),
            Set("/customMetadata", json!({})),
        ],
    );
    case(
        "chapter at a negative offset",
        false,
        "chapterStart",
        vec![Set("/params/media.chapter.offset", json!(-1))],
    );
    case(
        "chapter of negative length",
        false,
        "chapterStart",
        vec![Set("/params/media.chapter.length", json!(-2))],
    );
    case(
        "state start without its name",
        false,
        "stateStart",
        vec![Remove("/params/media.state.name")],
    );
    case(
        "state end with an empty name",
        false,
        "stateEnd",
        vec![Set("/params/media.state.name", json!(""))],
    );
    case("state end without params", false, "stateEnd", vec![Remove("/params")]);
    case(
        "known optional param not a string",
        false,
        "adStart",
        vec![Set("/params/media.ad.name", json!(7))],
    );
    case(
        "friendly name not a string",
        false,
        "play",
        vec![Set("/params/media.chapter.friendlyName", json!(false))],
    );
    case(
        "other params: an array",
        false,
        "play",
        vec![Set("/params/my.list", json!([1]))],
    );
    case(
        "other params: an object",
        false,
        "play",
        vec![Set("/params/my.object", json!({}))],
    );
    case(
        "other params: null",
        false,
        "play",
        vec![Set("/params/my.nothing", Value::Null)],
    );
    case(
        "customer ids are not an event param",
        false,
        "play",
        vec![Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}}))],
    );
    case("empty params key", false, "play", vec![Set("/params/", json!("x"))]);
    case(
        "a param too large for DynamoDB",
        false,
        "play",
        vec![Set("/params/my.big", number("1e126"))],
    );
    case(
        "a param too small for DynamoDB",
        false,
        "play",
        vec![Set("/params/my.tiny", number("-1e-131"))],
    );
    case(
        "bitrate change without qoe data",
        true,
        "bitrateChange",
        vec![Remove("/qoeData")],
    );
    case(
        "bitrate change with null qoe data",
        true,
        "bitrateChange",
        vec![Set("/qoeData", Value::Null)],
    );
    case(
        "bitrate change without a bitrate",
        true,
        "bitrateChange",
        vec![Remove("/qoeData/media.qoe.bitrate")],
    );
    case(
        "bitrate change with a negative bitrate",
        false,
        "bitrateChange",
        vec![Set("/qoeData/media.qoe.bitrate", json!(-1))],
    );
    case(
        "error without its qoe data",
        true,
        "error",
        vec![Set("/qoeData", json!({"media.qoe.droppedFrames": 1}))],
    );
    case(
        "error with an empty id",
        true,
        "error",
        vec![Set("/qoeData/media.qoe.errorID", json!(""))],
    );
    case(
        "error source of another case",
        true,
        "error",
        vec![Set("/qoeData/media.qoe.errorSource", json!("Player"))],
    );
    case(
        "error id a number",
        true,
        "error",
        vec![Set("/qoeData/media.qoe.errorID", json!(42))],
    );
    case(
        "qoe data not an object",
        false,
        "error",
        vec![Set("/qoeData", json!(1))],
    );
    case(
        "negative qoe counter",
        false,
        "ping",
        vec![Set("/qoeData", json!({"media.qoe.bitrate": -1}))],
    );
    case(
        "qoe counter as text",
        false,
        "ping",
        vec![Set("/qoeData", json!({"media.qoe.timeToStart": "3"}))],
    );
    case(
        "qoe error id a number on any event",
        true,
        "ping",
        vec![Set("/qoeData", json!({"media.qoe.errorID": 7}))],
    );
    case(
        "other qoe data: an array",
        false,
        "ping",
        vec![Set("/qoeData", json!({"custom": [true]}))],
    );
    case(
        "other qoe data: null",
        false,
        "ping",
        vec![Set("/qoeData", json!({"custom": null}))],
    );
    case("empty qoe key", false, "ping", vec![Set("/qoeData", json!({"": 1}))]);
    case(
        "custom metadata with a play event",
        true,
        "play",
        vec![Set("/customMetadata", json!({"a": "b"}))],
    );
    case(
        "empty custom metadata with contentComplete",
        true,
        "contentComplete",
        vec![Set("/customMetadata", json!({}))],
    );
    case(
        "custom metadata with a sessionEnd",
        false,
        "sessionEnd",
        vec![Set("/customMetadata", json!("x"))],
    );
    case(
        "custom metadata with a bad key",
        false,
        "adStart",
        vec![Set("/customMetadata", json!({"bad key": "x"}))],
    );
    case(
        "custom metadata with an empty key",
        false,
        "adStart",
        vec![Set("/customMetadata", json!({"": "x"}))],
    );
    case(
        "custom metadata with a number",
        false,
        "adStart",
        vec![Set("/customMetadata", json!({"count": 3}))],
    );
    case(
        "custom metadata not an object",
        false,
        "chapterStart",
        vec![Set("/customMetadata", json!(["x"]))],
    );
    case(
        "an unknown type with what another type needs",
        false,
        "adStart",
        vec![Set("/eventType", json!("adBegin"))],
    );
    case(
        "errors everywhere",
        false,
        "adStart",
        vec![
            Set("/playerTime/ts", json!(1_509_045_324)),
            Remove("/params/media.ad.id"),
            Set("/qoeData", json!({"media.qoe.bitrate": "fast"})),
            Set("/extra", json!(true)),
        ],
    );
    // Not here: "numbers DynamoDB cannot hold" (more than 38 significant
    // digits, e.g. 1.23456789012345678901234567890123456789). JSON Schema
    // cannot count digits, so the schemas accept what the function refuses;
    // openapi.yaml says so, and tests/event_validation.rs covers the rule.

    // Bodies of another shape.
    cases.push(("an array".to_owned(), false, json!([1, 2])));
    cases.push(("null".to_owned(), false, Value::Null));
    cases.push(("a string".to_owned(), false, json!("play")));
    cases.push(("an empty object".to_owned(), false, json!({})));
    cases.push(("a valid sessionStart".to_owned(), false, sample_body()));
    cases
}

#[test]
fn the_served_schemas_the_request_schema_and_the_parser_agree_on_every_event_body() {
    let document = openapi_document();
    let operation = &document["paths"]["/api/v1/sessions/{sessionId}/events"]["post"];
    let content = operation["requestBody"]["content"].as_object().unwrap();
    let request_schemas: Vec<(String, jsonschema::Validator)> = content
        .iter()
        .map(|(media_type, body)| {
            let reference = body["schema"]["$ref"].as_str().unwrap();
            (media_type.clone(), openapi_reference_validator(&document, reference))
        })
        .collect();
    assert!(request_schemas.len() >= 2, "application/json and text/plain");
    let served: BTreeMap<&str, jsonschema::Validator> =
        EVENT_TYPES.iter().map(|name| (*name, served_validator(name))).collect();

    let cases = event_cases();
    let mut names = BTreeSet::new();
    for (case, valid, body) in &cases {
        assert!(names.insert(case.as_str()), "{case}: a case name appears once");
        let parsed = SessionEvent::parse(&body.to_string());
        assert_eq!(
            parsed.is_ok(),
            *valid,
            "{case}: the parser's verdict ({:?}) is not the expected one\n{body}",
            parsed.err().map(|invalid| invalid.errors().to_vec())
        );
        for (media_type, request_schema) in &request_schemas {
            let errors: Vec<String> = request_schema.iter_errors(body).map(|e| e.to_string()).collect();
            assert_eq!(
                errors.is_empty(),
                *valid,
                "{case}: the {media_type} request schema disagrees with the parser: {errors:?}\n{body}"
            );
        }
        // The schema a client would fetch for this body's type, if it has one.
        if let Some(validator) = body["eventType"].as_str().and_then(|name| served.get(name)) {
            let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
            assert_eq!(
                errors.is_empty(),
                *valid,
                "{case}: the served schema disagrees with the parser: {errors:?}\n{body}"
            );
        }
    }
    assert!(cases.len() > 100, "only {} cases", cases.len());
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
