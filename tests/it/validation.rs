//! The sessionStart body beyond its verdicts (the cases, rules V1–V10 of
//! docs/api.md, are the corpus's, in `corpus/starts.rs`): parsed values are
//! typed and exact, and the summary counts the errors.

use media_collector::domain::{AuthState, ParamValue, Scalar, SessionStart};
use serde_json::json;

use crate::corpus::{Change, Set, changed};
use crate::support::{full_body, sample_body};

fn apply(changes: &[Change]) -> String {
    changed(sample_body(), changes).to_string()
}

fn accepted(case: &str, body: &str) -> SessionStart {
    SessionStart::parse(body).unwrap_or_else(|invalid| panic!("{case}: rejected: {:?}", invalid.errors()))
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
fn the_summary_counts_the_errors() {
    let invalid = SessionStart::parse(&apply(&[Set("/eventType", json!("x"))])).unwrap_err();
    assert_eq!(invalid.to_string(), "the sessionStart body has 1 error");
    let invalid = SessionStart::parse(&apply(&[Set("/eventType", json!("x")), Set("/extra", json!(1))])).unwrap_err();
    assert_eq!(invalid.to_string(), "the sessionStart body has 2 errors");
}
