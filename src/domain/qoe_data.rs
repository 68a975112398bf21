//! `qoeData`: quality-of-experience figures. The standard keys have fixed
//! types (counts and rates are numbers ≥ 0, error ids and sources strings);
//! any other key may hold a string, a number or a boolean. A body may ask
//! more of some keys (an `error` event needs its error source): it passes
//! its own rules, which win over these.

use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::Value;

use super::field_errors::Collector;
use super::values::{Rule, Scalar, non_negative_number, scalar, scalar_object, string};

pub(crate) const BITRATE: &str = "media.qoe.bitrate";
pub(crate) const ERROR_ID: &str = "media.qoe.errorID";
pub(crate) const ERROR_SOURCE: &str = "media.qoe.errorSource";

/// Standard keys that hold numbers ≥ 0.
const NUMBERS: [&str; 4] = [
    BITRATE,
    "media.qoe.droppedFrames",
    "media.qoe.framesPerSecond",
    "media.qoe.timeToStart",
];
/// Standard keys that hold strings.
const STRINGS: [&str; 2] = [ERROR_ID, ERROR_SOURCE];

/// Parses the object at `at`. `overrides` are stricter rules for some keys.
pub(crate) fn parse(
    value: &Value,
    at: &PointerBuf,
    errors: &mut Collector,
    overrides: &[(&str, Rule)],
) -> Option<BTreeMap<String, Scalar>> {
    scalar_object(value, at, errors, |key| {
        overrides
            .iter()
            .find(|(name, _)| *name == key)
            .map_or_else(|| standard_rule(key), |(_, rule)| *rule)
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
