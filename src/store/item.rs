//! The DynamoDB item of a session (docs/api.md, "Stored records"). Numbers go in as the exact text
//! the client sent.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{CustomerId, ParamValue, Scalar, SessionRecord};
use crate::table::{PARTITION_KEY, TTL_ATTRIBUTE};

pub const CREATED_AT: &str = "createdAt";
pub const REQUEST_ID: &str = "requestId";
/// The body's fingerprint, stored only for a start with an `Idempotency-Key`.
pub const IDEMPOTENCY_FINGERPRINT: &str = "idempotencyFingerprint";

pub fn to_item(record: &SessionRecord) -> HashMap<String, AttributeValue> {
    let start = &record.start;
    let mut item = HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(record.session_id.to_string()),
        ),
        ("eventType".to_owned(), AttributeValue::S("sessionStart".to_owned())),
        (
            "playerTime".to_owned(),
            AttributeValue::M(HashMap::from([
                (
                    "playhead".to_owned(),
                    AttributeValue::N(start.player_time.playhead.to_string()),
                ),
                ("ts".to_owned(), AttributeValue::N(start.player_time.ts.to_string())),
            ])),
        ),
        ("params".to_owned(), map(&start.params, param)),
        (CREATED_AT.to_owned(), AttributeValue::S(record.created_at_rfc3339())),
        (
            TTL_ATTRIBUTE.to_owned(),
            AttributeValue::N(record.expires_at.to_string()),
        ),
        (REQUEST_ID.to_owned(), AttributeValue::S(record.request_id.clone())),
    ]);
    if let Some(metadata) = &start.custom_metadata {
        item.insert(
            "customMetadata".to_owned(),
            map(metadata, |text| AttributeValue::S(text.clone())),
        );
    }
    if let Some(qoe) = &start.qoe_data {
        item.insert("qoeData".to_owned(), map(qoe, scalar));
    }
    if let Some(fingerprint) = &record.fingerprint {
        item.insert(
            IDEMPOTENCY_FINGERPRINT.to_owned(),
            AttributeValue::S(fingerprint.as_str().to_owned()),
        );
    }
    item
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
