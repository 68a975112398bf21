//! The DynamoDB adapter of [`SessionStore`]: one conditional `PutItem` per
//! session, within the time budget of `STORE_TIMEOUT_MS`, retries included.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::item::{CREATED_AT, REQUEST_ID, to_item};
use super::{SessionStore, StoreError};
use crate::domain::SessionRecord;

/// Attempts per write: the first and two retries, all within the budget.
const MAX_ATTEMPTS: u32 = 3;
/// Connecting should take milliseconds; a dead endpoint must leave budget for retries.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Builds the SDK client once, from the standard AWS environment
/// (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL_DYNAMODB`…), with `budget`
/// as the total time a call may take, retries included.
pub async fn connect(budget: Duration) -> Client {
    let attempt_budget = budget / MAX_ATTEMPTS;
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(budget)
        .operation_attempt_timeout(attempt_budget)
        .connect_timeout(attempt_budget.min(MAX_CONNECT_TIMEOUT))
        .build();
    let sdk_config = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .load()
        .await;
    Client::new(&sdk_config)
}

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
    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(to_item(record)))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", crate::table::PARTITION_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(error) => classify(error, record),
        }
    }
}

fn classify(error: SdkError<PutItemError>, record: &SessionRecord) -> Result<(), StoreError> {
    match &error {
        SdkError::ServiceError(service) => {
            if let PutItemError::ConditionalCheckFailedException(conflict) = service.err() {
                // A retry after a write that landed but whose answer was lost
                // finds our own record: that is success, not a conflict.
                return match conflict.item() {
                    Some(existing) if is_same_write(existing, record) => Ok(()),
                    _ => Err(StoreError::AlreadyExists),
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
