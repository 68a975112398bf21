//! The DynamoDB adapter of [`RefusedStore`]: one `PutItem` per refused call
//! into `REJECTED_TABLE_NAME`, within its own time budget (at most 1 s and
//! never more than `STORE_TIMEOUT_MS`), so that a slow or missing table
//! delays a refusal by no more than that. The item's attributes are listed
//! in docs/api.md ("Refused calls"); its keys in `domain::RefusedCall`.
//! For `media-collector-replay` (never the function), reading one range of
//! days back in arrival order, and removing a call once replay stored it.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::failure;
use crate::domain::{BodyEncoding, RefusedCall, SHARDS, day, raw_body, rfc3339_millis};
use crate::store::{RefusedStore, StoreError, capacity};

pub use super::schema::{REJECTED_PARTITION_KEY as DAY_SHARD, REJECTED_SORT_KEY as ARRIVAL};
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
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        match tokio::time::timeout(self.budget, put).await {
            Err(_) => Err(StoreError::TimedOut),
            Ok(Err(error)) => Err(failure(error)),
            Ok(Ok(written)) => {
                capacity::write(written.consumed_capacity());
                Ok(true)
            }
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

/// A kept call read back, with the keys that name its item.
#[derive(Debug, Clone)]
pub struct KeptCall {
    pub call: RefusedCall,
    pub day_shard: String,
    pub arrival: String,
    /// Only a prefix of the body could be kept.
    pub truncated: bool,
}

impl DynamoDbRefusedStore {
    /// The kept calls that arrived from `since` (included) to `until`
    /// (excluded), in arrival order: one `Query` per day and shard, merged.
    pub async fn kept_between(
        &self,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<KeptCall>, StoreError> {
        let (from, to) = (rfc3339_millis(since), rfc3339_millis(until));
        let mut kept = Vec::new();
        let mut date = since.to_offset(time::UtcOffset::UTC).date();
        let last = until.to_offset(time::UtcOffset::UTC).date();
        while date <= last {
            for shard in 0..SHARDS {
                let day_shard = format!("{}#{shard:02}", day(date.midnight().assume_utc()));
                let mut next = None;
                loop {
                    let page = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("#d = :d AND #a BETWEEN :from AND :to")
                        .expression_attribute_names("#d", DAY_SHARD)
                        .expression_attribute_names("#a", ARRIVAL)
                        .expression_attribute_values(":d", AttributeValue::S(day_shard.clone()))
                        .expression_attribute_values(":from", AttributeValue::S(from.clone()))
                        .expression_attribute_values(":to", AttributeValue::S(to.clone()))
                        .consistent_read(true)
                        .set_exclusive_start_key(next.take())
                        .return_consumed_capacity(ReturnConsumedCapacity::Total)
                        .send()
                        .await
                        .map_err(failure)?;
                    for item in page.items.unwrap_or_default() {
                        kept.push(kept_call(&item).map_err(StoreError::failed)?);
                    }
                    match page.last_evaluated_key {
                        Some(key) if !key.is_empty() => next = Some(key),
                        _ => break,
                    }
                }
            }
            match date.next_day() {
                Some(next) => date = next,
                None => break,
            }
        }
        kept.sort_by(|a, b| a.arrival.cmp(&b.arrival));
        Ok(kept)
    }

    /// Removes a kept call (it was stored by a replay).
    pub async fn remove(&self, kept: &KeptCall) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(DAY_SHARD, AttributeValue::S(kept.day_shard.clone()))
            .key(ARRIVAL, AttributeValue::S(kept.arrival.clone()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map(|_| ())
            .map_err(failure)
    }
}

/// A kept call's item, read back.
fn kept_call(item: &HashMap<String, AttributeValue>) -> Result<KeptCall, String> {
    let text = |name: &str| item.get(name).and_then(|value| value.as_s().ok()).cloned();
    let required = |name: &str| text(name).ok_or_else(|| format!("a kept call without {name}: {item:?}"));
    let number = |name: &str| {
        item.get(name)
            .and_then(|value| value.as_n().ok())
            .and_then(|number| number.parse::<i64>().ok())
            .ok_or_else(|| format!("a kept call without a numeric {name}"))
    };
    let encoding = BodyEncoding::parse(&required("bodyEncoding")?).ok_or("an unknown bodyEncoding")?;
    let stored = item
        .get("body")
        .and_then(|value| value.as_b().ok())
        .map(|blob| blob.as_ref().to_vec())
        .unwrap_or_default();
    let body = raw_body(encoding, &stored).map_err(|error| format!("a kept body that cannot be read: {error}"))?;
    let received_at = OffsetDateTime::parse(&required("receivedAt")?, &Rfc3339)
        .map_err(|error| format!("a kept call's receivedAt: {error}"))?;
    Ok(KeptCall {
        call: RefusedCall {
            route: match required("route")?.as_str() {
                "events" => "events",
                "downloaded" => "downloaded",
                _ => "sessions",
            },
            session_id: text("sessionId"),
            status: u16::try_from(number("status")?).unwrap_or(0),
            problem: required("problem")?,
            body,
            content_type: text("contentType"),
            origin: text("origin"),
            user_agent: text("userAgent"),
            idempotency_key: text("idempotencyKey"),
            request_id: required("requestId")?,
            received_at,
            function_version: text("functionVersion").unwrap_or_default(),
            expires_at: number("expiresAt")?,
        },
        day_shard: required(DAY_SHARD)?,
        arrival: required(ARRIVAL)?,
        truncated: item
            .get("bodyTruncated")
            .is_some_and(|value| value == &AttributeValue::Bool(true)),
    })
}
