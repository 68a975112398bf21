//! `qoeData`: quality-of-experience figures. The standard keys have fixed
//! types (counts and rates are numbers ≥ 0, error ids and sources strings);
//! any other key may hold a string, a number or a boolean. Nothing in it is
//! ever required. Events take one liberty a sessionStart does not: an error
//! id may be a number, because players pass their error codes through.

use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::Value;

use super::field_errors::Collector;
use super::values::{Rule, Scalar, non_negative_number, scalar, scalar_object, string, type_name};

const ERROR_ID: &str = "media.qoe.errorID";

/// Standard keys that hold numbers ≥ 0.
const NUMBERS: [&str; 4] = [
    "media.qoe.bitrate",
    "media.qoe.droppedFrames",
    "media.qoe.framesPerSecond",
    "media.qoe.timeToStart",
];
/// Standard keys that hold strings.
const STRINGS: [&str; 2] = [ERROR_ID, "media.qoe.errorSource"];

/// The `qoeData` of a sessionStart, at `at`.
pub(crate) fn parse(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<BTreeMap<String, Scalar>> {
    scalar_object(value, at, errors, standard_rule)
}

/// The `qoeData` of an event, at `at`: as a sessionStart's, but the error
/// id may also be a number.
pub(crate) fn parse_for_event(
    value: &Value,
    at: &PointerBuf,
    errors: &mut Collector,
) -> Option<BTreeMap<String, Scalar>> {
    scalar_object(value, at, errors, |key| {
        if key == ERROR_ID {
            text_or_number
        } else {
            standard_rule(key)
        }
    })
}

fn standard_rule(key: &str) -> Rule {
    if NUMBERS.contains(&key) {
        |value| non_negative_number(value).map(Scalar::Number)
    } else if STRINGS.contains(&key) {
        |value| string(value).map(Scalar::Text)
    } else {
        scalar
    }
}

fn text_or_number(value: &Value) -> Result<Scalar, String> {
    match value {
        Value::String(_) | Value::Number(_) => scalar(value),
        other => Err(format!("must be a string or a number, not {}", type_name(other))),
    }
}
