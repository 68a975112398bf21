//! The DynamoDB item of a session (docs/api.md, "Stored records"): what its start stored, and the attributes
//! its events add later. Numbers go in as the exact text the client sent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attributes::{self, CUSTOM_METADATA, EVENT_TYPE, PARAMS, PLAYER_TIME, QOE_DATA};
use crate::domain::metrics::Tracker;
use crate::domain::{SessionRecord, rfc3339_millis, start_tracker};
use crate::table::{PARTITION_KEY, TTL_ATTRIBUTE};

pub use super::attributes::REQUEST_ID;

pub const CREATED_AT: &str = "createdAt";
/// The body's fingerprint, stored only for a start with an `Idempotency-Key`.
pub const IDEMPOTENCY_FINGERPRINT: &str = "idempotencyFingerprint";
/// Set by each accepted event: its arrival, N epoch milliseconds.
pub const LAST_EVENT_AT: &str = "lastEventAt";
/// Counted up by each accepted event (N).
pub const EVENT_COUNT: &str = "eventCount";
/// Set by an accepted `sessionEnd`: its arrival, S like `createdAt`.
pub const ENDED_AT: &str = "endedAt";
/// Set with `endedAt`: the end's `playerTime.ts` (N, epoch ms); events sent
/// no later than it are late arrivals.
pub const ENDED_TS: &str = "endedTs";
/// Set by each accepted event: its playhead (N, as sent).
pub const LAST_PLAYHEAD: &str = "lastPlayhead";
/// Set by each accepted event that moved the playhead: its arrival, N epoch ms.
pub const LAST_MOVED_AT: &str = "lastMovedAt";
/// `true` (BOOL) on a session sent as a downloaded session.
pub const DOWNLOADED: &str = "downloaded";
/// The session metrics (M), rewritten by every accepted event (docs/api.md,
/// "Session metrics"). A reserved word in expressions: always named through
/// a placeholder.
pub const METRICS: &str = "metrics";
/// What the metrics need to go on (B): the computation's own compact
/// encoding, read and rewritten with `metrics`; not part of the contract.
pub const METRICS_STATE: &str = "metricsState";
/// When a session or an event was stored by replaying a kept call (S, RFC 3339).
pub const REPLAYED_AT: &str = "replayedAt";

/// The item of a session that has only started: its metrics are the start's.
pub fn to_item(record: &SessionRecord) -> HashMap<String, AttributeValue> {
    to_item_with(record, &start_tracker(&record.start))
}

/// The item of a session whose calls so far gave `tracker`.
pub fn to_item_with(record: &SessionRecord, tracker: &Tracker) -> HashMap<String, AttributeValue> {
    let start = &record.start;
    let mut item = HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(record.session_id.to_string()),
        ),
        (EVENT_TYPE.to_owned(), AttributeValue::S("sessionStart".to_owned())),
        (PLAYER_TIME.to_owned(), attributes::player_time(&start.player_time)),
        (PARAMS.to_owned(), attributes::params(&start.params)),
        (CREATED_AT.to_owned(), AttributeValue::S(record.created_at_rfc3339())),
        (
            TTL_ATTRIBUTE.to_owned(),
            AttributeValue::N(record.expires_at.to_string()),
        ),
        (REQUEST_ID.to_owned(), AttributeValue::S(record.request_id.clone())),
    ]);
    if let Some(metadata) = &start.custom_metadata {
        item.insert(CUSTOM_METADATA.to_owned(), attributes::strings(metadata));
    }
    if let Some(qoe) = &start.qoe_data {
        item.insert(QOE_DATA.to_owned(), attributes::scalars(qoe));
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
    item.insert(METRICS.to_owned(), attributes::metrics(&tracker.metrics()));
    item.insert(METRICS_STATE.to_owned(), attributes::metrics_state(tracker));
    item
}
