//! The sessionStart body (docs/api.md, rules V1–V10), parsed once into types that can only hold valid
//! values. [`SessionStart::parse`] walks the whole body and reports every
//! failing rule with its JSON Pointer, not only the first. The rules it
//! shares with events (playerTime, params values, customMetadata, qoeData)
//! live in their own modules; what is only a sessionStart's is here: the
//! required params and how far the playhead may go.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use super::decimal::Decimal;
use super::field_errors::{Collector, InvalidBody, child};
use super::params::{self, ParamValue};
use super::player_time::PlayerTime;
use super::values::{
    Scalar, describe, json_body, missing, non_empty_string, present, top_object, type_name, unknown_top_level_keys,
};
use super::{custom_metadata, qoe_data};

const EVENT_TYPE: &str = "sessionStart";

const SECONDS_PER_DAY: i64 = 86_400;

const CONTENT_TYPE: &str = "media.contentType";
const MEDIA_LENGTH: &str = "media.length";

/// Required, non-empty strings.
const REQUIRED_STRINGS: [&str; 7] = [
    "analytics.trackingServer",
    "analytics.reportSuite",
    "visitor.marketingCloudOrgId",
    "media.id",
    CONTENT_TYPE,
    "media.playerName",
    "media.channel",
];

/// A valid sessionStart. `eventType` is not kept: it can only be `sessionStart`.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub player_time: PlayerTime,
    /// Every key of `params` as sent, `media.length` and the required keys included.
    pub params: BTreeMap<String, ParamValue>,
    pub custom_metadata: Option<BTreeMap<String, String>>,
    pub qoe_data: Option<BTreeMap<String, Scalar>>,
}

impl SessionStart {
    /// Parses a request body. On failure, every broken rule is in the error.
    pub fn parse(body: &str) -> Result<Self, InvalidBody> {
        Self::from_json(&Self::json(body)?)
    }

    /// The body as JSON, for a caller that needs the value as well (the
    /// fingerprint of an idempotent start); [`SessionStart::from_json`] then
    /// parses it without reading the text again.
    pub fn json(body: &str) -> Result<Value, InvalidBody> {
        json_body(body, EVENT_TYPE, "a sessionStart")
    }

    /// Parses a body already read as JSON, as [`SessionStart::parse`] does.
    pub fn from_json(value: &Value) -> Result<Self, InvalidBody> {
        Self::from_object(top_object(value, EVENT_TYPE)?)
    }

    pub(crate) fn from_object(top: &Map<String, Value>) -> Result<Self, InvalidBody> {
        let mut errors = Collector::default();
        let root = PointerBuf::root();

        unknown_top_level_keys(top, "a sessionStart", &mut errors);

        let params_value = present(top, "params");
        let limit = PlayheadLimit::from_params(params_value);

        let player_time = match present(top, "playerTime") {
            None => missing(&mut errors, &child(&root, "playerTime")),
            Some(value) => PlayerTime::parse(value, &child(&root, "playerTime"), &mut errors, |playhead| {
                limit.check(playhead)
            }),
        };

        let at = child(&root, "eventType");
        match present(top, "eventType") {
            None => errors.add(&at, "is required and must be \"sessionStart\""),
            Some(Value::String(event_type)) if event_type == EVENT_TYPE => {}
            Some(other) => errors.add(&at, format!("must be \"sessionStart\", not {}", describe(other))),
        }

        let params = match params_value {
            None => missing(&mut errors, &child(&root, "params")),
            Some(value) => parse_params(value, &child(&root, "params"), &mut errors),
        };

        let custom_metadata = present(top, "customMetadata")
            .map(|value| custom_metadata::parse(value, &child(&root, "customMetadata"), &mut errors));
        let qoe_data =
            present(top, "qoeData").map(|value| qoe_data::parse(value, &child(&root, "qoeData"), &mut errors));

        let parsed = (|| {
            Some(SessionStart {
                player_time: player_time?,
                params: params?,
                custom_metadata: custom_metadata.map_or(Some(None), |parsed| parsed.map(Some))?,
                qoe_data: qoe_data.map_or(Some(None), |parsed| parsed.map(Some))?,
            })
        })();
        errors.finish(EVENT_TYPE, parsed)
    }
}

/// What `playhead` must stay below, read from the raw params so that it
/// applies even when other params are wrong.
enum PlayheadLimit {
    /// Live or linear content: the second of the day.
    SecondOfDay,
    /// Recorded content: the media length, when it is known (above 0).
    MediaLength(Decimal),
    /// The media length is unknown (0) or itself invalid (and reported there).
    Unknown,
}

impl PlayheadLimit {
    fn from_params(params: Option<&Value>) -> Self {
        let Some(Value::Object(params)) = params else {
            return Self::Unknown;
        };
        let content_type = params.get(CONTENT_TYPE).and_then(Value::as_str).unwrap_or_default();
        if content_type.eq_ignore_ascii_case("live") || content_type.eq_ignore_ascii_case("linear") {
            return Self::SecondOfDay;
        }
        match params
            .get(MEDIA_LENGTH)
            .and_then(Value::as_number)
            .map(Decimal::from_json)
        {
            Some(Ok(length)) if length.is_positive() => Self::MediaLength(length),
            _ => Self::Unknown,
        }
    }

    /// Why `playhead` is out of range, if it is.
    fn check(&self, playhead: &Decimal) -> Option<String> {
        match self {
            Self::SecondOfDay if playhead.cmp_int(SECONDS_PER_DAY) != Ordering::Less => Some(format!(
                "must be less than {SECONDS_PER_DAY} for live or linear content (it is the second of the day)"
            )),
            Self::MediaLength(length) if playhead >= length => Some(format!(
                "must be less than params/media.length ({length}) for recorded content"
            )),
            _ => None,
        }
    }
}

fn parse_params(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<BTreeMap<String, ParamValue>> {
    let Value::Object(object) = value else {
        errors.add(at, format!("must be an object, not {}", type_name(value)));
        return None;
    };
    let mut complete = true;
    for key in REQUIRED_STRINGS.iter().chain([&MEDIA_LENGTH]) {
        if !object.contains_key(*key) {
            errors.add(&child(at, key), "is required");
            complete = false;
        }
    }

    let mut params = BTreeMap::new();
    for (key, value) in object {
        let key_at = child(at, key);
        let parsed = if key == MEDIA_LENGTH {
            parse_media_length(value)
        } else if REQUIRED_STRINGS.contains(&key.as_str()) {
            non_empty_string(value).map(|text| ParamValue::Scalar(Scalar::Text(text)))
        } else {
            params::optional(key, value, &key_at, errors)
        };
        match parsed {
            Ok(parsed) => {
                params.insert(key.clone(), parsed);
            }
            Err(detail) => {
                if !detail.is_empty() {
                    errors.add(&key_at, detail);
                }
                complete = false;
            }
        }
    }
    complete.then_some(params)
}

/// V6: a number of seconds, at least 0. Adobe's SDKs send 0 when the length
/// is unknown (a live stream) and refuse only negative lengths.
fn parse_media_length(value: &Value) -> Result<ParamValue, String> {
    let Value::Number(number) = value else {
        return Err(format!(
            "must be a number of seconds, at least 0 (0 when unknown), not {}",
            type_name(value)
        ));
    };
    let length = Decimal::from_json(number)?;
    if length.is_negative() {
        return Err(format!(
            "must be a number of seconds, at least 0 (0 or 86400 when the length is unknown), not {length}"
        ));
    }
    Ok(ParamValue::Scalar(Scalar::Number(length)))
}
