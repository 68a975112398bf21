//! The event cases that break one rule at a time (rules E1–E6,
//! docs/api.md), so that each schema is seen to hold each rule on its own,
//! and bodies that are no event object.

use serde_json::{Value, json};

use super::{Case, Remove, Set, event, number, refused, text, value};
use crate::support::sample_body;

pub fn cases() -> Vec<Case> {
    vec![
        // One rule broken at a time, so that each schema is seen to hold it.
        event(
            "no player time",
            "ping",
            vec![Remove("/playerTime")],
            refused(&[("/playerTime", "is required")]),
        ),
        event(
            "no event type",
            "ping",
            vec![Remove("/eventType")],
            refused(&[("/eventType", "is required and must be one of")]),
        ),
        event(
            "null playhead",
            "play",
            vec![Set("/playerTime/playhead", Value::Null)],
            refused(&[("/playerTime/playhead", "is required")]),
        ),
        event(
            "playhead too large for DynamoDB",
            "play",
            vec![Set("/playerTime/playhead", number("1e126"))],
            refused(&[(
                "/playerTime/playhead",
                "too large; DynamoDB stores magnitudes below 1e126",
            )]),
        ),
        event(
            "playhead too small for DynamoDB",
            "play",
            vec![Set("/playerTime/playhead", number("1e-131"))],
            refused(&[(
                "/playerTime/playhead",
                "too small; DynamoDB stores non-zero magnitudes from 1e-130",
            )]),
        ),
        event(
            "player time without ts",
            "play",
            vec![Remove("/playerTime/ts")],
            refused(&[("/playerTime/ts", "is required")]),
        ),
        event(
            "ts as text",
            "play",
            vec![Set("/playerTime/ts", json!("1509045324153"))],
            refused(&[("/playerTime/ts", "milliseconds since the Unix epoch, not a string")]),
        ),
        event(
            "ad break with null params",
            "adBreakStart",
            vec![Set("/params", Value::Null)],
            refused(&[
                ("/params/media.ad.podIndex", "is required for adBreakStart events"),
                ("/params/media.ad.podSecond", "is required for adBreakStart events"),
            ]),
        ),
        event(
            "ad break index with a fraction",
            "adBreakStart",
            vec![Set("/params/media.ad.podIndex", json!(1.5))],
            refused(&[("/params/media.ad.podIndex", "must be an integer, not 1.5")]),
        ),
        event(
            "ad break second below zero",
            "adBreakStart",
            vec![Set("/params/media.ad.podSecond", json!(-0.1))],
            refused(&[("/params/media.ad.podSecond", "at least 0, not -0.1")]),
        ),
        event(
            "ad without its id",
            "adStart",
            vec![Remove("/params/media.ad.id")],
            refused(&[("/params/media.ad.id", "is required for adStart events")]),
        ),
        event(
            "ad with an empty id",
            "adStart",
            vec![Set("/params/media.ad.id", json!(""))],
            refused(&[("/params/media.ad.id", "non-empty string")]),
        ),
        event(
            "ad at position 0",
            "adStart",
            vec![Set("/params/media.ad.podPosition", json!(0))],
            refused(&[("/params/media.ad.podPosition", "integer of at least 1, not 0")]),
        ),
        event(
            "ad with a null player name",
            "adStart",
            vec![Set("/params/media.ad.playerName", Value::Null)],
            refused(&[("/params/media.ad.playerName", "must be a string, not null")]),
        ),
        event(
            "ad of negative length",
            "adStart",
            vec![Set("/params/media.ad.length", json!(-1))],
            refused(&[("/params/media.ad.length", "at least 0, not -1")]),
        ),
        event(
            "ad length too large for DynamoDB",
            "adStart",
            vec![Set("/params/media.ad.length", number("1e126"))],
            refused(&[("/params/media.ad.length", "too large")]),
        ),
        event(
            "chapter at a negative index",
            "chapterStart",
            vec![Set("/params/media.chapter.index", json!(-1))],
            refused(&[("/params/media.chapter.index", "integer of at least 0, not -1")]),
        ),
        event(
            "chapter at a negative offset",
            "chapterStart",
            vec![Set("/params/media.chapter.offset", json!(-1))],
            refused(&[("/params/media.chapter.offset", "at least 0, not -1")]),
        ),
        event(
            "chapter of negative length",
            "chapterStart",
            vec![Set("/params/media.chapter.length", json!(-2))],
            refused(&[("/params/media.chapter.length", "at least 0, not -2")]),
        ),
        event(
            "state end without params",
            "stateEnd",
            vec![Remove("/params")],
            refused(&[("/params/media.state.name", "is required for stateEnd events")]),
        ),
        event(
            "known optional param not a string",
            "adStart",
            vec![Set("/params/media.ad.name", json!(7))],
            refused(&[("/params/media.ad.name", "must be a string, not a number")]),
        ),
        event(
            "friendly name not a string",
            "play",
            vec![Set("/params/media.chapter.friendlyName", json!(false))],
            refused(&[("/params/media.chapter.friendlyName", "must be a string, not a boolean")]),
        ),
        event(
            "other params: an array",
            "play",
            vec![Set("/params/my.list", json!([1]))],
            refused(&[("/params/my.list", "a string, a number or a boolean, not an array")]),
        ),
        event(
            "other params: an object",
            "play",
            vec![Set("/params/my.object", json!({}))],
            refused(&[("/params/my.object", "a string, a number or a boolean, not an object")]),
        ),
        event(
            "other params: null",
            "play",
            vec![Set("/params/my.nothing", Value::Null)],
            refused(&[("/params/my.nothing", "a string, a number or a boolean, not null")]),
        ),
        event(
            "customer ids are not an event param",
            "play",
            vec![Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}}))],
            refused(&[("/params/visitor.customerIDs", "not an object")]),
        ),
        event(
            "a param too large for DynamoDB",
            "play",
            vec![Set("/params/my.big", number("1e126"))],
            refused(&[("/params/my.big", "too large")]),
        ),
        event(
            "a param too small for DynamoDB",
            "play",
            vec![Set("/params/my.tiny", number("-1e-131"))],
            refused(&[("/params/my.tiny", "too small")]),
        ),
        event(
            "error id a boolean",
            "error",
            vec![Set("/qoeData/media.qoe.errorID", json!(true))],
            refused(&[(
                "/qoeData/media.qoe.errorID",
                "must be a string or a number, not a boolean",
            )]),
        ),
        event(
            "error source not a string",
            "error",
            vec![Set("/qoeData/media.qoe.errorSource", json!(1))],
            refused(&[("/qoeData/media.qoe.errorSource", "must be a string, not a number")]),
        ),
        event(
            "negative qoe counter",
            "ping",
            vec![Set("/qoeData", json!({"media.qoe.bitrate": -1}))],
            refused(&[("/qoeData/media.qoe.bitrate", "at least 0, not -1")]),
        ),
        event(
            "qoe counter as text",
            "ping",
            vec![Set("/qoeData", json!({"media.qoe.timeToStart": "3"}))],
            refused(&[("/qoeData/media.qoe.timeToStart", "must be a number, not a string")]),
        ),
        event(
            "other qoe data: an array",
            "ping",
            vec![Set("/qoeData", json!({"custom": [true]}))],
            refused(&[("/qoeData/custom", "not an array")]),
        ),
        event(
            "other qoe data: null",
            "ping",
            vec![Set("/qoeData", json!({"custom": null}))],
            refused(&[("/qoeData/custom", "not null")]),
        ),
        event(
            "empty qoe key",
            "ping",
            vec![Set("/qoeData", json!({"": 1}))],
            refused(&[("/qoeData/", "empty key")]),
        ),
        event(
            "custom metadata with a sessionEnd",
            "sessionEnd",
            vec![Set("/customMetadata", json!("x"))],
            refused(&[("/customMetadata", "must be an object of strings, not a string")]),
        ),
        event(
            "custom metadata with a bad key",
            "adStart",
            vec![Set("/customMetadata", json!({"bad key": "x"}))],
            refused(&[("/customMetadata/bad key", "^[A-Za-z0-9_.]+$")]),
        ),
        event(
            "custom metadata with an empty key",
            "adStart",
            vec![Set("/customMetadata", json!({"": "x"}))],
            refused(&[("/customMetadata/", "^[A-Za-z0-9_.]+$")]),
        ),
        event(
            "custom metadata with a number",
            "adStart",
            vec![Set("/customMetadata", json!({"count": 3}))],
            refused(&[("/customMetadata/count", "must be a string, not a number")]),
        ),
        event(
            "an unknown type with what another type needs",
            "adStart",
            vec![Set("/eventType", json!("adBegin"))],
            refused(&[("/eventType", "must be one of play, ping,")]),
        ),
        // Bodies that are no event object fail as a whole.
        text(
            "truncated JSON",
            "{\"playerTime\": {\"playhead\": 0,",
            refused(&[("", "line 1 column 30")]),
        ),
        text("empty body", " ", refused(&[("", "empty; send an event JSON object")])),
        value(
            "an array",
            json!([1, 2]),
            refused(&[("", "must be a JSON object, not an array")]),
        ),
        value("null", Value::Null, refused(&[("", "not null")])),
        value(
            "a string",
            json!("play"),
            refused(&[("", "must be a JSON object, not a string")]),
        ),
        value(
            "an empty object",
            json!({}),
            refused(&[("/playerTime", "is required"), ("/eventType", "is required")]),
        ),
        value(
            "a valid sessionStart",
            sample_body(),
            refused(&[("/eventType", "POST /api/v1/sessions")]),
        ),
    ]
}
