//! The sessionStart body (docs/api.md, rules V1–V10), parsed once into types that can only hold
//! valid values. [`SessionStart::parse`] walks the whole body and reports every
//! failing rule (V1–V10) with its JSON Pointer, not only the first.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use super::decimal::Decimal;
use super::field_errors::{Collector, InvalidBody, child};

const TOP_LEVEL_KEYS: [&str; 5] = ["playerTime", "eventType", "params", "customMetadata", "qoeData"];
const EVENT_TYPE: &str = "sessionStart";

/// `playerTime.ts` bounds: 1973-03-03 (anything lower is seconds) to 9999-12-31.
const MIN_TS_MILLIS: i64 = 100_000_000_000;
const MAX_TS_MILLIS: i64 = 253_402_300_799_999;
const SECONDS_PER_DAY: i64 = 86_400;

const CONTENT_TYPE: &str = "media.contentType";
const MEDIA_LENGTH: &str = "media.length";
const CUSTOMER_IDS: &str = "visitor.customerIDs";

/// V5: required, non-empty strings.
const REQUIRED_STRINGS: [&str; 7] = [
    "analytics.trackingServer",
    "analytics.reportSuite",
    "visitor.marketingCloudOrgId",
    "media.id",
    CONTENT_TYPE,
    "media.playerName",
    "media.channel",
];

/// V7: known optional keys and their types.
const BOOLEAN_PARAMS: [&str; 5] = [
    "analytics.enableSSL",
    "media.resume",
    "media.downloaded",
    "analytics.optOutServerSideForwarding",
    "analytics.optOutShare",
];
const STRING_PARAMS: [&str; 31] = [
    "analytics.visitorId",
    "analytics.aid",
    "visitor.marketingCloudUserId",
    "appInstallationId",
    "media.name",
    "media.streamType",
    "media.publisher",
    "media.sdkVersion",
    "media.libraryVersion",
    "media.show",
    "media.season",
    "media.episode",
    "media.assetId",
    "media.genre",
    "media.firstAirDate",
    "media.firstDigitalDate",
    "media.rating",
    "media.originator",
    "media.network",
    "media.showType",
    "media.adLoad",
    "media.pass.mvpd",
    "media.pass.auth",
    "media.dayPart",
    "media.feed",
    "media.streamFormat",
    "media.artist",
    "media.album",
    "media.label",
    "media.author",
    "media.station",
];
const INTEGER_PARAMS: [&str; 1] = ["visitor.aamLocationHint"];

/// V10: known qoeData keys.
const QOE_NUMBERS: [&str; 4] = [
    "media.qoe.bitrate",
    "media.qoe.droppedFrames",
    "media.qoe.framesPerSecond",
    "media.qoe.timeToStart",
];
const QOE_STRINGS: [&str; 2] = ["media.qoe.errorID", "media.qoe.errorSource"];

/// A valid sessionStart. `eventType` is not kept: it can only be `sessionStart`.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub player_time: PlayerTime,
    /// Every key of `params` as sent, `media.length` and the V5 keys included.
    pub params: BTreeMap<String, ParamValue>,
    pub custom_metadata: Option<BTreeMap<String, String>>,
    pub qoe_data: Option<BTreeMap<String, Scalar>>,
}

#[derive(Debug, Clone)]
pub struct PlayerTime {
    /// Seconds into the content (or into the day, for live content).
    pub playhead: Decimal,
    /// Milliseconds since the Unix epoch, a whole number in range.
    pub ts: Decimal,
}

/// A value DynamoDB stores as S, N or BOOL.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Text(String),
    Number(Decimal),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Scalar(Scalar),
    /// `visitor.customerIDs`: customer id type → id.
    CustomerIds(BTreeMap<String, CustomerId>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerId {
    pub id: String,
    pub auth_state: Option<AuthState>,
}

/// `authState`: 0 unknown, 1 authenticated, 2 logged out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthState {
    Unknown = 0,
    Authenticated = 1,
    LoggedOut = 2,
}

