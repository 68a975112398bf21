//! The optional `params` of a sessionStart whose types are known: flags,
//! strings such as the standard metadata, an integer location hint, and the
//! visitor's customer ids (the only nested value). Any other key may hold a
//! string, a number or a boolean.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jsonptr::PointerBuf;
use serde_json::Value;

use super::decimal::Decimal;
use super::field_errors::{Collector, child};
use super::values::{EMPTY_KEY, Scalar, boolean, describe, integer, missing, scalar, string, type_name};

const CUSTOMER_IDS: &str = "visitor.customerIDs";

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

/// An optional param: a known key with its type, or any other key with a
/// scalar. Errors deeper than the key (inside the customer ids) go straight
/// to `errors`, and the returned `Err` is then empty.
pub(crate) fn optional(
    key: &str,
    value: &Value,
    at: &PointerBuf,
    errors: &mut Collector,
) -> Result<ParamValue, String> {
    if key.is_empty() {
        Err(EMPTY_KEY.to_owned())
    } else if key == CUSTOMER_IDS {
        parse_customer_ids(value, at, errors)
    } else if STRING_PARAMS.contains(&key) {
        string(value).map(|text| ParamValue::Scalar(Scalar::Text(text)))
    } else if BOOLEAN_PARAMS.contains(&key) {
        boolean(value).map(|flag| ParamValue::Scalar(Scalar::Bool(flag)))
    } else if INTEGER_PARAMS.contains(&key) {
        integer(value).map(|number| ParamValue::Scalar(Scalar::Number(number)))
    } else {
        scalar(value).map(ParamValue::Scalar)
    }
}

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
        errors.add(at, EMPTY_KEY);
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
    let number: Decimal = integer(value).map_err(|_| wrong())?;
    [AuthState::Unknown, AuthState::Authenticated, AuthState::LoggedOut]
        .into_iter()
        .find(|state| number.cmp_int(*state as i64) == Ordering::Equal)
        .ok_or_else(wrong)
}
