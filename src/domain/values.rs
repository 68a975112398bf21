//! The rules for one JSON value that every body shares: what "missing" means,
//! how a wrong value is described, and the checks that turn a value into a
//! typed one (a string, a boolean, an exact number, a stored scalar). Each
//! check returns the message for its value; the caller knows the pointer.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use super::decimal::Decimal;
use super::field_errors::{Collector, InvalidBody, child};

/// A value DynamoDB stores as S, N or BOOL.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Text(String),
    Number(Decimal),
    Bool(bool),
}

/// A check for one value of an object of scalars.
pub(crate) type Rule = fn(&Value) -> Result<Scalar, String>;

pub(crate) const EMPTY_KEY: &str = "is an empty key; DynamoDB cannot store it";

/// The value at `key`, treating `null` as absent (a top-level `null` is missing).
pub(crate) fn present<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

/// Reports a required value as missing; there is nothing to parse.
pub(crate) fn missing<T>(errors: &mut Collector, at: &PointerBuf) -> Option<T> {
    errors.add(at, "is required");
    None
}

/// A request body as one JSON value; `kind` (`sessionStart`, `event`) names
/// the body in the error, `noun` (`a sessionStart`) what to send instead of
/// nothing.
pub(crate) fn json_body(body: &str, kind: &str, noun: &str) -> Result<Value, InvalidBody> {
    if body.trim().is_empty() {
        return Err(InvalidBody::whole(
            kind,
            format!("the body is empty; send {noun} JSON object"),
        ));
    }
    serde_json::from_str(body).map_err(|error| InvalidBody::whole(kind, format!("the body is not valid JSON: {error}")))
}

/// The keys a body's top level may hold, sessionStart and events alike.
const TOP_LEVEL_KEYS: [&str; 5] = ["playerTime", "eventType", "params", "customMetadata", "qoeData"];

/// Reports every top-level key of a body that is none of
/// [`TOP_LEVEL_KEYS`]; `noun` (`a sessionStart`, `an event`) names the body.
pub(crate) fn unknown_top_level_keys(top: &Map<String, Value>, noun: &str, errors: &mut Collector) {
    let root = PointerBuf::root();
    for key in top.keys().filter(|key| !TOP_LEVEL_KEYS.contains(&key.as_str())) {
        errors.add(
            &child(&root, key),
            format!("is not an allowed key; {noun} holds playerTime, eventType, params, customMetadata and qoeData"),
        );
    }
}

/// The top level of a `kind` body, which must be an object.
pub(crate) fn top_object<'a>(value: &'a Value, kind: &str) -> Result<&'a Map<String, Value>, InvalidBody> {
    value.as_object().ok_or_else(|| {
        InvalidBody::whole(
            kind,
            format!("the body must be a JSON object, not {}", type_name(value)),
        )
    })
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short description of a wrong value: scalars as themselves, the rest by type.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) if text.chars().count() <= 40 => format!("{text:?}"),
        Value::Bool(flag) => flag.to_string(),
        other => type_name(other).to_owned(),
    }
}

pub(crate) fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(format!("must be a string, not {}", type_name(other))),
    }
}

pub(crate) fn non_empty_string(value: &Value) -> Result<String, String> {
    match string(value)? {
        text if text.is_empty() => Err("must be a non-empty string".to_owned()),
        text => Ok(text),
    }
}

pub(crate) fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        other => Err(format!("must be a boolean, not {}", type_name(other))),
    }
}

pub(crate) fn number(value: &Value) -> Result<Decimal, String> {
    match value {
        Value::Number(number) => Decimal::from_json(number),
        other => Err(format!("must be a number, not {}", type_name(other))),
    }
}

/// A whole number; `3.0` counts, as JSON Schema's `integer` does.
pub(crate) fn integer(value: &Value) -> Result<Decimal, String> {
    let number = match value {
        // A number DynamoDB cannot hold keeps the message that says so.
        Value::Number(_) => number(value)?,
        other => return Err(format!("must be an integer, not {}", describe(other))),
    };
    if number.is_integer() {
        Ok(number)
    } else {
        Err(format!("must be an integer, not {number}"))
    }
}

/// A whole number of at least `minimum`.
pub(crate) fn integer_from(value: &Value, minimum: i64) -> Result<Decimal, String> {
    let number = integer(value)?;
    if number.cmp_int(minimum) == Ordering::Less {
        Err(format!("must be an integer of at least {minimum}, not {number}"))
    } else {
        Ok(number)
    }
}

pub(crate) fn non_negative_number(value: &Value) -> Result<Decimal, String> {
    let number = number(value)?;
    if number.is_negative() {
        Err(format!("must be at least 0, not {number}"))
    } else {
        Ok(number)
    }
}

/// A value DynamoDB stores as S, N or BOOL; never an array, object or null.
pub(crate) fn scalar(value: &Value) -> Result<Scalar, String> {
    match value {
        Value::String(text) => Ok(Scalar::Text(text.clone())),
        Value::Bool(flag) => Ok(Scalar::Bool(*flag)),
        Value::Number(number) => Decimal::from_json(number).map(Scalar::Number),
        other => Err(format!(
            "must be a string, a number or a boolean, not {}",
            type_name(other)
        )),
    }
}

/// An object whose every value is a scalar, each checked by the rule that
/// `rule_for` gives its key. Every failing key is reported; the map comes
/// back only when all passed.
pub(crate) fn scalar_object(
    value: &Value,
    at: &PointerBuf,
    errors: &mut Collector,
    rule_for: impl Fn(&str) -> Rule,
) -> Option<BTreeMap<String, Scalar>> {
    let Value::Object(object) = value else {
        errors.add(at, format!("must be an object, not {}", type_name(value)));
        return None;
    };
    let mut scalars = BTreeMap::new();
    let mut complete = true;
    for (key, value) in object {
        let parsed = if key.is_empty() {
            Err(EMPTY_KEY.to_owned())
        } else {
            rule_for(key)(value)
        };
        match parsed {
            Ok(parsed) => {
                scalars.insert(key.clone(), parsed);
            }
            Err(detail) => {
                errors.add(&child(at, key), detail);
                complete = false;
            }
        }
    }
    complete.then_some(scalars)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        let value: Value = serde_json::from_str("3.0").unwrap();
        assert_eq!(integer_from(&value, 1).unwrap().as_str(), "3.0");
        assert!(integer_from(&json!(0), 1).unwrap_err().contains("at least 1, not 0"));
        assert!(integer_from(&json!(1.5), 0).unwrap_err().contains("integer, not 1.5"));
    }

    #[test]
    fn an_integer_too_long_to_store_says_so() {
        let value: Value = serde_json::from_str(&"9".repeat(39)).unwrap();
        let error = integer_from(&value, 0).unwrap_err();
        assert!(error.contains("38"), "{error}");
        assert!(integer(&json!("3")).unwrap_err().contains("integer, not \"3\""));
    }

    #[test]
    fn wrong_values_are_described_briefly() {
        assert_eq!(describe(&json!("x")), "\"x\"");
        assert_eq!(describe(&json!("x".repeat(41))), "a string");
        assert_eq!(describe(&json!([1])), "an array");
        assert_eq!(describe(&Value::Null), "null");
    }

    #[test]
    fn non_negative_includes_zero() {
        assert!(non_negative_number(&json!(0)).is_ok());
    }
}
