//! The event body beyond its verdicts (the cases, rules E1–E6 of
//! docs/api.md, are the corpus's, in `corpus/events_*.rs`): each type kept
//! as sent, what real players send kept whole, parsed values typed and
//! exact, the key an event is stored under, the errors' order and the
//! summary.

use media_collector::domain::{EventType, Scalar, SessionEvent};
use serde_json::json;

use crate::corpus::{Change, Remove, Set, changed};
use crate::support::{EVENT_TYPES, event_body};

fn body(event_type: &str, changes: &[Change]) -> String {
    changed(event_body(event_type), changes).to_string()
}

fn accepted(case: &str, body: &str) -> SessionEvent {
    SessionEvent::parse(body).unwrap_or_else(|invalid| panic!("{case}: rejected: {:?}", invalid.errors()))
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

/// What players send with any type: its `customMetadata`, kept whole.
#[test]
fn custom_metadata_is_kept_with_every_type() {
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
