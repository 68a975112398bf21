//! The stores of a replay's dry run (`media-collector-replay --dry-run`):
//! every write is answered as DynamoDB would answer it, from reads alone,
//! and nothing is written.

use std::time::Instant;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use super::dynamodb_events::DynamoDbEventStore;
use super::item::IDEMPOTENCY_FINGERPRINT;
use super::{Appended, Created, DownloadedStore, EventStore, EventStoreError, RefusedStore, SessionStore, StoreError};
use crate::domain::{DownloadedSession, EventRecord, RefusedCall, SessionPolicy, SessionRecord};
use crate::table::PARTITION_KEY;

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
            .send()
            .await
            .map_err(|error| StoreError::Failed(DisplayErrorContext(&error).to_string()))?;
        let Some(item) = read.item else {
            return Ok(Created::New);
        };
        let stored = item.get(IDEMPOTENCY_FINGERPRINT).and_then(|value| value.as_s().ok());
        match &record.fingerprint {
            Some(ours) if stored.map(String::as_str) == Some(ours.as_str()) => Ok(Created::Replayed),
            Some(_) => Err(StoreError::KeyReused),
            None => Err(StoreError::AlreadyExists),
        }
    }
}

impl EventStore for DryRun {
    async fn append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, EventStoreError> {
        self.0.would_append(record, policy).await
    }
}

impl DownloadedStore for DryRun {
    async fn create_downloaded(&self, session: &DownloadedSession, _: Instant) -> Result<Created, StoreError> {
        match self.0.stored_fingerprint(session).await? {
            None => Ok(Created::New),
            Some(stored) => match &session.record.fingerprint {
                Some(ours) if stored.as_deref() == Some(ours.as_str()) => Ok(Created::Replayed),
                _ => Err(StoreError::KeyReused),
            },
        }
    }
}

impl RefusedStore for DryRun {
    async fn keep(&self, _: &RefusedCall) -> Result<bool, StoreError> {
        Ok(false)
    }
}
