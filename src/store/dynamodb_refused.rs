//! The DynamoDB adapter of [`RefusedStore`]: one `PutItem` per refused call
//! into `REJECTED_TABLE_NAME`, within its own time budget (at most 1 s and
//! never more than `STORE_TIMEOUT_MS`), so that a slow or missing table
//! delays a refusal by no more than that. The item's attributes are listed
//! in docs/api.md ("Refused calls"); its keys in `domain::RefusedCall`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{RefusedStore, StoreError};
use crate::domain::RefusedCall;

/// The table's partition key (S): the arrival's day and a shard.
pub const DAY_SHARD: &str = "dayShard";
/// The table's sort key (S): arrival time and request id.
pub const ARRIVAL: &str = "arrival";
/// The longest a keep may take.
const LONGEST_KEEP: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct DynamoDbRefusedStore {
    client: Client,
    table: String,
    budget: Duration,
}

impl DynamoDbRefusedStore {
    /// `store_timeout` is `STORE_TIMEOUT_MS`; a keep gets at most 1 s of it.
    pub fn new(client: Client, table: impl Into<String>, store_timeout: Duration) -> Self {
        Self {
            client,
            table: table.into(),
            budget: store_timeout.min(LONGEST_KEEP),
        }
    }
}

impl RefusedStore for DynamoDbRefusedStore {
    async fn keep(&self, call: &RefusedCall) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(call)))
            .send();
        match tokio::time::timeout(self.budget, put).await {
            Err(_) | Ok(Err(SdkError::TimeoutError(_))) => Err(StoreError::TimedOut),
            Ok(Err(error)) => Err(StoreError::Failed(DisplayErrorContext(&error).to_string())),
            Ok(Ok(_)) => Ok(true),
        }
    }
}

/// The item of a kept call.
pub fn item(call: &RefusedCall) -> HashMap<String, AttributeValue> {
    let body = call.kept_body();
    let s = |text: &str| AttributeValue::S(text.to_owned());
    let n = |number: String| AttributeValue::N(number);
    let mut item = HashMap::from([
        (DAY_SHARD.to_owned(), s(&call.day_shard())),
        (ARRIVAL.to_owned(), s(&call.arrival())),
        ("route".to_owned(), s(call.route)),
        ("method".to_owned(), s("POST")),
        ("status".to_owned(), n(call.status.to_string())),
        ("problem".to_owned(), s(&call.problem)),
        ("body".to_owned(), AttributeValue::B(Blob::new(body.bytes))),
        ("bodyEncoding".to_owned(), s(body.encoding.name())),
        ("bodySize".to_owned(), n(call.body.len().to_string())),
        ("requestId".to_owned(), s(&call.request_id)),
        ("receivedAt".to_owned(), s(&call.received_at_rfc3339())),
        ("functionVersion".to_owned(), s(&call.function_version)),
        ("expiresAt".to_owned(), n(call.expires_at.to_string())),
    ]);
    if body.truncated {
        item.insert("bodyTruncated".to_owned(), AttributeValue::Bool(true));
    }
    for (name, value) in [
        ("sessionId", &call.session_id),
        ("contentType", &call.content_type),
        ("origin", &call.origin),
        ("userAgent", &call.user_agent),
        ("idempotencyKey", &call.idempotency_key),
    ] {
        if let Some(value) = value {
            item.insert(name.to_owned(), s(value));
        }
    }
    item
}
