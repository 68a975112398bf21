//! The DynamoDB item of a session (docs/api.md, "Stored records"): what its
//! start stored (the attributes its events add later are written by
//! `events.rs`). Numbers go in as the exact text the client sent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::schema::{
    CREATED_AT, CUSTOM_METADATA, EVENT_TYPE, IDEMPOTENCY_FINGERPRINT, METRICS, METRICS_STATE, PARAMS, PARTITION_KEY,
    PLAYER_TIME, QOE_DATA, REPLAYED_AT, REQUEST_ID, TTL_ATTRIBUTE,
};
use super::values;
use crate::domain::metrics::Tracker;
use crate::domain::{SessionRecord, rfc3339_millis, start_tracker};

/// The item of a session that has only started: its metrics are the start's.
pub(super) fn to_item(record: &SessionRecord) -> HashMap<String, AttributeValue> {
    to_item_with(record, &start_tracker(&record.start))
}

/// The item of a session whose calls so far gave `tracker`.
pub(super) fn to_item_with(record: &SessionRecord, tracker: &Tracker) -> HashMap<String, AttributeValue> {
    let start = &record.start;
    let mut item = HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(record.session_id.to_string()),
        ),
        (EVENT_TYPE.to_owned(), AttributeValue::S("sessionStart".to_owned())),
        (PLAYER_TIME.to_owned(), values::player_time(&start.player_time)),
        (PARAMS.to_owned(), values::params(&start.params)),
        (CREATED_AT.to_owned(), AttributeValue::S(record.created_at_rfc3339())),
        (
            TTL_ATTRIBUTE.to_owned(),
            AttributeValue::N(record.expires_at.to_string()),
        ),
        (REQUEST_ID.to_owned(), AttributeValue::S(record.request_id.clone())),
    ]);
    if let Some(metadata) = &start.custom_metadata {
        item.insert(CUSTOM_METADATA.to_owned(), values::strings(metadata));
    }
    if let Some(qoe) = &start.qoe_data {
        item.insert(QOE_DATA.to_owned(), values::scalars(qoe));
    }
    if let Some(fingerprint) = &record.fingerprint {
        item.insert(
            IDEMPOTENCY_FINGERPRINT.to_owned(),
            AttributeValue::S(fingerprint.as_str().to_owned()),
        );
    }
    if let Some(at) = record.replayed_at {
        item.insert(REPLAYED_AT.to_owned(), AttributeValue::S(rfc3339_millis(at)));
    }
    item.insert(METRICS.to_owned(), values::metrics(&tracker.metrics()));
    item.insert(METRICS_STATE.to_owned(), values::metrics_state(tracker));
    item
}
