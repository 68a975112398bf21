//! The event cases that are refused (rules E1–E6, docs/api.md): each
//! rule's failures with their pointers and messages, and several at once.

use serde_json::{Value, json};

use super::{Case, Remove, Set, Verdict, event, number, refused};

/// Beyond JSON Schema: DynamoDB's 38 significant digits.
const DIGITS: &str = "JSON Schema cannot count a number's significant digits";

pub fn cases() -> Vec<Case> {
    vec![
        // The frame: known keys, required parts.
        event(
            "unknown top-level key",
            "play",
            vec![Set("/extra", json!(1))],
            refused(&[("/extra", "not an allowed key; an event holds")]),
        ),
        event(
            "missing required parts",
            "play",
            vec![Remove("/playerTime"), Remove("/eventType")],
            refused(&[
                ("/playerTime", "is required"),
                ("/eventType", "is required and must be one of play, ping,"),
            ]),
        ),
        event(
            "null counts as missing",
            "play",
            vec![Set("/playerTime", Value::Null), Set("/eventType", Value::Null)],
            refused(&[("/playerTime", "is required"), ("/eventType", "is required")]),
        ),
        event(
            "params not an object",
            "play",
            vec![Set("/params", json!([]))],
            refused(&[("/params", "must be an object, not an array")]),
        ),
        event(
            "params not an object where some are required: reported once",
            "adStart",
            vec![Set("/params", json!("x"))],
            refused(&[("/params", "must be an object, not a string")]),
        ),
        // The type.
        event(
            "unknown type",
            "play",
            vec![Set("/eventType", json!("rewind"))],
            refused(&[("/eventType", "must be one of play, ping, bitrateChange,")]),
        ),
        event(
            "a type of another case",
            "play",
            vec![Set("/eventType", json!("Play"))],
            refused(&[("/eventType", "not \"Play\"")]),
        ),
        event(
            "a type that is not a string",
            "play",
            vec![Set("/eventType", json!(3))],
            refused(&[("/eventType", "not 3")]),
        ),
        event(
            "sessionStart is not an event",
            "play",
            vec![Set("/eventType", json!("sessionStart"))],
            refused(&[("/eventType", "POST /api/v1/sessions")]),
        ),
        // playerTime.
        event(
            "negative playhead",
            "play",
            vec![Set("/playerTime/playhead", json!(-0.5))],
            refused(&[("/playerTime/playhead", "at least 0")]),
        ),
        event(
            "playhead as text",
            "play",
            vec![Set("/playerTime/playhead", json!("1"))],
            refused(&[("/playerTime/playhead", "must be a number")]),
        ),
        event(
            "player time with an extra key",
            "play",
            vec![Set("/playerTime/extra", json!(1))],
            refused(&[("/playerTime/extra", "not an allowed key")]),
        ),
        event(
            "player time not an object",
            "play",
            vec![Set("/playerTime", json!(5))],
            refused(&[("/playerTime", "must be an object")]),
        ),
        event(
            "ts in seconds",
            "play",
            vec![Set("/playerTime/ts", json!(1_509_045_324))],
            refused(&[("/playerTime/ts", "1509045324 looks like seconds")]),
        ),
        event(
            "ts with a fraction",
            "play",
            vec![Set("/playerTime/ts", json!(1_509_045_324_153.5))],
            refused(&[("/playerTime/ts", "has a fraction")]),
        ),
        event(
            "ts past year 9999",
            "play",
            vec![Set("/playerTime/ts", json!(253_402_300_800_000_i64))],
            refused(&[("/playerTime/ts", "at most 253402300799999")]),
        ),
        // Required params, by type.
        event(
            "ad break without its params",
            "adBreakStart",
            vec![Remove("/params")],
            refused(&[
                ("/params/media.ad.podIndex", "is required for adBreakStart events"),
                ("/params/media.ad.podSecond", "is required for adBreakStart events"),
            ]),
        ),
        event(
            "ad break params of the wrong values",
            "adBreakStart",
            vec![
                Set("/params/media.ad.podIndex", json!(-2)),
                Set("/params/media.ad.podSecond", json!("0")),
            ],
            refused(&[
                ("/params/media.ad.podIndex", "integer of at least -1, not -2"),
                ("/params/media.ad.podSecond", "must be a number, not a string"),
            ]),
        ),
        event(
            "ad break index with a fraction, second below zero",
            "adBreakStart",
            vec![
                Set("/params/media.ad.podIndex", json!(1.5)),
                Set("/params/media.ad.podSecond", json!(-0.1)),
            ],
            refused(&[
                ("/params/media.ad.podIndex", "must be an integer, not 1.5"),
                ("/params/media.ad.podSecond", "at least 0, not -0.1"),
            ]),
        ),
        event(
            "ad without its params",
            "adStart",
            vec![Set("/params", json!({}))],
            refused(&[
                ("/params/media.ad.id", "is required for adStart events"),
                ("/params/media.ad.length", "is required for adStart events"),
                ("/params/media.ad.podPosition", "is required for adStart events"),
                ("/params/media.ad.playerName", "is required for adStart events"),
            ]),
        ),
        event(
            "ad params of the wrong values",
            "adStart",
            vec![
                Set("/params/media.ad.id", json!("")),
                Set("/params/media.ad.length", json!(-1)),
                Set("/params/media.ad.podPosition", json!(0)),
                Set("/params/media.ad.playerName", Value::Null),
            ],
            refused(&[
                ("/params/media.ad.id", "non-empty string"),
                ("/params/media.ad.length", "at least 0, not -1"),
                ("/params/media.ad.podPosition", "integer of at least 1, not 0"),
                ("/params/media.ad.playerName", "must be a string, not null"),
            ]),
        ),
        event(
            "chapter without its params",
            "chapterStart",
            vec![Remove("/params")],
            refused(&[
                ("/params/media.chapter.index", "is required for chapterStart events"),
                ("/params/media.chapter.offset", "is required for chapterStart events"),
                ("/params/media.chapter.length", "is required for chapterStart events"),
            ]),
        ),
        event(
            "chapter params of the wrong values",
            "chapterStart",
            vec![
                Set("/params/media.chapter.index", json!(-1)),
                Set("/params/media.chapter.offset", json!(-1)),
                Set("/params/media.chapter.length", json!(-2)),
            ],
            refused(&[
                ("/params/media.chapter.index", "at least 0, not -1"),
                ("/params/media.chapter.offset", "at least 0, not -1"),
                ("/params/media.chapter.length", "at least 0, not -2"),
            ]),
        ),
        event(
            "state start without its name",
            "stateStart",
            vec![Remove("/params/media.state.name")],
            refused(&[("/params/media.state.name", "is required for stateStart events")]),
        ),
        event(
            "state end with an empty name",
            "stateEnd",
            vec![Set("/params/media.state.name", json!(""))],
            refused(&[("/params/media.state.name", "non-empty string")]),
        ),
        event(
            "known optional params are strings",
            "adStart",
            vec![
                Set("/params/media.ad.name", json!(7)),
                Set("/params/media.chapter.friendlyName", json!(false)),
            ],
            refused(&[
                ("/params/media.ad.name", "must be a string, not a number"),
                ("/params/media.chapter.friendlyName", "must be a string, not a boolean"),
            ]),
        ),
        event(
            "other params are scalars",
            "play",
            vec![
                Set("/params/my.list", json!([1])),
                Set("/params/my.object", json!({})),
                Set("/params/my.nothing", Value::Null),
                Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}})),
            ],
            refused(&[
                ("/params/my.list", "not an array"),
                ("/params/my.object", "not an object"),
                ("/params/my.nothing", "not null"),
                ("/params/visitor.customerIDs", "not an object"),
            ]),
        ),
        event(
            "empty params key",
            "play",
            vec![Set("/params/", json!("x"))],
            refused(&[("/params/", "empty key")]),
        ),
        event(
            "numbers DynamoDB cannot hold",
            "play",
            vec![Set(
                "/params/my.precise",
                number("1.23456789012345678901234567890123456789"),
            )],
            Verdict::BeyondSchema(DIGITS, vec![("/params/my.precise", "38")]),
        ),
        // qoeData: never required, but typed.
        event(
            "bitrate change with a negative bitrate",
            "bitrateChange",
            vec![Set("/qoeData/media.qoe.bitrate", json!(-1))],
            refused(&[("/qoeData/media.qoe.bitrate", "at least 0")]),
        ),
        event(
            "error qoe data of the wrong types",
            "error",
            vec![
                Set("/qoeData/media.qoe.errorID", json!(true)),
                Set("/qoeData/media.qoe.errorSource", json!(5)),
            ],
            refused(&[
                (
                    "/qoeData/media.qoe.errorID",
                    "must be a string or a number, not a boolean",
                ),
                ("/qoeData/media.qoe.errorSource", "must be a string, not a number"),
            ]),
        ),
        event(
            "qoe data not an object: reported once",
            "error",
            vec![Set("/qoeData", json!(1))],
            refused(&[("/qoeData", "must be an object, not a number")]),
        ),
        event(
            "qoe data of the wrong types on any event",
            "ping",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.bitrate": -1, "media.qoe.timeToStart": "3", "media.qoe.errorID": null, "custom": [true]}),
            )],
            refused(&[
                ("/qoeData/media.qoe.bitrate", "at least 0"),
                ("/qoeData/media.qoe.timeToStart", "must be a number"),
                ("/qoeData/media.qoe.errorID", "must be a string or a number, not null"),
                ("/qoeData/custom", "not an array"),
            ]),
        ),
        // customMetadata: with any type, V9's keys and values.
        event(
            "custom metadata of a play event with a value of the wrong type",
            "play",
            vec![Set("/customMetadata", json!({"a": "b", "c": false}))],
            refused(&[("/customMetadata/c", "must be a string, not a boolean")]),
        ),
        event(
            "custom metadata of an ad with bad keys and values",
            "adStart",
            vec![Set("/customMetadata", json!({"bad key": "x", "count": 3}))],
            refused(&[
                ("/customMetadata/bad key", "^[A-Za-z0-9_.]+$"),
                ("/customMetadata/count", "must be a string"),
            ]),
        ),
        event(
            "custom metadata of a chapter not an object",
            "chapterStart",
            vec![Set("/customMetadata", json!(["x"]))],
            refused(&[("/customMetadata", "must be an object")]),
        ),
        event(
            "an unknown type: only the rules every event follows",
            "adStart",
            vec![
                Set("/eventType", json!("adBegin")),
                Set("/customMetadata", json!({"ok": "yes", "n": 1})),
                Remove("/params/media.ad.id"),
            ],
            refused(&[
                ("/eventType", "must be one of"),
                ("/customMetadata/n", "must be a string"),
            ]),
        ),
        // Several rules at once.
        event(
            "errors everywhere",
            "adStart",
            vec![
                Set("/playerTime/ts", json!(1_509_045_324)),
                Remove("/params/media.ad.id"),
                Set("/qoeData", json!({"media.qoe.bitrate": "fast"})),
                Set("/extra", json!(true)),
            ],
            refused(&[
                ("/extra", "not an allowed key"),
                ("/playerTime/ts", "looks like seconds"),
                ("/params/media.ad.id", "is required for adStart events"),
                ("/qoeData/media.qoe.bitrate", "must be a number"),
            ]),
        ),
    ]
}
