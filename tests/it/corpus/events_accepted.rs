//! The event cases that are accepted (rules E1–E6, docs/api.md): variants
//! of valid bodies, what real players send, and the bounds and spellings
//! the schemas must take as the parser does.

use serde_json::{Value, json};

use super::{Case, Remove, Set, accepted, event, number};

pub fn cases() -> Vec<Case> {
    vec![
        event("no params", "play", vec![Remove("/params")], accepted()),
        event(
            "null params count as missing",
            "play",
            vec![Set("/params", Value::Null)],
            accepted(),
        ),
        event(
            "empty params",
            "pauseStart",
            vec![Set("/params", json!({}))],
            accepted(),
        ),
        event(
            "null optional parts count as missing",
            "adStart",
            vec![Set("/customMetadata", Value::Null), Set("/qoeData", Value::Null)],
            accepted(),
        ),
        event(
            "no comparison of the playhead with a length",
            "play",
            vec![Set("/playerTime/playhead", json!(1e9))],
            accepted(),
        ),
        event(
            "ts written with a zero fraction",
            "ping",
            vec![Set("/playerTime/ts", number("1509045324153.0"))],
            accepted(),
        ),
        event(
            "custom params of every scalar type",
            "play",
            vec![
                Set("/params/a.b", json!("x")),
                Set("/params/c", json!(-1.5)),
                Set("/params/d", json!(true)),
                Set("/params/e", json!("")),
                Set("/params/f", number("1e-130")),
                Set("/params/g", number("-9.99e125")),
            ],
            accepted(),
        ),
        event(
            "the sessionStart's known params follow only the scalar rule here",
            "play",
            vec![Set("/params/media.resume", json!("true"))],
            accepted(),
        ),
        event(
            "another type's params are plain scalars",
            "adComplete",
            vec![Set("/params/media.ad.podIndex", json!(-1))],
            accepted(),
        ),
        event(
            "integers written with a zero fraction",
            "adStart",
            vec![Set("/params/media.ad.podPosition", number("2.0"))],
            accepted(),
        ),
        event(
            "a pod at second 0 of index 0",
            "adBreakStart",
            vec![Set("/params/media.ad.podSecond", json!(0.0))],
            accepted(),
        ),
        event(
            "external error source",
            "error",
            vec![Set("/qoeData/media.qoe.errorSource", json!("external"))],
            accepted(),
        ),
        event(
            "qoe data on any type",
            "play",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.droppedFrames": 0, "custom.flag": false}),
            )],
            accepted(),
        ),
        event("empty qoe data", "ping", vec![Set("/qoeData", json!({}))], accepted()),
        event(
            "empty custom metadata with a chapter",
            "chapterStart",
            vec![Set("/customMetadata", json!({}))],
            accepted(),
        ),
        // What widely used players and the API's own documented sessions send:
        // the rules must take all of it (docs/decisions.md says why).
        event(
            "an ad break with customMetadata and empty qoeData",
            "adBreakStart",
            vec![
                Set("/qoeData", json!({})),
                Set("/customMetadata", json!({})),
                Set("/params/media.ad.podIndex", json!(0)),
                Set("/params/media.ad.podSecond", json!(35)),
            ],
            accepted(),
        ),
        event(
            "a post-roll: pod index -1",
            "adBreakStart",
            vec![Set("/params/media.ad.podIndex", json!(-1))],
            accepted(),
        ),
        event(
            "a chapter a player could not number: index 0",
            "chapterStart",
            vec![
                Set("/params/media.chapter.index", json!(0)),
                Set("/params/media.chapter.offset", json!(940)),
                Set("/params/media.chapter.length", json!(100)),
            ],
            accepted(),
        ),
        event(
            "a chapter of unknown length 0, as Adobe's SDKs send it",
            "chapterStart",
            vec![Set("/params/media.chapter.length", json!(0))],
            accepted(),
        ),
        event(
            "a bitrate change whose bitrate the player could not read",
            "bitrateChange",
            vec![Set("/qoeData", json!({}))],
            accepted(),
        ),
        event(
            "a bitrate change without qoeData",
            "bitrateChange",
            vec![Remove("/qoeData")],
            accepted(),
        ),
        event("an error with no data", "error", vec![Remove("/qoeData")], accepted()),
        event(
            "an error whose id is a number, from a CDN",
            "error",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.errorID": 3002, "media.qoe.errorSource": "cdn"}),
            )],
            accepted(),
        ),
        event(
            "an error with an empty id",
            "error",
            vec![Set("/qoeData/media.qoe.errorID", json!(""))],
            accepted(),
        ),
        event(
            "the documented event body: empty params, qoeData and customMetadata",
            "play",
            vec![
                Set("/params", json!({})),
                Set("/qoeData", json!({})),
                Set("/customMetadata", json!({})),
            ],
            accepted(),
        ),
        event(
            "an ad of length 0 (its length unknown)",
            "adStart",
            vec![Set("/params/media.ad.length", json!(0))],
            accepted(),
        ),
        // Bounds and spellings the schemas must take as the parser does.
        event(
            "null custom metadata where none is allowed",
            "play",
            vec![Set("/customMetadata", Value::Null)],
            accepted(),
        ),
        event(
            "playhead 0",
            "ping",
            vec![Set("/playerTime/playhead", json!(0))],
            accepted(),
        ),
        event(
            "ts with an exponent",
            "ping",
            vec![Set("/playerTime/ts", number("1.509045324153e12"))],
            accepted(),
        ),
        event(
            "ts at its lower bound",
            "ping",
            vec![Set("/playerTime/ts", json!(100_000_000_000_i64))],
            accepted(),
        ),
        event(
            "ts at its upper bound",
            "ping",
            vec![Set("/playerTime/ts", json!(253_402_300_799_999_i64))],
            accepted(),
        ),
        event(
            "an integer with an exponent",
            "chapterStart",
            vec![Set("/params/media.chapter.index", number("1e2"))],
            accepted(),
        ),
        event(
            "the smallest ad length",
            "adStart",
            vec![Set("/params/media.ad.length", number("1e-130"))],
            accepted(),
        ),
        event(
            "chapter at index 0",
            "chapterStart",
            vec![Set("/params/media.chapter.index", json!(0))],
            accepted(),
        ),
        event(
            "an error with more qoe data",
            "error",
            vec![Set("/qoeData/media.qoe.bitrate", json!(0))],
            accepted(),
        ),
        event(
            "an empty error id where none is required",
            "ping",
            vec![Set("/qoeData", json!({"media.qoe.errorID": ""}))],
            accepted(),
        ),
        event(
            "error without its qoe data",
            "error",
            vec![Set("/qoeData", json!({"media.qoe.droppedFrames": 1}))],
            accepted(),
        ),
        event(
            "error source of another case",
            "error",
            vec![Set("/qoeData/media.qoe.errorSource", json!("Player"))],
            accepted(),
        ),
        event(
            "error id a number",
            "error",
            vec![Set("/qoeData/media.qoe.errorID", json!(42))],
            accepted(),
        ),
        event(
            "qoe error id a number on any event",
            "ping",
            vec![Set("/qoeData", json!({"media.qoe.errorID": 7}))],
            accepted(),
        ),
        event(
            "bitrate change with null qoe data",
            "bitrateChange",
            vec![Set("/qoeData", Value::Null)],
            accepted(),
        ),
        event(
            "bitrate change without a bitrate",
            "bitrateChange",
            vec![Remove("/qoeData/media.qoe.bitrate")],
            accepted(),
        ),
        event(
            "custom metadata key of every allowed kind",
            "adStart",
            vec![Set("/customMetadata", json!({"A_z.9": "v", "x": ""}))],
            accepted(),
        ),
        event(
            "custom metadata with a play event",
            "play",
            vec![Set("/customMetadata", json!({"a": "b"}))],
            accepted(),
        ),
        event(
            "empty custom metadata with contentComplete",
            "contentComplete",
            vec![Set("/customMetadata", json!({}))],
            accepted(),
        ),
    ]
}
