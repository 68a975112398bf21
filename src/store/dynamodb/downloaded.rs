//! The DynamoDB adapter of [`DownloadedStore`]: a whole session played
//! offline, written in an order that keeps readers right.
//!
//! 1. A strongly consistent `GetItem` of the session record: when the same
//!    batch is already stored (its fingerprint matches), the answer is a
//!    replay and nothing is written again; another fingerprint under the id
//!    is a reused `Idempotency-Key`.
//! 2. Every event, with `BatchWriteItem`: 25 items a call, [`IN_FLIGHT`]
//!    calls at once. The items DynamoDB leaves unprocessed (throttling) are
//!    sent again after a pause that doubles, with a random part, until they
//!    are all written. The items are the online events' items exactly
//!    ([`to_event_item`]); a plain put, so a retried batch rewrites its own
//!    events with the same content.
//! 3. The session record last, with the conditional `PutItem` of a single
//!    start, plus `eventCount`, `lastEventAt`, `endedAt`, `downloaded` and
//!    the metrics of all its events.
//!    That write is the commit point: a record exists only when all its
//!    events do. A failure before it answers 500 and leaves no record; the
//!    events already written are rewritten by the retry, or expire by TTL.
//!
//! Everything runs before the deadline the handler gives (the invocation's
//! remaining time, less a margin to answer): past it, the calls in flight
//! are dropped and the answer is [`StoreError::TimedOut`]. Only a record
//! put cut by the deadline can have landed unseen; a retry then finds it,
//! and is answered as a replay.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnConsumedCapacity, WriteRequest};
use futures_util::TryStreamExt;

use super::backoff::Backoff;
use super::event_item::to_event_item;
use super::events::DynamoDbEventStore;
use super::failure;
use super::schema::{DOWNLOADED, ENDED_AT, EVENT_COUNT, IDEMPOTENCY_FINGERPRINT, LAST_EVENT_AT, PARTITION_KEY};
use super::session_item::to_item_with;
use super::sessions::put_new;
use crate::domain::{DownloadedSession, Fingerprint, epoch_millis, rfc3339_millis};
use crate::store::{Created, DownloadedStore, StoreError, capacity, id_taken};

/// Items in one `BatchWriteItem` call: DynamoDB's limit.
pub const BATCH_ITEMS: usize = 25;
/// `BatchWriteItem` calls in flight at once.
pub const IN_FLIGHT: usize = 8;
/// Pauses before unprocessed items are sent again: doubling from the first
/// to the longest, half fixed and half random.
const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(25),
    longest: Duration::from_secs(1),
};

impl DownloadedStore for DynamoDbEventStore {
    async fn create_downloaded(&self, session: &DownloadedSession, deadline: Instant) -> Result<Created, StoreError> {
        tokio::time::timeout_at(deadline.into(), self.write_downloaded(session))
            .await
            .unwrap_or(Err(StoreError::TimedOut))
    }
}

impl DynamoDbEventStore {
    async fn write_downloaded(&self, session: &DownloadedSession) -> Result<Created, StoreError> {
        let record = &session.record;
        if let Some(stored) = self.stored_fingerprint(session).await? {
            return id_taken(record, stored.as_ref());
        }

        let expires_at = record.expires_at.to_string();
        let mut requests = Vec::with_capacity(session.events.len());
        for event in &session.events {
            let put = PutRequest::builder()
                .set_item(Some(to_event_item(event, &expires_at)))
                .build()
                .map_err(|error| StoreError::failed_by(error.to_string(), error))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        let chunks: Vec<Vec<WriteRequest>> = requests.chunks(BATCH_ITEMS).map(<[_]>::to_vec).collect();
        futures_util::stream::iter(chunks.into_iter().map(Ok))
            .try_for_each_concurrent(IN_FLIGHT, |chunk| self.write_all(chunk))
            .await?;

        put_new(&self.client, &self.sessions_table, session_item(session), record).await
    }

    /// The fingerprint of the session already stored under this id:
    /// `None` when there is none, `Some(None)` when it has no fingerprint.
    pub(super) async fn stored_fingerprint(
        &self,
        session: &DownloadedSession,
    ) -> Result<Option<Option<Fingerprint>>, StoreError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(session.record.session_id.to_string()))
            .consistent_read(true)
            .projection_expression("#id, #fingerprint")
            .expression_attribute_names("#id", PARTITION_KEY)
            .expression_attribute_names("#fingerprint", IDEMPOTENCY_FINGERPRINT)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(failure)?;
        capacity::read(read.consumed_capacity());
        Ok(read.item.map(|item| {
            item.get(IDEMPOTENCY_FINGERPRINT)
                .and_then(|value| value.as_s().ok())
                .map(|text| Fingerprint::from_stored(text))
        }))
    }

    /// Writes one batch of at most 25 puts, sending what DynamoDB leaves
    /// unprocessed again until nothing is left.
    async fn write_all(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut tries: u32 = 0;
        loop {
            let written = self
                .client
                .batch_write_item()
                .request_items(&self.events_table, requests)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(failure)?;
            capacity::write(written.consumed_capacity());
            requests = written
                .unprocessed_items
                .and_then(|mut left| left.remove(&self.events_table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tries = tries.saturating_add(1);
            tracing::debug!(
                tries,
                unprocessed = requests.len(),
                "events left unprocessed; sending them again"
            );
            tokio::time::sleep(BACKOFF.pause(tries)).await;
        }
    }
}

/// The session record of a downloaded session: a single start's, plus what
/// its events would have recorded on it, and that it was downloaded.
fn session_item(session: &DownloadedSession) -> HashMap<String, AttributeValue> {
    let arrived_at = session.arrived_at();
    let mut item = to_item_with(&session.record, &session.metrics());
    item.insert(
        EVENT_COUNT.to_owned(),
        AttributeValue::N(session.events.len().to_string()),
    );
    if !session.events.is_empty() {
        item.insert(
            LAST_EVENT_AT.to_owned(),
            AttributeValue::N(epoch_millis(arrived_at).to_string()),
        );
    }
    item.insert(ENDED_AT.to_owned(), AttributeValue::S(rfc3339_millis(arrived_at)));
    item.insert(DOWNLOADED.to_owned(), AttributeValue::Bool(true));
    item
}
