//! Validation rules V1–V10 (docs/api.md), table-driven: each case changes the
//! sample body and names every error it must produce, pointer and message.

mod support;

use media_collector::domain::{AuthState, ParamValue, Scalar, SessionStart};
use serde_json::{Value, json};
use support::{Change, changed, full_body, sample_body};

use Change::{Remove, Set};

/// A case name, its changes, and the `(pointer, words)` of every error expected.
type FailingCase = (&'static str, Vec<Change>, Vec<(&'static str, &'static str)>);

fn apply(changes: &[Change]) -> String {
    changed(sample_body(), changes).to_string()
}

/// `(pointer, words the message must contain)` for each expected error.
fn assert_errors(case: &str, body: &str, expected: &[(&str, &str)]) {
    support::assert_errors(case, SessionStart::parse(body), expected);
}

fn accepted(case: &str, body: &str) -> SessionStart {
    SessionStart::parse(body).unwrap_or_else(|invalid| panic!("{case}: rejected: {:?}", invalid.errors()))
}

#[test]
fn the_spec_example_and_its_variants_are_accepted() {
    let cases: Vec<(&str, Vec<Change>)> = vec![
        ("spec example", vec![]),
        (
            "null optional parts count as missing",
            vec![Set("/customMetadata", Value::Null), Set("/qoeData", Value::Null)],
        ),
        ("no optional parts", vec![Remove("/customMetadata"), Remove("/qoeData")]),
        ("fractional playhead", vec![Set("/playerTime/playhead", json!(60.3))]),
        (
            "live playhead within the day",
            vec![
                Set("/params/media.contentType", json!("LiVe")),
                Set("/playerTime/playhead", json!(86399.999)),
            ],
        ),
        (
            "linear playhead beyond the length",
            vec![
                Set("/params/media.contentType", json!("linear")),
                Set("/playerTime/playhead", json!(100)),
            ],
        ),
        (
            "live stream of unknown length 0, as Adobe's SDKs send it",
            vec![
                Set("/params/media.contentType", json!("live")),
                Set("/params/media.length", json!(0)),
                Set("/playerTime/playhead", json!(43_200)),
            ],
        ),
        (
            "recorded content of unknown length 0: the playhead is compared with nothing",
            vec![
                Set("/params/media.length", json!(0)),
                Set("/playerTime/playhead", json!(3_600)),
            ],
        ),
        (
            "ts at the lower bound",
            vec![Set("/playerTime/ts", json!(100_000_000_000_i64))],
        ),
        (
            "ts at the upper bound",
            vec![Set("/playerTime/ts", json!(253_402_300_799_999_i64))],
        ),
        (
            "ts written with a zero fraction",
            vec![Set("/playerTime/ts", serde_json::from_str("1509045324153.0").unwrap())],
        ),
        (
            "custom params of every scalar type",
            vec![
                Set("/params/a.b", json!("x")),
                Set("/params/c", json!(-1.5)),
                Set("/params/d", json!(true)),
                Set("/params/e", json!("")),
            ],
        ),
        (
            "customer ids without authState",
            vec![Set("/params/visitor.customerIDs", json!({"crm": {"id": "c"}}))],
        ),
        (
            "metadata keys with dots and underscores",
            vec![Set("/customMetadata", json!({"a.b_C9": "v"}))],
        ),
    ];
    for (case, changes) in cases {
        accepted(case, &apply(&changes));
    }
}

#[test]
fn parsed_values_are_typed_and_exact() {
    let start = accepted("full body", &full_body().to_string());
    assert_eq!(start.player_time.playhead.as_str(), "0");
    assert_eq!(start.player_time.ts.as_str(), "1509045324153");
    let number = |key: &str| match &start.params[key] {
        ParamValue::Scalar(Scalar::Number(n)) => n.as_str().to_owned(),
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(number("media.length"), "60.39333333333333");
    assert_eq!(number("my.count"), "12345678901234567890.123456789012345678");
    assert_eq!(
        start.params["analytics.enableSSL"],
        ParamValue::Scalar(Scalar::Bool(false))
    );
    let ParamValue::CustomerIds(ids) = &start.params["visitor.customerIDs"] else {
        panic!("customer ids")
    };
    assert_eq!(ids["userId"].auth_state, Some(AuthState::Authenticated));
    assert_eq!(ids["crmId"].auth_state, None);
    assert_eq!(start.custom_metadata.unwrap()["myCustomData"], "value");
    assert_eq!(start.qoe_data.unwrap()["custom.qoe"], Scalar::Text("x".into()));
}

#[test]
fn every_failing_rule_is_reported_where_it_fails() {
    let cases: Vec<FailingCase> = vec![
        // V1
        (
            "unknown top-level key",
            vec![Set("/extra", json!(1))],
            vec![("/extra", "not an allowed key")],
        ),
        (
            "missing required parts",
            vec![Remove("/playerTime"), Remove("/eventType"), Remove("/params")],
            vec![
                ("/playerTime", "is required"),
                ("/eventType", "is required"),
                ("/params", "is required"),
            ],
        ),
        (
            "null counts as missing",
            vec![Set("/playerTime", Value::Null)],
            vec![("/playerTime", "is required")],
        ),
        (
            "params not an object",
            vec![Set("/params", json!([]))],
            vec![("/params", "must be an object")],
        ),
        // V2
        (
            "wrong event type",
            vec![Set("/eventType", json!("play"))],
            vec![("/eventType", "must be \"sessionStart\"")],
        ),
        (
            "event type of another case",
            vec![Set("/eventType", json!("SessionStart"))],
            vec![("/eventType", "must be \"sessionStart\"")],
        ),
        // V3
        (
            "negative playhead",
            vec![Set("/playerTime/playhead", json!(-1))],
            vec![("/playerTime/playhead", "at least 0")],
        ),
        (
            "playhead as text",
            vec![Set("/playerTime/playhead", json!("0"))],
            vec![("/playerTime/playhead", "must be a number")],
        ),
        (
            "playhead at the media length",
            vec![Set("/playerTime/playhead", json!(60.39333333333333))],
            vec![("/playerTime/playhead", "less than params/media.length")],
        ),
        (
            "live playhead at 86400",
            vec![
                Set("/params/media.contentType", json!("Live")),
                Set("/playerTime/playhead", json!(86400)),
            ],
            vec![("/playerTime/playhead", "less than 86400")],
        ),
        (
            "player time with an extra key",
            vec![Set("/playerTime/extra", json!(1))],
            vec![("/playerTime/extra", "not an allowed key")],
        ),
        (
            "player time without its keys",
            vec![Set("/playerTime", json!({}))],
            vec![
                ("/playerTime/playhead", "is required"),
                ("/playerTime/ts", "is required"),
            ],
        ),
        (
            "player time not an object",
            vec![Set("/playerTime", json!(5))],
            vec![("/playerTime", "must be an object")],
        ),
        // V4
        (
            "ts in seconds",
            vec![Set("/playerTime/ts", json!(1_509_045_324))],
            vec![(
                "/playerTime/ts",
                "must be an integer number of milliseconds; 1509045324 looks like seconds",
            )],
        ),
        (
            "ts just below the range",
            vec![Set("/playerTime/ts", json!(99_999_999_999_i64))],
            vec![("/playerTime/ts", "looks like seconds")],
        ),
        (
            "ts with a fraction",
            vec![Set("/playerTime/ts", json!(1_509_045_324_153.5))],
            vec![("/playerTime/ts", "has a fraction")],
        ),
        (
            "ts past year 9999",
            vec![Set("/playerTime/ts", json!(253_402_300_800_000_i64))],
            vec![("/playerTime/ts", "at most 253402300799999")],
        ),
        (
            "ts as text",
            vec![Set("/playerTime/ts", json!("1509045324153"))],
            vec![("/playerTime/ts", "not a string")],
        ),
        // V5
        (
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
            vec![
                ("/params/analytics.trackingServer", "is required"),
                ("/params/analytics.reportSuite", "is required"),
                ("/params/visitor.marketingCloudOrgId", "is required"),
                ("/params/media.id", "is required"),
                ("/params/media.contentType", "is required"),
                ("/params/media.playerName", "is required"),
                ("/params/media.channel", "is required"),
            ],
        ),
        (
            "empty and non-string required strings",
            vec![
                Set("/params/media.id", json!("")),
                Set("/params/media.channel", json!(7)),
                Set("/params/media.playerName", Value::Null),
            ],
            vec![
                ("/params/media.id", "non-empty string"),
                ("/params/media.channel", "must be a string"),
                ("/params/media.playerName", "not null"),
            ],
        ),
        // V6
        (
            "media length missing",
            vec![Remove("/params/media.length")],
            vec![("/params/media.length", "is required")],
        ),
        (
            "media length negative",
            vec![Set("/params/media.length", json!(-0.001))],
            vec![("/params/media.length", "at least 0")],
        ),
        (
            "media length as text",
            vec![Set("/params/media.length", json!("60"))],
            vec![("/params/media.length", "not a string")],
        ),
        // V7
        (
            "known optional keys of the wrong type",
            vec![
                Set("/params/analytics.enableSSL", json!("false")),
                Set("/params/media.resume", json!(1)),
                Set("/params/media.name", json!(42)),
                Set("/params/analytics.visitorId", json!(false)),
                Set("/params/visitor.aamLocationHint", json!(1.5)),
            ],
            vec![
                ("/params/analytics.enableSSL", "must be a boolean"),
                ("/params/media.resume", "must be a boolean"),
                ("/params/media.name", "must be a string"),
                ("/params/analytics.visitorId", "must be a string"),
                ("/params/visitor.aamLocationHint", "must be an integer"),
            ],
        ),
        (
            "customer ids wrong inside",
            vec![Set(
                "/params/visitor.customerIDs",
                json!({"userId": {"authState": 3, "extra": 1}, "crm": "c-1", "x": {"id": 5, "authState": null}}),
            )],
            vec![
                ("/params/visitor.customerIDs/userId/id", "is required"),
                ("/params/visitor.customerIDs/userId/authState", "must be 0"),
                ("/params/visitor.customerIDs/userId/extra", "not an allowed key"),
                ("/params/visitor.customerIDs/crm", "must be an object"),
                ("/params/visitor.customerIDs/x/id", "must be a string"),
                ("/params/visitor.customerIDs/x/authState", "not null"),
            ],
        ),
        (
            "customer ids not an object",
            vec![Set("/params/visitor.customerIDs", json!(["u"]))],
            vec![("/params/visitor.customerIDs", "must be an object")],
        ),
        // V8
        (
            "custom params of the wrong type",
            vec![
                Set("/params/my.list", json!([1])),
                Set("/params/my.object", json!({})),
                Set("/params/my.nothing", Value::Null),
            ],
            vec![
                ("/params/my.list", "not an array"),
                ("/params/my.object", "not an object"),
                ("/params/my.nothing", "not null"),
            ],
        ),
        (
            "null known key",
            vec![Set("/params/media.name", Value::Null)],
            vec![("/params/media.name", "not null")],
        ),
        (
            "empty params key",
            vec![Set("/params/", json!("x"))],
            vec![("/params/", "empty key")],
        ),
        // V9
        (
            "metadata with bad keys and values",
            vec![Set(
                "/customMetadata",
                json!({"bad key": "x", "count": 3, "n": null, "ünï": "x"}),
            )],
            vec![
                ("/customMetadata/bad key", "^[A-Za-z0-9_.]+$"),
                ("/customMetadata/count", "must be a string"),
                ("/customMetadata/n", "not null"),
                ("/customMetadata/ünï", "^[A-Za-z0-9_.]+$"),
            ],
        ),
        (
            "metadata not an object",
            vec![Set("/customMetadata", json!("x"))],
            vec![("/customMetadata", "must be an object")],
        ),
        // V10
        (
            "qoe data of the wrong types",
            vec![Set(
                "/qoeData",
                json!({"media.qoe.bitrate": -1, "media.qoe.droppedFrames": "3", "media.qoe.errorID": 7, "media.qoe.errorSource": null, "custom": [true]}),
            )],
            vec![
                ("/qoeData/media.qoe.bitrate", "at least 0"),
                ("/qoeData/media.qoe.droppedFrames", "must be a number"),
                ("/qoeData/media.qoe.errorID", "must be a string"),
                ("/qoeData/media.qoe.errorSource", "not null"),
                ("/qoeData/custom", "not an array"),
            ],
        ),
        // What DynamoDB cannot store is refused here, not by a failed write.
        (
            "numbers DynamoDB cannot hold",
            vec![
                Set(
                    "/params/my.precise",
                    serde_json::from_str("1.23456789012345678901234567890123456789").unwrap(),
                ),
                Set("/params/my.huge", serde_json::from_str("1e126").unwrap()),
            ],
            vec![("/params/my.precise", "38"), ("/params/my.huge", "too large")],
        ),
        // Several rules at once: the example of docs/api.md, "Errors".
        (
            "the spec's two errors",
            vec![Set("/playerTime/ts", json!(1_509_045_324)), Remove("/params/media.id")],
            vec![
                (
                    "/playerTime/ts",
                    "must be an integer number of milliseconds; 1509045324 looks like seconds",
                ),
                ("/params/media.id", "is required"),
            ],
        ),
    ];
    for (case, changes, expected) in cases {
        assert_errors(case, &apply(&changes), &expected);
    }
}

#[test]
fn a_body_that_is_not_a_json_object_fails_as_a_whole() {
    assert_errors(
        "truncated JSON",
        "{\"playerTime\": {\"playhead\": 0,",
        &[("", "line 1 column 30")],
    );
    assert_errors("two lines", "{\n  \"a\": x\n}", &[("", "line 2 column 8")]);
    assert_errors("empty body", "", &[("", "empty")]);
    assert_errors("array", "[1,2]", &[("", "must be a JSON object, not an array")]);
    assert_errors("null", "null", &[("", "not null")]);
    assert_errors("string", "\"sessionStart\"", &[("", "not a string")]);
}

#[test]
fn the_summary_counts_the_errors() {
    let invalid = SessionStart::parse(&apply(&[Set("/eventType", json!("x"))])).unwrap_err();
    assert_eq!(invalid.to_string(), "the sessionStart body has 1 error");
    let invalid = SessionStart::parse(&apply(&[Set("/eventType", json!("x")), Set("/extra", json!(1))])).unwrap_err();
    assert_eq!(invalid.to_string(), "the sessionStart body has 2 errors");
}
