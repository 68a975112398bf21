//! The DynamoDB item of an event, in the events table: under its session and
//! its key, the body's parts as sent (exact numbers, as for a session), when
//! it arrived, and the session's own expiry, so that both go together.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::schema::{
    CUSTOM_METADATA, EVENT_SORT_KEY, EVENT_TYPE, PARAMS, PARTITION_KEY, PLAYER_TIME, QOE_DATA, RECEIVED_AT,
    REPLAYED_AT, REQUEST_ID, TTL_ATTRIBUTE,
};
use super::values;
use crate::domain::{EventRecord, rfc3339_millis};

/// The item for `record`; `expires_at` is the session's `expiresAt` (N, epoch seconds).
pub(super) fn to_event_item(record: &EventRecord, expires_at: &str) -> HashMap<String, AttributeValue> {
    let event = &record.event;
    let mut item = HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(record.session_id.to_string()),
        ),
        (EVENT_SORT_KEY.to_owned(), AttributeValue::S(record.key())),
        (
            EVENT_TYPE.to_owned(),
            AttributeValue::S(event.event_type.name().to_owned()),
        ),
        (PLAYER_TIME.to_owned(), values::player_time(&event.player_time)),
        (RECEIVED_AT.to_owned(), AttributeValue::S(record.received_at_rfc3339())),
        (TTL_ATTRIBUTE.to_owned(), AttributeValue::N(expires_at.to_owned())),
        (REQUEST_ID.to_owned(), AttributeValue::S(record.request_id.clone())),
    ]);
    if let Some(at) = record.replayed_at {
        item.insert(REPLAYED_AT.to_owned(), AttributeValue::S(rfc3339_millis(at)));
    }
    if let Some(params) = &event.params {
        item.insert(PARAMS.to_owned(), values::scalars(params));
    }
    if let Some(metadata) = &event.custom_metadata {
        item.insert(CUSTOM_METADATA.to_owned(), values::strings(metadata));
    }
    if let Some(qoe) = &event.qoe_data {
        item.insert(QOE_DATA.to_owned(), values::scalars(qoe));
    }
    item
}
