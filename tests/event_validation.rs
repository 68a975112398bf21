//! The event body, table-driven: a valid body of every type, each rule's
//! failures with their pointers and messages, several errors at once, and the
//! key an event is stored under.

mod support;

use media_collector::domain::{EventType, Scalar, SessionEvent};
use serde_json::{Value, json};
use support::{Change, EVENT_TYPES, changed, event_body};

use Change::{Remove, Set};

/// A case name, the type of the valid body it starts from, its changes, and
/// the `(pointer, words)` of every error expected.
type FailingCase = (
    &'static str,
    &'static str,
    Vec<Change>,
    Vec<(&'static str, &'static str)>,
);

fn body(event_type: &str, changes: &[Change]) -> String {
    changed(event_body(event_type), changes).to_string()
}

fn accepted(case: &str, body: &str) -> SessionEvent {
    SessionEvent::parse(body).unwrap_or_else(|invalid| panic!("{case}: rejected: {:?}", invalid.errors()))
}

/// `(pointer, words the message must contain)` for each expected error.
fn assert_errors(case: &str, body: &str, expected: &[(&str, &str)]) {
    support::assert_errors(case, SessionEvent::parse(body), expected);
}

#[test]
fn a_valid_body_of_every_type_is_accepted_as_that_type() {
    assert_eq!(EVENT_TYPES.len(), EventType::ALL.len());
    for name in EVENT_TYPES {
        let event = accepted(name, &event_body(name).to_string());
        assert_eq!(event.event_type.name(), name, "the type is kept as sent");
        assert_eq!(event.key(), format!("001509045334153#{name}"));
    }
}

#[test]
fn content_complete_means_session_complete_under_its_old_name() {
    let event = accepted("contentComplete", &event_body("contentComplete").to_string());
    assert_eq!(event.event_type, EventType::ContentComplete);
    assert_eq!(event.event_type.canonical(), EventType::SessionComplete);
    assert!(!event.event_type.closes_session());
    assert!(
        accepted("sessionEnd", &event_body("sessionEnd").to_string())
            .event_type
            .closes_session()
    );
}

#[test]
fn variants_of_valid_bodies_are_accepted() {
    let cases: Vec<(&str, &str, Vec<Change>)> = vec![
        ("no params", "play", vec![Remove("/params")]),
        (
            "null params count as missing",
            "play",
            vec![Set("/params", Value::Null)],
        ),
        ("empty params", "pauseStart", vec![Set("/params", json!({}))]),
        (
            "null optional parts count as missing",
            "adStart",
            vec![Set("/customMetadata", Value::Null), Set("/qoeData", Value::Null)],
        ),
        (
            "no comparison of the playhead with a length",
            "play",
            vec![Set("/playerTime/playhead", json!(1e9))],
        ),
        (
            "ts written with a zero fraction",
            "ping",
            vec![Set("/playerTime/ts", serde_json::from_str("1509045324153.0").unwrap())],
        ),
        (
            "custom params of every scalar type",
            "play",
            vec![
                Set("/params/a.b", json!("x")),
                Set("/params/c", json!(-1.5)),
                Set("/params/d", json!(true)),
                Set("/params/e", json!("")),
            ],
        ),
        (
            "the sessionStart's known params follow only the scalar rule here",
            "play",
            vec![Set("/params/media.resume", json!("true"))],
        ),
        (
            "another type's params are plain scalars",
            "adComplete",
            vec![Set("/params/media.ad.podIndex", json!(-1))],
        ),
        (
            "integers written with a zero fraction",
            "adStart",
            vec![Set(
                "/params/media.ad.podPosition",
                serde_json::from_str("2.0").unwrap(),
            )],
        ),
        (
            "a pod at second 0 of index 0",
            "adBreakStart",
            vec![Set("/params/media.ad.podSecond", json!(0.0))],
        ),
        (
            "external error source",
            "error",
            vec![Set("/qoeData/media.qoe.errorSource", json!("external"))],
        ),
        (
            "qoe data on any type",
            "play",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.droppedFrames": 0, "custom.flag": false}),
            )],
        ),
        ("empty qoe data", "ping", vec![Set("/qoeData", json!({}))]),
        (
            "empty custom metadata with a chapter",
            "chapterStart",
            vec![Set("/customMetadata", json!({}))],
        ),
    ];
    for (case, event_type, changes) in cases {
        accepted(case, &body(event_type, &changes));
    }
}

