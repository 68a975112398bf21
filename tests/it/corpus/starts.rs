//! The sessionStart cases (docs/api.md, rules V1–V10): the sample body
//! of docs/api.md and its accepted variants, every rule's failures with
//! their pointers and messages, and bodies that are no JSON object.

use serde_json::{Value, json};

use super::{Case, Remove, Set, Verdict, accepted, number, refused, start, text, value};

/// Beyond JSON Schema: V3's comparison of two members of the body.
const PLAYHEAD_BELOW_LENGTH: &str = "playhead < media.length compares two values of the body";
/// Beyond JSON Schema: DynamoDB's 38 significant digits.
const DIGITS: &str = "JSON Schema cannot count a number's significant digits";

pub fn cases() -> Vec<Case> {
    vec![
        start("spec example", vec![], accepted()),
        start(
            "null optional parts count as missing",
            vec![Set("/customMetadata", Value::Null), Set("/qoeData", Value::Null)],
            accepted(),
        ),
        start(
            "no optional parts",
            vec![Remove("/customMetadata"), Remove("/qoeData")],
            accepted(),
        ),
        start(
            "fractional playhead",
            vec![Set("/playerTime/playhead", json!(60.3))],
            accepted(),
        ),
        start(
            "live playhead within the day",
            vec![
                Set("/params/media.contentType", json!("LiVe")),
                Set("/playerTime/playhead", json!(86399.999)),
            ],
            accepted(),
        ),
        start(
            "linear playhead beyond the length",
            vec![
                Set("/params/media.contentType", json!("linear")),
                Set("/playerTime/playhead", json!(100)),
            ],
            accepted(),
        ),
        start(
            "live stream of unknown length 0, as Adobe's SDKs send it",
            vec![
                Set("/params/media.contentType", json!("live")),
                Set("/params/media.length", json!(0)),
                Set("/playerTime/playhead", json!(43_200)),
            ],
            accepted(),
        ),
        start(
            "recorded content of unknown length 0: the playhead is compared with nothing",
            vec![
                Set("/params/media.length", json!(0)),
                Set("/playerTime/playhead", json!(3_600)),
            ],
            accepted(),
        ),
        start(
            "ts at the lower bound",
            vec![Set("/playerTime/ts", json!(100_000_000_000_i64))],
            accepted(),
        ),
        start(
            "ts at the upper bound",
            vec![Set("/playerTime/ts", json!(253_402_300_799_999_i64))],
            accepted(),
        ),
        start(
            "ts written with a zero fraction",
            vec![Set("/playerTime/ts", number("1509045324153.0"))],
            accepted(),
        ),
        start(
            "custom params of every scalar type",
            vec![
                Set("/params/a.b", json!("x")),
                Set("/params/c", json!(-1.5)),
                Set("/params/d", json!(true)),
                Set("/params/e", json!("")),
            ],
            accepted(),
        ),
        start(
            "customer ids without authState",
            vec![Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}}))],
            accepted(),
        ),
        start(
            "metadata keys with dots and underscores",
            vec![Set("/customMetadata", json!({"a.b_C9": "v"}))],
            accepted(),
        ),
        // V1
        start(
            "unknown top-level key",
            vec![Set("/extra", json!(1))],
            refused(&[("/extra", "not an allowed key")]),
        ),
        start(
            "missing required parts",
            vec![Remove("/playerTime"), Remove("/eventType"), Remove("/params")],
            refused(&[
                ("/playerTime", "is required"),
                ("/eventType", "is required"),
                ("/params", "is required"),
            ]),
        ),
        start(
            "null counts as missing",
            vec![Set("/playerTime", Value::Null)],
            refused(&[("/playerTime", "is required")]),
        ),
        start(
            "params not an object",
            vec![Set("/params", json!([]))],
            refused(&[("/params", "must be an object")]),
        ),
        // V2
        start(
            "wrong event type",
            vec![Set("/eventType", json!("play"))],
            refused(&[("/eventType", "must be \"sessionStart\"")]),
        ),
        start(
            "event type of another case",
            vec![Set("/eventType", json!("SessionStart"))],
            refused(&[("/eventType", "must be \"sessionStart\"")]),
        ),
        // V3
        start(
            "negative playhead",
            vec![Set("/playerTime/playhead", json!(-1))],
            refused(&[("/playerTime/playhead", "at least 0")]),
        ),
        start(
            "playhead as text",
            vec![Set("/playerTime/playhead", json!("0"))],
            refused(&[("/playerTime/playhead", "must be a number")]),
        ),
        start(
            "playhead at the media length",
            vec![Set("/playerTime/playhead", json!(60.39333333333333))],
            Verdict::BeyondSchema(
                PLAYHEAD_BELOW_LENGTH,
                vec![("/playerTime/playhead", "less than params/media.length")],
            ),
        ),
        start(
            "live playhead at 86400",
            vec![
                Set("/params/media.contentType", json!("Live")),
                Set("/playerTime/playhead", json!(86400)),
            ],
            refused(&[("/playerTime/playhead", "less than 86400")]),
        ),
        start(
            "player time with an extra key",
            vec![Set("/playerTime/extra", json!(1))],
            refused(&[("/playerTime/extra", "not an allowed key")]),
        ),
        start(
            "player time without its keys",
            vec![Set("/playerTime", json!({}))],
            refused(&[
                ("/playerTime/playhead", "is required"),
                ("/playerTime/ts", "is required"),
            ]),
        ),
        start(
            "player time not an object",
            vec![Set("/playerTime", json!(5))],
            refused(&[("/playerTime", "must be an object")]),
        ),
        // V4
        start(
            "ts in seconds",
            vec![Set("/playerTime/ts", json!(1_509_045_324))],
            refused(&[(
                "/playerTime/ts",
                "must be an integer number of milliseconds; 1509045324 looks like seconds",
            )]),
        ),
        start(
            "ts just below the range",
            vec![Set("/playerTime/ts", json!(99_999_999_999_i64))],
            refused(&[("/playerTime/ts", "looks like seconds")]),
        ),
        start(
            "ts with a fraction",
            vec![Set("/playerTime/ts", json!(1_509_045_324_153.5))],
            refused(&[("/playerTime/ts", "has a fraction")]),
        ),
        start(
            "ts past year 9999",
            vec![Set("/playerTime/ts", json!(253_402_300_800_000_i64))],
            refused(&[("/playerTime/ts", "at most 253402300799999")]),
        ),
        start(
            "ts as text",
            vec![Set("/playerTime/ts", json!("1509045324153"))],
            refused(&[("/playerTime/ts", "not a string")]),
        ),
        // V5
        start(
            "each required string missing",
            vec![
                Remove("/params/analytics.trackingServer"),
                Remove("/params/analytics.reportSuite"),
                Remove("/params/visitor.marketingCloudOrgId"),
                Remove("/params/media.id"),
                Remove("/params/media.contentType"),
                Remove("/params/media.playerName"),
                Remove("/params/media.channel"),
            ],
            refused(&[
                ("/params/analytics.trackingServer", "is required"),
                ("/params/analytics.reportSuite", "is required"),
                ("/params/visitor.marketingCloudOrgId", "is required"),
                ("/params/media.id", "is required"),
                ("/params/media.contentType", "is required"),
                ("/params/media.playerName", "is required"),
                ("/params/media.channel", "is required"),
            ]),
        ),
        start(
            "empty and non-string required strings",
            vec![
                Set("/params/media.id", json!("")),
                Set("/params/media.channel", json!(7)),
                Set("/params/media.playerName", Value::Null),
            ],
            refused(&[
                ("/params/media.id", "non-empty string"),
                ("/params/media.channel", "must be a string"),
                ("/params/media.playerName", "not null"),
            ]),
        ),
        // V6
        start(
            "media length missing",
            vec![Remove("/params/media.length")],
            refused(&[("/params/media.length", "is required")]),
        ),
        start(
            "media length negative",
            vec![Set("/params/media.length", json!(-0.001))],
            refused(&[("/params/media.length", "at least 0")]),
        ),
        start(
            "media length as text",
            vec![Set("/params/media.length", json!("60"))],
            refused(&[("/params/media.length", "not a string")]),
        ),
        // V7
        start(
            "known optional keys of the wrong type",
            vec![
                Set("/params/analytics.enableSSL", json!("false")),
                Set("/params/media.resume", json!(1)),
                Set("/params/media.name", json!(42)),
                Set("/params/analytics.visitorId", json!(false)),
                Set("/params/visitor.aamLocationHint", json!(1.5)),
            ],
            refused(&[
                ("/params/analytics.enableSSL", "must be a boolean"),
                ("/params/media.resume", "must be a boolean"),
                ("/params/media.name", "must be a string"),
                ("/params/analytics.visitorId", "must be a string"),
                ("/params/visitor.aamLocationHint", "must be an integer"),
            ]),
        ),
        start(
            "customer ids wrong inside",
            vec![Set(
                "/params/visitor.customerIDs",
                json!({"userId": {"authState": 3, "extra": 1}, "crm": "c-1", "x": {"id": 5, "authState": null}}),
            )],
            refused(&[
                ("/params/visitor.customerIDs/userId/id", "is required"),
                ("/params/visitor.customerIDs/userId/authState", "must be 0"),
                ("/params/visitor.customerIDs/userId/extra", "not an allowed key"),
                ("/params/visitor.customerIDs/crm", "must be an object"),
                ("/params/visitor.customerIDs/x/id", "must be a string"),
                ("/params/visitor.customerIDs/x/authState", "not null"),
            ]),
        ),
        start(
            "customer ids not an object",
            vec![Set("/params/visitor.customerIDs", json!(["u"]))],
            refused(&[("/params/visitor.customerIDs", "must be an object")]),
        ),
        // V8
        start(
            "custom params of the wrong type",
            vec![
                Set("/params/my.list", json!([1])),
                Set("/params/my.object", json!({})),
                Set("/params/my.nothing", Value::Null),
            ],
            refused(&[
                ("/params/my.list", "not an array"),
                ("/params/my.object", "not an object"),
                ("/params/my.nothing", "not null"),
            ]),
        ),
        start(
            "null known key",
            vec![Set("/params/media.name", Value::Null)],
            refused(&[("/params/media.name", "not null")]),
        ),
        start(
            "empty params key",
            vec![Set("/params/", json!("x"))],
            refused(&[("/params/", "empty key")]),
        ),
        // V9
        start(
            "metadata with bad keys and values",
            vec![Set(
                "/customMetadata",
                json!({"bad key": "x", "count": 3, "n": null, "ünï": "x"}),
            )],
            refused(&[
                ("/customMetadata/bad key", "^[A-Za-z0-9_.]+$"),
                ("/customMetadata/count", "must be a string"),
                ("/customMetadata/n", "not null"),
                ("/customMetadata/ünï", "^[A-Za-z0-9_.]+$"),
            ]),
        ),
        start(
            "metadata not an object",
            vec![Set("/customMetadata", json!("x"))],
            refused(&[("/customMetadata", "must be an object")]),
        ),
        // V10
        start(
            "qoe data of the wrong types",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.bitrate": -1, "media.qoe.droppedFrames": "3", "media.qoe.errorID": 7, "media.qoe.errorSource": null, "custom": [true]}),
            )],
            refused(&[
                ("/qoeData/media.qoe.bitrate", "at least 0"),
                ("/qoeData/media.qoe.droppedFrames", "must be a number"),
                ("/qoeData/media.qoe.errorID", "must be a string"),
                ("/qoeData/media.qoe.errorSource", "not null"),
                ("/qoeData/custom", "not an array"),
            ]),
        ),
        // What DynamoDB cannot store is refused here, not by a failed write.
        start(
            "a number of more than 38 significant digits",
            vec![Set(
                "/params/my.precise",
                number("1.23456789012345678901234567890123456789"),
            )],
            Verdict::BeyondSchema(DIGITS, vec![("/params/my.precise", "38")]),
        ),
        start(
            "a number too large for DynamoDB",
            vec![Set("/params/my.huge", number("1e126"))],
            refused(&[("/params/my.huge", "too large")]),
        ),
        start(
            "a number too small for DynamoDB",
            vec![Set("/qoeData/my.tiny", number("1e-131"))],
            refused(&[("/qoeData/my.tiny", "too small")]),
        ),
        // Several rules at once: the example of docs/api.md, "Errors".
        start(
            "the spec's two errors",
            vec![Set("/playerTime/ts", json!(1_509_045_324)), Remove("/params/media.id")],
            refused(&[
                (
                    "/playerTime/ts",
                    "must be an integer number of milliseconds; 1509045324 looks like seconds",
                ),
                ("/params/media.id", "is required"),
            ]),
        ),
        // Bodies that are no JSON object fail as a whole.
        text(
            "truncated JSON",
            "{\"playerTime\": {\"playhead\": 0,",
            refused(&[("", "line 1 column 30")]),
        ),
        text("two lines", "{\n  \"a\": x\n}", refused(&[("", "line 2 column 8")])),
        text("empty body", "", refused(&[("", "empty")])),
        value(
            "an array",
            json!([1, 2]),
            refused(&[("", "must be a JSON object, not an array")]),
        ),
        value("null", Value::Null, refused(&[("", "not null")])),
        value("a string", json!("sessionStart"), refused(&[("", "not a string")])),
    ]
}