impl SessionStart {
    /// Parses a request body. On failure, every broken rule is in the error.
    pub fn parse(body: &str) -> Result<Self, InvalidBody> {
        if body.trim().is_empty() {
            return Err(InvalidBody::whole("the body is empty; send a sessionStart JSON object"));
        }
        let value: Value = serde_json::from_str(body)
            .map_err(|error| InvalidBody::whole(format!("the body is not valid JSON: {error}")))?;
        let Value::Object(top) = value else {
            return Err(InvalidBody::whole(format!(
                "the body must be a JSON object, not {}",
                type_name(&value)
            )));
        };
        Self::from_object(&top)
    }

    fn from_object(top: &Map<String, Value>) -> Result<Self, InvalidBody> {
        let mut errors = Collector::default();
        let root = PointerBuf::root();

        for key in top.keys().filter(|key| !TOP_LEVEL_KEYS.contains(&key.as_str())) {
            errors.add(
                &child(&root, key),
                "is not an allowed key; a sessionStart holds playerTime, eventType, params, customMetadata and qoeData",
            );
        }

        let params_value = present(top, "params");
        let limit = PlayheadLimit::from_params(params_value);

        let player_time = match present(top, "playerTime") {
            None => missing(&mut errors, &child(&root, "playerTime")),
            Some(value) => parse_player_time(value, &limit, &child(&root, "playerTime"), &mut errors),
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
            .map(|value| parse_custom_metadata(value, &child(&root, "customMetadata"), &mut errors));
        let qoe_data =
            present(top, "qoeData").map(|value| parse_qoe_data(value, &child(&root, "qoeData"), &mut errors));

        let parsed = (|| {
            Some(SessionStart {
                player_time: player_time?,
                params: params?,
                custom_metadata: custom_metadata.map_or(Some(None), |parsed| parsed.map(Some))?,
                qoe_data: qoe_data.map_or(Some(None), |parsed| parsed.map(Some))?,
            })
        })();
        errors.finish(parsed)
    }
}

/// The value at `key`, treating `null` as absent (V1).
fn present<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn missing<T>(errors: &mut Collector, at: &PointerBuf) -> Option<T> {
    errors.add(at, "is required");
    None
}

/// V3: what `playhead` must stay below, read from the raw params so that it
/// applies even when other params are wrong.
enum PlayheadLimit {
    /// Live or linear content: the second of the day.
    SecondOfDay,
    /// Recorded content: the media length.
    MediaLength(Decimal),
    /// The media length is itself invalid (and reported there).
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

fn parse_player_time(
    value: &Value,
    limit: &PlayheadLimit,
    at: &PointerBuf,
    errors: &mut Collector,
) -> Option<PlayerTime> {
    let Value::Object(object) = value else {
        errors.add(
            at,
            format!("must be an object with playhead and ts, not {}", type_name(value)),
        );
        return None;
    };
    for key in object.keys().filter(|key| !matches!(key.as_str(), "playhead" | "ts")) {
        errors.add(
            &child(at, key),
            "is not an allowed key; playerTime holds exactly playhead and ts",
        );
    }

    let playhead_at = child(at, "playhead");
    let playhead = match present(object, "playhead") {
        None => missing(errors, &playhead_at),
        Some(value) => parse_playhead(value)
            .map_err(|detail| errors.add(&playhead_at, detail))
            .ok(),
    };
    let playhead = playhead.and_then(|playhead| match limit.check(&playhead) {
        Some(detail) => {
            errors.add(&playhead_at, detail);
            None
        }
        None => Some(playhead),
    });

    let ts_at = child(at, "ts");
    let ts = match present(object, "ts") {
        None => missing(errors, &ts_at),
        Some(value) => parse_ts(value).map_err(|detail| errors.add(&ts_at, detail)).ok(),
    };

    Some(PlayerTime {
        playhead: playhead?,
        ts: ts?,
    })
}

fn parse_playhead(value: &Value) -> Result<Decimal, String> {
    let Value::Number(number) = value else {
        return Err(format!("must be a number of seconds, not {}", type_name(value)));
    };
    let playhead = Decimal::from_json(number)?;
    if playhead.is_negative() {
        return Err(format!("must be at least 0, not {playhead}"));
    }
    Ok(playhead)
}

fn parse_ts(value: &Value) -> Result<Decimal, String> {
    const EXPECTED: &str = "must be an integer number of milliseconds";
    let Value::Number(number) = value else {
        return Err(format!("{EXPECTED} since the Unix epoch, not {}", type_name(value)));
    };
    let out_of_range = || format!("{EXPECTED} since the Unix epoch, at most {MAX_TS_MILLIS} (year 9999)");
    let ts = Decimal::from_json(number).map_err(|_| out_of_range())?;
    if ts.cmp_int(MIN_TS_MILLIS) == Ordering::Less {
        return Err(format!("{EXPECTED}; {ts} looks like seconds"));
    }
    if !ts.is_integer() {
        return Err(format!("{EXPECTED} since the Unix epoch; {ts} has a fraction"));
    }
    if ts.cmp_int(MAX_TS_MILLIS) == Ordering::Greater {
        return Err(out_of_range());
    }
    Ok(ts)
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
        let parsed = if key.is_empty() {
            Err("is an empty key; DynamoDB cannot store it".to_owned())
        } else if key == MEDIA_LENGTH {
            parse_media_length(value)
        } else if key == CUSTOMER_IDS {
            parse_customer_ids(value, &key_at, errors)
        } else if REQUIRED_STRINGS.contains(&key.as_str()) {
            non_empty_string(value).map(|text| ParamValue::Scalar(Scalar::Text(text)))
        } else if STRING_PARAMS.contains(&key.as_str()) {
            string(value).map(|text| ParamValue::Scalar(Scalar::Text(text)))
        } else if BOOLEAN_PARAMS.contains(&key.as_str()) {
            boolean(value).map(|flag| ParamValue::Scalar(Scalar::Bool(flag)))
        } else if INTEGER_PARAMS.contains(&key.as_str()) {
            integer(value).map(|number| ParamValue::Scalar(Scalar::Number(number)))
        } else {
            scalar(value).map(ParamValue::Scalar)
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

fn parse_media_length(value: &Value) -> Result<ParamValue, String> {
    let Value::Number(number) = value else {
        return Err(format!(
            "must be a number of seconds greater than 0, not {}",
            type_name(value)
        ));
    };
    let length = Decimal::from_json(number)?;
    if !length.is_positive() {
        return Err(format!(
            "must be a number of seconds greater than 0 (86400 for a live stream of unknown length), not {length}"
        ));
    }
    Ok(ParamValue::Scalar(Scalar::Number(length)))
}

/// `visitor.customerIDs`. Its own errors go straight to `errors` (they sit
/// deeper than the key); the returned `Err` is then empty.
fn parse_customer_ids(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Result<ParamValue, String> {
    let Value::Object(object) = value else {
        return Err(format!(
            "must be an object of customer ids, each {{\"id\": string, \"authState\": 0, 1 or 2}}, not {}",
            type_name(value)
        ));
    };
    let mut ids = BTreeMap::new();
    let mut complete = true;
    for (id_type, entry) in object {
        match parse_customer_id(id_type, entry, &child(at, id_type), errors) {
            Some(customer_id) => {
                ids.insert(id_type.clone(), customer_id);
            }
            None => complete = false,
        }
    }
    if complete {
        Ok(ParamValue::CustomerIds(ids))
    } else {
        Err(String::new())
    }
}

fn parse_customer_id(id_type: &str, value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<CustomerId> {
    if id_type.is_empty() {
        errors.add(at, "is an empty key; DynamoDB cannot store it");
        return None;
    }
    let Value::Object(object) = value else {
        errors.add(
            at,
            format!(
                "must be an object {{\"id\": string, \"authState\": 0, 1 or 2}}, not {}",
                type_name(value)
            ),
        );
        return None;
    };
    let mut complete = true;
    for key in object.keys().filter(|key| !matches!(key.as_str(), "id" | "authState")) {
        errors.add(
            &child(at, key),
            "is not an allowed key; a customer id holds id and authState",
        );
        complete = false;
    }
    let id_at = child(at, "id");
    let id = match object.get("id") {
        None => missing(errors, &id_at),
        Some(value) => string(value).map_err(|detail| errors.add(&id_at, detail)).ok(),
    };
    let auth_state = match object.get("authState") {
        None => Some(None),
        Some(value) => parse_auth_state(value)
            .map(Some)
            .map_err(|detail| errors.add(&child(at, "authState"), detail))
            .ok(),
    };
    if !complete {
        return None;
    }
    Some(CustomerId {
        id: id?,
        auth_state: auth_state?,
    })
}

fn parse_auth_state(value: &Value) -> Result<AuthState, String> {
    let wrong = || {
        format!(
            "must be 0 (unknown), 1 (authenticated) or 2 (logged out), not {}",
            describe(value)
        )
    };
    let number = integer(value).map_err(|_| wrong())?;
    [AuthState::Unknown, AuthState::Authenticated, AuthState::LoggedOut]
        .into_iter()
        .find(|state| number.cmp_int(*state as i64) == Ordering::Equal)
        .ok_or_else(wrong)
}

fn parse_custom_metadata(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<BTreeMap<String, String>> {
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

fn parse_qoe_data(value: &Value, at: &PointerBuf, errors: &mut Collector) -> Option<BTreeMap<String, Scalar>> {
    let Value::Object(object) = value else {
        errors.add(at, format!("must be an object, not {}", type_name(value)));
        return None;
    };
    let mut qoe = BTreeMap::new();
    let mut complete = true;
    for (key, value) in object {
        let parsed = if key.is_empty() {
            Err("is an empty key; DynamoDB cannot store it".to_owned())
        } else if QOE_NUMBERS.contains(&key.as_str()) {
            non_negative_number(value).map(Scalar::Number)
        } else if QOE_STRINGS.contains(&key.as_str()) {
            string(value).map(Scalar::Text)
        } else {
            scalar(value)
        };
        match parsed {
            Ok(parsed) => {
                qoe.insert(key.clone(), parsed);
            }
            Err(detail) => {
                errors.add(&child(at, key), detail);
                complete = false;
            }
        }
    }
    complete.then_some(qoe)
}

fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(format!("must be a string, not {}", type_name(other))),
    }
}

fn non_empty_string(value: &Value) -> Result<String, String> {
    match string(value)? {
        text if text.is_empty() => Err("must be a non-empty string".to_owned()),
        text => Ok(text),
    }
}

fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        other => Err(format!("must be a boolean, not {}", type_name(other))),
    }
}

fn number(value: &Value) -> Result<Decimal, String> {
    match value {
        Value::Number(number) => Decimal::from_json(number),
        other => Err(format!("must be a number, not {}", type_name(other))),
    }
}

fn integer(value: &Value) -> Result<Decimal, String> {
    let number = number(value).map_err(|_| format!("must be an integer, not {}", describe(value)))?;
    if number.is_integer() {
        Ok(number)
    } else {
        Err(format!("must be an integer, not {number}"))
    }
}

fn non_negative_number(value: &Value) -> Result<Decimal, String> {
    let number = number(value)?;
    if number.is_negative() {
        Err(format!("must be at least 0, not {number}"))
    } else {
        Ok(number)
    }
}

/// V8: a value DynamoDB stores as S, N or BOOL; never an array, object or null.
fn scalar(value: &Value) -> Result<Scalar, String> {
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

fn type_name(value: &Value) -> &'static str {
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
fn describe(value: &Value) -> String {
    match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) if text.chars().count() <= 40 => format!("{text:?}"),
        Value::Bool(flag) => flag.to_string(),
        other => type_name(other).to_owned(),
    }
}
