//! An event body, parsed once into a [`SessionEvent`]. Every event follows
//! the same frame (`playerTime` and `eventType` required; `params`,
//! `customMetadata` and `qoeData` optional; nothing else); its type then
//! decides which params it needs. As for a sessionStart, every failing rule
//! is reported.

use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::{Map, Number, Value};

use super::event_type::{EventType, OPTIONAL_STRING_PARAMS, UnknownEventType};
use super::field_errors::{Collector, InvalidBody, child};
use super::player_time::PlayerTime;
use super::values::{
    Rule, Scalar, describe, json_body, missing, present, scalar, scalar_object, string, top_object,
    unknown_top_level_keys,
};
use super::{BODY_DIGITS, Decimal, Fingerprint, KeyForm, custom_metadata, qoe_data};

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
    /// player time, and a retried event lands on the same key. (A different
    /// event may hold it: see [`super::event_key`] and [`Self::key_in`].)
    pub fn key(&self) -> String {
        format!(
            "{:0width$}#{}",
            self.player_time.ts_millis(),
            self.event_type.name(),
            width = TS_DIGITS
        )
    }

    /// The event's key in `form`: the plain key, or the plain key, `#` and
    /// the first [`BODY_DIGITS`] hex digits of the body's fingerprint.
    pub fn key_in(&self, form: KeyForm) -> String {
        match form {
            KeyForm::Plain => self.key(),
            KeyForm::WithBody => format!("{}#{}", self.key(), &self.fingerprint().as_str()[..BODY_DIGITS]),
        }
    }

    /// The fingerprint of the body as a JSON value, as it is kept (a member
    /// sent as `null` counts as missing, as it is not stored).
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.body())
    }

    /// The body as a JSON value, rebuilt from its parts.
    pub fn body(&self) -> Value {
        let number = |decimal: &Decimal| decimal.as_str().parse::<Number>().map_or(Value::Null, Value::Number);
        let scalars = |scalars: &BTreeMap<String, Scalar>| {
            Value::Object(
                scalars
                    .iter()
                    .map(|(key, value)| {
                        let value = match value {
                            Scalar::Text(text) => Value::String(text.clone()),
                            Scalar::Number(decimal) => number(decimal),
                            Scalar::Bool(flag) => Value::Bool(*flag),
                        };
                        (key.clone(), value)
                    })
                    .collect(),
            )
        };
        let mut body = Map::new();
        body.insert("eventType".to_owned(), Value::String(self.event_type.name().to_owned()));
        let mut player_time = Map::new();
        player_time.insert("playhead".to_owned(), number(&self.player_time.playhead));
        player_time.insert("ts".to_owned(), number(&self.player_time.ts));
        body.insert("playerTime".to_owned(), Value::Object(player_time));
        if let Some(params) = &self.params {
            body.insert("params".to_owned(), scalars(params));
        }
        if let Some(metadata) = &self.custom_metadata {
            let strings = metadata
                .iter()
                .map(|(key, value)| (key.clone(), Value::String(value.clone())));
            body.insert("customMetadata".to_owned(), Value::Object(strings.collect()));
        }
        if let Some(qoe) = &self.qoe_data {
            body.insert("qoeData".to_owned(), scalars(qoe));
        }
        Value::Object(body)
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
