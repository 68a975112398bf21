//! The stores of a replay's dry run (`media-collector-replay --dry-run`):
//! every write is answered as DynamoDB would answer it, from reads alone,
//! and nothing is written.

use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

use super::events::DynamoDbEventStore;
use super::failure;
use super::schema::{IDEMPOTENCY_FINGERPRINT, PARTITION_KEY};
use crate::domain::{DownloadedSession, EventRecord, Fingerprint, RefusedCall, SessionPolicy, SessionRecord};
use crate::store::{Appended, Created, DownloadedStore, EventStore, RefusedStore, SessionStore, StoreError, id_taken};

/// Reads what the real stores would find, writes nothing.
#[derive(Debug, Clone)]
pub struct DryRun(pub DynamoDbEventStore);

impl SessionStore for DryRun {
    async fn create(&self, record: &SessionRecord) -> Result<Created, StoreError> {
        let read = self
            .0
            .client
            .get_item()
            .table_name(&self.0.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(failure)?;
        let Some(item) = read.item else {
            return Ok(Created::New);
        };
        let stored = item
            .get(IDEMPOTENCY_FINGERPRINT)
            .and_then(|value| value.as_s().ok())
            .map(|text| Fingerprint::from_stored(text));
        id_taken(record, stored.as_ref())
    }
}

impl EventStore for DryRun {
    async fn append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, StoreError> {
        self.0.would_append(record, policy).await
    }
}

impl DownloadedStore for DryRun {
    async fn create_downloaded(&self, session: &DownloadedSession, _: Instant) -> Result<Created, StoreError> {
        match self.0.stored_fingerprint(session).await? {
            None => Ok(Created::New),
            Some(stored) => id_taken(&session.record, stored.as_ref()),
        }
    }
}

impl RefusedStore for DryRun {
    async fn keep(&self, _: &RefusedCall) -> Result<bool, StoreError> {
        Ok(false)
    }
}
