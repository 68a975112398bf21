//! How the parts of a body become DynamoDB attribute values, the same way for
//! a session and for an event: numbers go in as the exact text the client
//! sent (N), strings as S, flags as BOOL, objects as M (the attributes'
//! names are [`super::schema`]'s).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use serde_json::{Map, Value};

use super::schema::{CUSTOM_METADATA, EVENT_TYPE, PARAMS, PLAYER_TIME, PLAYHEAD, QOE_DATA, TS};
use crate::domain::metrics::{MetricValue, Metrics, Tracker};
use crate::domain::{CustomerId, Decimal, Fingerprint, ParamValue, PlayerTime, Scalar, plainly_storable};

/// `playerTime`: `playhead` and `ts`, both N.
pub(super) fn player_time(player_time: &PlayerTime) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        (PLAYHEAD.to_owned(), AttributeValue::N(player_time.playhead.to_string())),
        (TS.to_owned(), AttributeValue::N(player_time.ts.to_string())),
    ]))
}

/// A sessionStart's `params`: scalars, and the customer ids as M.
pub(super) fn params(params: &BTreeMap<String, ParamValue>) -> AttributeValue {
    map(params, param)
}

/// An object of scalars (an event's `params`, any `qoeData`).
pub(super) fn scalars(scalars: &BTreeMap<String, Scalar>) -> AttributeValue {
    map(scalars, scalar)
}

/// An object of strings (`customMetadata`).
pub(super) fn strings(strings: &BTreeMap<String, String>) -> AttributeValue {
    map(strings, |text| AttributeValue::S(text.clone()))
}

fn map<T>(values: &BTreeMap<String, T>, convert: impl Fn(&T) -> AttributeValue) -> AttributeValue {
    AttributeValue::M(
        values
            .iter()
            .map(|(key, value)| (key.clone(), convert(value)))
            .collect(),
    )
}

fn param(value: &ParamValue) -> AttributeValue {
    match value {
        ParamValue::Scalar(value) => scalar(value),
        ParamValue::CustomerIds(ids) => map(ids, customer_id),
    }
}

fn customer_id(customer_id: &CustomerId) -> AttributeValue {
    let mut fields = HashMap::from([("id".to_owned(), AttributeValue::S(customer_id.id.clone()))]);
    if let Some(state) = customer_id.auth_state {
        fields.insert("authState".to_owned(), AttributeValue::N((state as u8).to_string()));
    }
    AttributeValue::M(fields)
}

fn scalar(value: &Scalar) -> AttributeValue {
    match value {
        Scalar::Text(text) => AttributeValue::S(text.clone()),
        Scalar::Number(number) => AttributeValue::N(number.to_string()),
        Scalar::Bool(flag) => AttributeValue::Bool(*flag),
    }
}

/// `metrics`: each metric as N (its exact decimal text) or BOOL, and
/// `states` as M of M (`isSet`, `count`, `time`); absent metrics are absent.
pub(super) fn metrics(metrics: &Metrics) -> AttributeValue {
    AttributeValue::M(
        metrics
            .0
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    MetricValue::Number(text) => AttributeValue::N(storable(text)),
                    MetricValue::Bool(flag) => AttributeValue::Bool(*flag),
                    MetricValue::States(states) => AttributeValue::M(
                        states
                            .iter()
                            .map(|(state, metric)| {
                                let fields = HashMap::from([
                                    ("isSet".to_owned(), AttributeValue::Bool(true)),
                                    ("count".to_owned(), AttributeValue::N(metric.count.to_string())),
                                    ("time".to_owned(), AttributeValue::N(storable(&metric.time))),
                                ]);
                                (state.clone(), AttributeValue::M(fields))
                            })
                            .collect(),
                    ),
                };
                ((*name).to_owned(), value)
            })
            .collect(),
    )
}