/// What widely used players and the API's own documented sessions send:
/// the rules must take all of it (the README's Decisions say why).
#[test]
fn what_real_players_send_is_accepted() {
    let cases: Vec<(&str, &str, Vec<Change>)> = vec![
        (
            "an ad break with customMetadata and empty qoeData",
            "adBreakStart",
            vec![
                Set("/qoeData", json!({})),
                Set("/customMetadata", json!({})),
                Set("/params/media.ad.podIndex", json!(0)),
                Set("/params/media.ad.podSecond", json!(35)),
            ],
        ),
        (
            "a post-roll: pod index -1",
            "adBreakStart",
            vec![Set("/params/media.ad.podIndex", json!(-1))],
        ),
        (
            "a chapter a player could not number: index 0",
            "chapterStart",
            vec![
                Set("/params/media.chapter.index", json!(0)),
                Set("/params/media.chapter.offset", json!(940)),
                Set("/params/media.chapter.length", json!(100)),
            ],
        ),
        (
            "a chapter of unknown length 0, as Adobe's SDKs send it",
            "chapterStart",
            vec![Set("/params/media.chapter.length", json!(0))],
        ),
        (
            "a bitrate change whose bitrate the player could not read",
            "bitrateChange",
            vec![Set("/qoeData", json!({}))],
        ),
        (
            "a bitrate change without qoeData",
            "bitrateChange",
            vec![Remove("/qoeData")],
        ),
        ("an error with no data", "error", vec![Remove("/qoeData")]),
        (
            "an error whose id is a number, from a CDN",
            "error",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.errorID": 3002, "media.qoe.errorSource": "cdn"}),
            )],
        ),
        (
            "an error with an empty id",
            "error",
            vec![Set("/qoeData/media.qoe.errorID", json!(""))],
        ),
        (
            "the documented event body: empty params, qoeData and customMetadata",
            "play",
            vec![
                Set("/params", json!({})),
                Set("/qoeData", json!({})),
                Set("/customMetadata", json!({})),
            ],
        ),
        (
            "an ad of length 0 (its length unknown)",
            "adStart",
            vec![Set("/params/media.ad.length", json!(0))],
        ),
    ];
    for (case, event_type, changes) in cases {
        accepted(case, &body(event_type, &changes));
    }
    for name in EVENT_TYPES {
        let with_metadata = body(name, &[Set("/customMetadata", json!({"show.tier": "gold"}))]);
        let event = accepted(name, &with_metadata);
        assert_eq!(
            event.custom_metadata.expect("kept")["show.tier"],
            "gold",
            "{name}: customMetadata is kept with every type"
        );
    }
}

#[test]
fn parsed_values_are_typed_and_exact() {
    let event = accepted("adStart", &event_body("adStart").to_string());
    assert_eq!(event.event_type, EventType::AdStart);
    assert_eq!(event.player_time.playhead.as_str(), "12.5");
    assert_eq!(event.player_time.ts_millis(), 1_509_045_334_153);
    let params = event.params.expect("params were sent");
    let Scalar::Number(length) = &params["media.ad.length"] else {
        panic!("a number")
    };
    assert_eq!(length.as_str(), "15.333333333333333");
    assert_eq!(params["media.ad.id"], Scalar::Text("ad-1".into()));
    assert_eq!(event.custom_metadata.expect("sent")["ad.category"], "sports");
    assert!(event.qoe_data.is_none());

    let ping = accepted("ping", &event_body("ping").to_string());
    assert!(ping.params.is_none(), "not sent, not invented");
    let empty = accepted("play", &event_body("play").to_string());
    assert_eq!(
        empty.params.map(|params| params.len()),
        Some(0),
        "sent empty, kept empty"
    );
}

#[test]
fn the_key_pads_the_whole_milliseconds_and_keeps_the_name_as_sent() {
    for (ts, event_type, key) in [
        ("100000000000", "play", "000100000000000#play"),
        ("1509045324153.0", "contentComplete", "001509045324153#contentComplete"),
        ("1.509045324153e12", "ping", "001509045324153#ping"),
        ("253402300799999", "sessionEnd", "253402300799999#sessionEnd"),
    ] {
        let body = body(event_type, &[Set("/playerTime/ts", serde_json::from_str(ts).unwrap())]);
        assert_eq!(accepted(ts, &body).key(), key);
    }
}

