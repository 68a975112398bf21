//! `customMetadata`: the player's own name/value strings. Keys are plain
//! (`^[A-Za-z0-9_.]+$`) so that reports can use them as column names.

use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::Value;

use super::field_errors::{Collector, child};
use super::values::{string, type_name};

/// Parses the object at `at`; every bad key and value is reported.
pub(crate) fn parse(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<BTreeMap<String, String>> {
    let Value::Object(object) = value else {
        errors.add(at, format!("must be an object of strings, not {}", type_name(value)));
        return None;
    };
    let mut metadata = BTreeMap::new();
    let mut complete = true;
    for (key, value) in object {
        let key_at = child(at, key);
        let valid_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid_key {
            errors.add(
                &key_at,
                "is not an allowed key; customMetadata keys match ^[A-Za-z0-9_.]+$",
            );
            complete = false;
        }
        match string(value) {
            Ok(text) => {
                metadata.insert(key.clone(), text);
            }
            Err(detail) => {
                errors.add(&key_at, detail);
                complete = false;
            }
        }
    }
    complete.then_some(metadata)
}