/// A metric's exact decimal text as DynamoDB can hold it: every metric a
/// client can push out of DynamoDB's range (a `timeToStart` of `1e-130`
/// milliseconds is `1e-133` seconds; an average of bitrates near `1e125`
/// has more than 38 digits) is rounded to 38 significant digits, and a
/// magnitude below `1e-130` is 0. Every value a real player sends is
/// written as computed.
fn storable(text: &str) -> String {
    use bigdecimal::{BigDecimal, Zero};
    // Every value a real player's session gives, without reading it.
    if plainly_storable(text) {
        return text.to_owned();
    }
    let Ok(number) = text.parse::<serde_json::Number>() else {
        return text.to_owned();
    };
    if Decimal::from_json(&number).is_ok() {
        return text.to_owned();
    }
    let Ok(value) = text.parse::<BigDecimal>() else {
        return "0".to_owned();
    };
    if value.abs() < BigDecimal::new(1.into(), 130) {
        return "0".to_owned();
    }
    let rounded = value.with_prec(38).normalized();
    if rounded.is_zero() {
        "0".to_owned()
    } else {
        rounded.to_plain_string()
    }
}

/// `metricsState`: the computation's compact encoding, as B.
pub(super) fn metrics_state(tracker: &Tracker) -> AttributeValue {
    AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(tracker.encode()))
}

/// The fingerprint of the body an event item holds: its body's parts
/// ([`EVENT_TYPE`], [`PLAYER_TIME`], [`PARAMS`], [`CUSTOM_METADATA`],
/// [`QOE_DATA`]) as the JSON value they were written from, so that it equals
/// [`crate::domain::SessionEvent::fingerprint`] of the event stored there.
pub(super) fn body_fingerprint(item: &HashMap<String, AttributeValue>) -> Fingerprint {
    let body: Map<String, Value> = [EVENT_TYPE, PLAYER_TIME, PARAMS, CUSTOM_METADATA, QOE_DATA]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), json(item.get(name)?))))
        .collect();
    Fingerprint::of(&Value::Object(body))
}

/// An attribute value as the JSON value it was written from.
fn json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(number) => number.parse().map_or(Value::Null, Value::Number),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::M(members) => {
            Value::Object(members.iter().map(|(key, value)| (key.clone(), json(value))).collect())
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_kept_within_what_dynamodb_holds() {
        assert_eq!(storable("9.999"), "9.999");
        assert_eq!(storable("0"), "0");
        let tiny = format!("0.{}1", "0".repeat(132));
        assert_eq!(storable(&tiny), "0");
        let long = format!("1{}.5", "3".repeat(60));
        let kept = storable(&long);
        assert!(Decimal::from_json(&kept.parse().unwrap()).is_ok(), "{kept}");
        assert!(kept.starts_with("1333333333"), "{kept}");
        assert!(!plainly_storable("1e5") && !plainly_storable(".5") && !plainly_storable(""));
        assert!(!plainly_storable(&"1".repeat(39)) && plainly_storable(&"1".repeat(38)));
    }

    proptest::proptest! {
        /// The shortcut never keeps a number that reading it would change.
        #[test]
        fn a_plainly_storable_number_is_one_dynamodb_holds(
            negative: bool,
            digits in "[0-9]{1,38}",
            point in proptest::option::of(0_usize..38),
        ) {
            let (whole, fraction) = match point {
                Some(at) if at < digits.len() => (&digits[..=at], Some(&digits[at + 1..])),
                _ => (digits.as_str(), None),
            };
            let text = format!(
                "{}{whole}{}",
                if negative { "-" } else { "" },
                fraction.map(|digits| format!(".{digits}")).unwrap_or_default()
            );
            proptest::prop_assert!(plainly_storable(&text), "{}", text);
            if let Ok(number) = text.parse::<serde_json::Number>() {
                proptest::prop_assert!(Decimal::from_json(&number).is_ok(), "{}", text);
            }
            proptest::prop_assert_eq!(storable(&text), text);
        }
    }
}