#[test]
fn every_failing_rule_is_reported_where_it_fails() {
    let cases: Vec<FailingCase> = vec![
        // The frame: known keys, required parts.
        (
            "unknown top-level key",
            "play",
            vec![Set("/extra", json!(1))],
            vec![("/extra", "not an allowed key; an event holds")],
        ),
        (
            "missing required parts",
            "play",
            vec![Remove("/playerTime"), Remove("/eventType")],
            vec![
                ("/playerTime", "is required"),
                ("/eventType", "is required and must be one of play, ping,"),
            ],
        ),
        (
            "null counts as missing",
            "play",
            vec![Set("/playerTime", Value::Null), Set("/eventType", Value::Null)],
            vec![("/playerTime", "is required"), ("/eventType", "is required")],
        ),
        (
            "params not an object",
            "play",
            vec![Set("/params", json!([]))],
            vec![("/params", "must be an object, not an array")],
        ),
        (
            "params not an object where some are required: reported once",
            "adStart",
            vec![Set("/params", json!("x"))],
            vec![("/params", "must be an object, not a string")],
        ),
        // The type.
        (
            "unknown type",
            "play",
            vec![Set("/eventType", json!("rewind"))],
            vec![("/eventType", "must be one of play, ping, bitrateChange,")],
        ),
        (
            "a type of another case",
            "play",
            vec![Set("/eventType", json!("Play"))],
            vec![("/eventType", "not \"Play\"")],
        ),
        (
            "a type that is not a string",
            "play",
            vec![Set("/eventType", json!(3))],
            vec![("/eventType", "not 3")],
        ),
        (
            "sessionStart is not an event",
            "play",
            vec![Set("/eventType", json!("sessionStart"))],
            vec![("/eventType", "POST /api/v1/sessions")],
        ),
        // playerTime.
        (
            "negative playhead",
            "play",
            vec![Set("/playerTime/playhead", json!(-0.5))],
            vec![("/playerTime/playhead", "at least 0")],
        ),
        (
            "playhead as text",
            "play",
            vec![Set("/playerTime/playhead", json!("1"))],
            vec![("/playerTime/playhead", "must be a number")],
        ),
        (
            "player time with an extra key",
            "play",
            vec![Set("/playerTime/extra", json!(1))],
            vec![("/playerTime/extra", "not an allowed key")],
        ),
        (
            "player time not an object",
            "play",
            vec![Set("/playerTime", json!(5))],
            vec![("/playerTime", "must be an object")],
        ),
        (
            "ts in seconds",
            "play",
            vec![Set("/playerTime/ts", json!(1_509_045_324))],
            vec![("/playerTime/ts", "1509045324 looks like seconds")],
        ),
        (
            "ts with a fraction",
            "play",
            vec![Set("/playerTime/ts", json!(1_509_045_324_153.5))],
            vec![("/playerTime/ts", "has a fraction")],
        ),
        (
            "ts past year 9999",
            "play",
            vec![Set("/playerTime/ts", json!(253_402_300_800_000_i64))],
            vec![("/playerTime/ts", "at most 253402300799999")],
        ),
        // Required params, by type.
        (
            "ad break without its params",
            "adBreakStart",
            vec![Remove("/params")],
            vec![
                ("/params/media.ad.podIndex", "is required for adBreakStart events"),
                ("/params/media.ad.podSecond", "is required for adBreakStart events"),
            ],
        ),
        (
            "ad break params of the wrong values",
            "adBreakStart",
            vec![
                Set("/params/media.ad.podIndex", json!(-2)),
                Set("/params/media.ad.podSecond", json!("0")),
            ],
            vec![
                ("/params/media.ad.podIndex", "integer of at least -1, not -2"),
                ("/params/media.ad.podSecond", "must be a number, not a string"),
            ],
        ),
        (
            "ad break index with a fraction, second below zero",
            "adBreakStart",
            vec![
                Set("/params/media.ad.podIndex", json!(1.5)),
                Set("/params/media.ad.podSecond", json!(-0.1)),
            ],
            vec![
                ("/params/media.ad.podIndex", "must be an integer, not 1.5"),
                ("/params/media.ad.podSecond", "at least 0, not -0.1"),
            ],
        ),
        (
            "ad without its params",
            "adStart",
            vec![Set("/params", json!({}))],
            vec![
                ("/params/media.ad.id", "is required for adStart events"),
                ("/params/media.ad.length", "is required for adStart events"),
                ("/params/media.ad.podPosition", "is required for adStart events"),
                ("/params/media.ad.playerName", "is required for adStart events"),
            ],
        ),
        (
            "ad params of the wrong values",
            "adStart",
            vec![
                Set("/params/media.ad.id", json!("")),
                Set("/params/media.ad.length", json!(-1)),
                Set("/params/media.ad.podPosition", json!(0)),
                Set("/params/media.ad.playerName", Value::Null),
            ],
            vec![
                ("/params/media.ad.id", "non-empty string"),
                ("/params/media.ad.length", "at least 0, not -1"),
                ("/params/media.ad.podPosition", "integer of at least 1, not 0"),
                ("/params/media.ad.playerName", "must be a string, not null"),
            ],
        ),
        (
            "chapter without its params",
            "chapterStart",
            vec![Remove("/params")],
            vec![
                ("/params/media.chapter.index", "is required for chapterStart events"),
                ("/params/media.chapter.offset", "is required for chapterStart events"),
                ("/params/media.chapter.length", "is required for chapterStart events"),
            ],
        ),
        (
            "chapter params of the wrong values",
            "chapterStart",
            vec![
                Set("/params/media.chapter.index", json!(-1)),
                Set("/params/media.chapter.offset", json!(-1)),
                Set("/params/media.chapter.length", json!(-2)),
            ],
            vec![
                ("/params/media.chapter.index", "at least 0, not -1"),
                ("/params/media.chapter.offset", "at least 0, not -1"),
                ("/params/media.chapter.length", "at least 0, not -2"),
            ],
        ),
        (
            "state start without its name",
            "stateStart",
            vec![Remove("/params/media.state.name")],
            vec![("/params/media.state.name", "is required for stateStart events")],
        ),
        (
            "state end with an empty name",
            "stateEnd",
            vec![Set("/params/media.state.name", json!(""))],
            vec![("/params/media.state.name", "non-empty string")],
        ),
        (
            "known optional params are strings",
            "adStart",
            vec![
                Set("/params/media.ad.name", json!(7)),
                Set("/params/media.chapter.friendlyName", json!(false)),
            ],
            vec![
                ("/params/media.ad.name", "must be a string, not a number"),
                ("/params/media.chapter.friendlyName", "must be a string, not a boolean"),
            ],
        ),
        (
            "other params are scalars",
            "play",
            vec![
                Set("/params/my.list", json!([1])),
                Set("/params/my.object", json!({})),
                Set("/params/my.nothing", Value::Null),
                Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}})),
            ],
            vec![
                ("/params/my.list", "not an array"),
                ("/params/my.object", "not an object"),
                ("/params/my.nothing", "not null"),
                ("/params/visitor.customerIDs", "not an object"),
            ],
        ),
        (
            "empty params key",
            "play",
            vec![Set("/params/", json!("x"))],
            vec![("/params/", "empty key")],
        ),
        (
            "numbers DynamoDB cannot hold",
            "play",
            vec![Set(
                "/params/my.precise",
                serde_json::from_str("1.23456789012345678901234567890123456789").unwrap(),
            )],
            vec![("/params/my.precise", "38")],
        ),
        // qoeData: never required, but typed.
        (
            "bitrate change with a negative bitrate",
            "bitrateChange",
            vec![Set("/qoeData/media.qoe.bitrate", json!(-1))],
            vec![("/qoeData/media.qoe.bitrate", "at least 0")],
        ),
        (
            "error qoe data of the wrong types",
            "error",
            vec![
                Set("/qoeData/media.qoe.errorID", json!(true)),
                Set("/qoeData/media.qoe.errorSource", json!(5)),
            ],
            vec![
                (
                    "/qoeData/media.qoe.errorID",
                    "must be a string or a number, not a boolean",
                ),
                ("/qoeData/media.qoe.errorSource", "must be a string, not a number"),
            ],
        ),
        (
            "qoe data not an object: reported once",
            "error",
            vec![Set("/qoeData", json!(1))],
            vec![("/qoeData", "must be an object, not a number")],
        ),
        (
            "qoe data of the wrong types on any event",
            "ping",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.bitrate": -1, "media.qoe.timeToStart": "3", "media.qoe.errorID": null, "custom": [true]}),
            )],
            vec![
                ("/qoeData/media.qoe.bitrate", "at least 0"),
                ("/qoeData/media.qoe.timeToStart", "must be a number"),
                ("/qoeData/media.qoe.errorID", "must be a string or a number, not null"),
                ("/qoeData/custom", "not an array"),
            ],
        ),
        // customMetadata: with any type, V9's keys and values.
        (
            "custom metadata of a play event with a value of the wrong type",
            "play",
            vec![Set("/customMetadata", json!({"a": "b", "c": false}))],
            vec![("/customMetadata/c", "must be a string, not a boolean")],
        ),
        (
            "custom metadata of an ad with bad keys and values",
            "adStart",
            vec![Set("/customMetadata", json!({"bad key": "x", "count": 3}))],
            vec![
                ("/customMetadata/bad key", "^[A-Za-z0-9_.]+$"),
                ("/customMetadata/count", "must be a string"),
            ],
        ),
        (
            "custom metadata of a chapter not an object",
            "chapterStart",
            vec![Set("/customMetadata", json!(["x"]))],
            vec![("/customMetadata", "must be an object")],
        ),
        (
            "an unknown type: only the rules every event follows",
            "adStart",
            vec![
                Set("/eventType", json!("adBegin")),
                Set("/customMetadata", json!({"ok": "yes", "n": 1})),
                Remove("/params/media.ad.id"),
            ],
            vec![
                ("/eventType", "must be one of"),
                ("/customMetadata/n", "must be a string"),
            ],
        ),
        // Several rules at once.
        (
            "errors everywhere",
            "adStart",
            vec![
                Set("/playerTime/ts", json!(1_509_045_324)),
                Remove("/params/media.ad.id"),
                Set("/qoeData", json!({"media.qoe.bitrate": "fast"})),
                Set("/extra", json!(true)),
            ],
            vec![
                ("/extra", "not an allowed key"),
                ("/playerTime/ts", "looks like seconds"),
                ("/params/media.ad.id", "is required for adStart events"),
                ("/qoeData/media.qoe.bitrate", "must be a number"),
            ],
        ),
    ];
    for (case, event_type, changes, expected) in cases {
        assert_errors(case, &body(event_type, &changes), &expected);
    }
}

