//! The DynamoDB adapter of [`SessionStore`]: one conditional `PutItem` per
//! session, within the time budget of `STORE_TIMEOUT_MS`, retries included
//! (the client and its timeouts are [`super::client`]'s).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::item::{CREATED_AT, IDEMPOTENCY_FINGERPRINT, REQUEST_ID, to_item};
use super::{Created, SessionStore, StoreError};
use crate::domain::SessionRecord;

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
        .expression_attribute_names("#id", crate::table::PARTITION_KEY)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match written {
        Ok(_) => Ok(Created::New),
        Err(error) => classify(error, record),
    }
}

fn classify(error: SdkError<PutItemError>, record: &SessionRecord) -> Result<Created, StoreError> {
    match &error {
        SdkError::ServiceError(service) => {
            if let PutItemError::ConditionalCheckFailedException(conflict) = service.err() {
                let Some(existing) = conflict.item() else {
                    return Err(StoreError::AlreadyExists);
                };
                // A retry after a write that landed but whose answer was lost
                // finds our own record: that is success, not a conflict.
                if is_same_write(existing, record) {
                    return Ok(Created::New);
                }
                let stored_fingerprint = existing
                    .get(IDEMPOTENCY_FINGERPRINT)
                    .and_then(|value| value.as_s().ok());
                return match &record.fingerprint {
                    Some(ours) if stored_fingerprint.map(String::as_str) == Some(ours.as_str()) => {
                        Ok(Created::Replayed)
                    }
                    Some(_) => Err(StoreError::KeyReused),
                    None => Err(StoreError::AlreadyExists),
                };
            }
            Err(StoreError::Failed(DisplayErrorContext(&error).to_string()))
        }
        SdkError::TimeoutError(_) => Err(StoreError::TimedOut),
        _ => Err(StoreError::Failed(DisplayErrorContext(&error).to_string())),
    }
}

fn is_same_write(existing: &HashMap<String, AttributeValue>, record: &SessionRecord) -> bool {
    let text = |name: &str| existing.get(name).and_then(|value| value.as_s().ok()).cloned();
    text(CREATED_AT) == Some(record.created_at_rfc3339()) && text(REQUEST_ID) == Some(record.request_id.clone())
}
