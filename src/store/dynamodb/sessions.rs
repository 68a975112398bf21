//! The DynamoDB adapter of [`SessionStore`]: one conditional `PutItem` per
//! session, within the time budget of `STORE_TIMEOUT_MS`, retries included
//! (the client and its timeouts are [`super::client`]'s).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure};

use super::failure;
use super::schema::{CREATED_AT, IDEMPOTENCY_FINGERPRINT, PARTITION_KEY, REQUEST_ID};
use super::session_item::to_item;
use crate::domain::{Fingerprint, SessionRecord};
use crate::store::{Created, SessionStore, StoreError, capacity, id_taken};

#[derive(Debug, Clone)]
pub struct DynamoDbSessionStore {
    client: Client,
    table_name: String,
}

impl DynamoDbSessionStore {
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }
}

impl SessionStore for DynamoDbSessionStore {
    async fn create(&self, record: &SessionRecord) -> Result<Created, StoreError> {
        put_new(&self.client, &self.table_name, to_item(record), record).await
    }
}

/// Writes `item`, the item of `record`, unless a session has its id: a
/// record is never overwritten, and a replay or a conflict is told apart.
pub(super) async fn put_new(
    client: &Client,
    table_name: &str,
    item: HashMap<String, AttributeValue>,
    record: &SessionRecord,
) -> Result<Created, StoreError> {
    let written = client
        .put_item()
        .table_name(table_name)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#id)")
        .expression_attribute_names("#id", PARTITION_KEY)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    match written {
        Ok(written) => {
            capacity::write(written.consumed_capacity());
            Ok(Created::New)
        }
        Err(error) => classify(error, record),
    }
}

fn classify(error: SdkError<PutItemError>, record: &SessionRecord) -> Result<Created, StoreError> {
    let conflict = match &error {
        SdkError::ServiceError(service) => match service.err() {
            PutItemError::ConditionalCheckFailedException(conflict) => conflict,
            _ => return Err(failure(error)),
        },
        _ => return Err(failure(error)),
    };
    let Some(existing) = conflict.item() else {
        return Err(StoreError::AlreadyExists);
    };
    // A retry after a write that landed but whose answer was lost
    // finds our own record: that is success, not a conflict.
    if is_same_write(existing, record) {
        return Ok(Created::New);
    }
    let stored = existing
        .get(IDEMPOTENCY_FINGERPRINT)
        .and_then(|value| value.as_s().ok())
        .map(|text| Fingerprint::from_stored(text));
    id_taken(record, stored.as_ref())
}

fn is_same_write(existing: &HashMap<String, AttributeValue>, record: &SessionRecord) -> bool {
    let text = |name: &str| existing.get(name).and_then(|value| value.as_s().ok()).cloned();
    text(CREATED_AT) == Some(record.created_at_rfc3339()) && text(REQUEST_ID) == Some(record.request_id.clone())
}