#[test]
fn errors_come_in_the_order_of_the_body() {
    let invalid = SessionEvent::parse(&body(
        "adStart",
        &[
            Set("/qoeData", json!({"x": null})),
            Set("/customMetadata", json!({"y": 1})),
            Remove("/params/media.ad.id"),
            Remove("/playerTime"),
            Set("/zzz", json!(1)),
        ],
    ))
    .unwrap_err();
    let pointers: Vec<&str> = invalid.errors().iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/zzz",
            "/playerTime",
            "/params/media.ad.id",
            "/customMetadata/y",
            "/qoeData/x"
        ]
    );
}

#[test]
fn a_body_that_is_not_a_json_object_fails_as_a_whole() {
    assert_errors(
        "truncated JSON",
        "{\"playerTime\": {\"playhead\": 0,",
        &[("", "line 1 column 30")],
    );
    assert_errors("empty body", " ", &[("", "empty; send an event JSON object")]);
    assert_errors("array", "[1,2]", &[("", "must be a JSON object, not an array")]);
    assert_errors("null", "null", &[("", "not null")]);
}

#[test]
fn the_summary_names_the_type_when_it_is_known() {
    let invalid = SessionEvent::parse(&body("play", &[Set("/extra", json!(1))])).unwrap_err();
    assert_eq!(invalid.to_string(), "the play event body has 1 error");
    assert_eq!(invalid.body(), "play event");
    let invalid = SessionEvent::parse(&body(
        "adStart",
        &[Remove("/params/media.ad.id"), Remove("/params/media.ad.length")],
    ))
    .unwrap_err();
    assert_eq!(invalid.to_string(), "the adStart event body has 2 errors");
    let invalid = SessionEvent::parse(&body(
        "play",
        &[Set("/eventType", json!("sessionStart")), Set("/extra", json!(1))],
    ))
    .unwrap_err();
    assert_eq!(invalid.to_string(), "the event body has 2 errors");
    assert_eq!(
        SessionEvent::parse("[]").unwrap_err().to_string(),
        "the event body has 1 error"
    );
}
