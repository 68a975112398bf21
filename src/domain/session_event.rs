//! An event body, parsed once into a [`SessionEvent`]. Every event follows
//! the same frame (`playerTime` and `eventType` required; `params`,
//! `customMetadata` and `qoeData` optional; nothing else); its type then
//! decides which params it needs. As for a sessionStart, every failing rule
//! is reported.

use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use super::event_type::{EventType, OPTIONAL_STRING_PARAMS, UnknownEventType};
use super::field_errors::{Collector, InvalidBody, child};
use super::player_time::PlayerTime;
use super::values::{
    Rule, Scalar, describe, json_body, missing, present, scalar, scalar_object, string, top_object,
    unknown_top_level_keys,
};
use super::{custom_metadata, qoe_data};

/// What an event body is called in messages before its type is known.
const ANY_EVENT: &str = "event";
/// `playerTime.ts` has at most 15 digits (year 9999 in milliseconds).
const TS_DIGITS: usize = 15;

/// A valid event. The optional parts are `Some` exactly when they were sent
/// (and not `null`).
#[derive(Debug, Clone)]
pub struct SessionEvent {
    pub event_type: EventType,
    pub player_time: PlayerTime,
    pub params: Option<BTreeMap<String, Scalar>>,
    pub custom_metadata: Option<BTreeMap<String, String>>,
    pub qoe_data: Option<BTreeMap<String, Scalar>>,
}

impl SessionEvent {
    /// Parses a request body. On failure, every broken rule is in the error.
    pub fn parse(body: &str) -> Result<Self, InvalidBody> {
        let value = json_body(body, ANY_EVENT, "an event")?;
        Self::from_object(top_object(&value, ANY_EVENT)?)
    }

    /// Where the event is kept within its session: `playerTime.ts` as 15
    /// digits, `#`, the type as sent (`001509045324153#play`). Events sort by
    /// player time, and a retried event lands on the same key.
    pub fn key(&self) -> String {
        format!(
            "{:0width$}#{}",
            self.player_time.ts_millis(),
            self.event_type.name(),
            width = TS_DIGITS
        )
    }

    pub(crate) fn from_object(top: &Map<String, Value>) -> Result<Self, InvalidBody> {
        let mut errors = Collector::default();
        let root = PointerBuf::root();

        unknown_top_level_keys(top, "an event", &mut errors);

        let player_time = match present(top, "playerTime") {
            None => missing(&mut errors, &child(&root, "playerTime")),
            Some(value) => PlayerTime::parse(value, &child(&root, "playerTime"), &mut errors, |_| None),
        };

        let event_type = parse_event_type(present(top, "eventType"), &child(&root, "eventType"), &mut errors);

        let params_at = child(&root, "params");
        let required_params = event_type.map_or(&[][..], EventType::required_params);
        let params_value = present(top, "params");
        require_params(required_params, params_value, &params_at, event_type, &mut errors);
        let params = match params_value {
            None => Some(None),
            Some(value) => scalar_object(value, &params_at, &mut errors, |key| {
                rule_in(required_params, key).unwrap_or_else(|| optional_param_rule(key))
            })
            .map(Some),
        };

        let custom_metadata = match present(top, "customMetadata") {
            None => Some(None),
            Some(value) => custom_metadata::parse(value, &child(&root, "customMetadata"), &mut errors).map(Some),
        };

        let qoe_data = match present(top, "qoeData") {
            None => Some(None),
            Some(value) => qoe_data::parse_for_event(value, &child(&root, "qoeData"), &mut errors).map(Some),
        };

        let parsed = (|| {
            Some(SessionEvent {
                event_type: event_type?,
                player_time: player_time?,
                params: params?,
                custom_metadata: custom_metadata?,
                qoe_data: qoe_data?,
            })
        })();
        let body = event_type.map_or_else(|| ANY_EVENT.to_owned(), |event_type| format!("{event_type} event"));
        errors.finish(body, parsed)
    }
}

fn parse_event_type(value: Option<&Value>, at: &PointerBuf, errors: &mut Collector) -> Option<EventType> {
    let parsed = match value {
        None => Err(format!("is required and must be one of {}", EventType::names())),
        Some(Value::String(name)) => name.parse().map_err(|error: UnknownEventType| error.to_string()),
        Some(other) => Err(UnknownEventType::Other(describe(other)).to_string()),
    };
    parsed.map_err(|detail| errors.add(at, detail)).ok()
}

/// Reports each key of `required` that `params` lacks, at the pointer where
/// it should be: all of them when no params were sent. Params that are there
/// but not an object are reported by their own parser, once.
fn require_params(
    required: &[(&str, Rule)],
    params: Option<&Value>,
    at: &PointerBuf,
    event_type: Option<EventType>,
    errors: &mut Collector,
) {
    let (Some(event_type), None | Some(Value::Object(_))) = (event_type, params) else {
        return;
    };
    let lacks = |key: &str| !matches!(params, Some(Value::Object(object)) if object.contains_key(key));
    for (key, _) in required.iter().filter(|(key, _)| lacks(key)) {
        errors.add(&child(at, key), format!("is required for {event_type} events"));
    }
}

fn rule_in(rules: &[(&str, Rule)], key: &str) -> Option<Rule> {
    rules.iter().find(|(name, _)| *name == key).map(|(_, rule)| *rule)
}

/// Any param the type does not require: a known string, or a scalar.
fn optional_param_rule(key: &str) -> Rule {
    if OPTIONAL_STRING_PARAMS.contains(&key) {
        |value| string(value).map(Scalar::Text)
    } else {
        scalar
    }
}
