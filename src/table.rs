//! The tables' shapes, in one place: the key and TTL attribute names the
//! adapters write, the local set-up creates, and `template.yaml` declares (a
//! test checks the template against these). Sessions: one item per session,
//! with a stream of new images (each metrics change).
//! Events: one item per event, under its session, sorted by its key, with a
//! stream of new items for downstream pipelines.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{BoxError, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};

/// The partition key (S) of both tables; the sessions table has no sort key.
pub const PARTITION_KEY: &str = "sessionId";
/// The events table's sort key (S): `playerTime.ts` as 15 digits, `#`, the type.
pub const EVENT_SORT_KEY: &str = "eventKey";
/// The attribute DynamoDB's TTL reads in both tables (N, epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expiresAt";
/// The refused-calls table's partition key (S): the arrival's UTC day and a
/// shard, `2026-12-05#07` (see `domain::RefusedCall`).
pub const REJECTED_PARTITION_KEY: &str = "dayShard";
/// The refused-calls table's sort key (S): `receivedAt#requestId`.
pub const REJECTED_SORT_KEY: &str = "arrival";
/// What the events table's stream carries: each new item.
pub const EVENTS_STREAM_VIEW: StreamViewType = StreamViewType::NewImage;
/// What the sessions table's stream carries: each record as written (its
/// metrics change with every accepted event).
pub const SESSIONS_STREAM_VIEW: StreamViewType = StreamViewType::NewImage;

/// Creates the sessions table as the template declares it (on-demand, TTL
/// on [`TTL_ATTRIBUTE`], a stream of new images); does nothing if it exists.
/// For local set-ups and tests: in AWS the template owns the table.
pub async fn create_if_missing(client: &Client, table_name: &str) -> Result<(), BoxError> {
    create(client, table_name, None, Some(SESSIONS_STREAM_VIEW)).await
}

/// Creates the table of refused calls as the template declares it: key
/// `dayShard` (S) and `arrival` (S), on-demand, TTL on [`TTL_ATTRIBUTE`].
/// Does nothing if it exists. For local set-ups and tests.
pub async fn create_rejected_table_if_missing(client: &Client, table_name: &str) -> Result<(), BoxError> {
    create_keyed(
        client,
        table_name,
        REJECTED_PARTITION_KEY,
        Some(REJECTED_SORT_KEY),
        None,
    )
    .await
}

/// Creates the events table: key [`PARTITION_KEY`] and [`EVENT_SORT_KEY`],
/// on-demand, TTL on [`TTL_ATTRIBUTE`], a stream of new images. Does nothing
/// if it exists. For local set-ups and tests, like [`create_if_missing`].
pub async fn create_events_table_if_missing(client: &Client, table_name: &str) -> Result<(), BoxError> {
    create(client, table_name, Some(EVENT_SORT_KEY), Some(EVENTS_STREAM_VIEW)).await
}

async fn create(
    client: &Client,
    table_name: &str,
    sort_key: Option<&str>,
    stream: Option<StreamViewType>,
) -> Result<(), BoxError> {
    create_keyed(client, table_name, PARTITION_KEY, sort_key, stream).await
}

async fn create_keyed(
    client: &Client,
    table_name: &str,
    partition_key: &str,
    sort_key: Option<&str>,
    stream: Option<StreamViewType>,
) -> Result<(), BoxError> {
    let mut request = client
        .create_table()
        .table_name(table_name)
        .attribute_definitions(string_attribute(partition_key)?)
        .key_schema(key(partition_key, KeyType::Hash)?)
        .billing_mode(BillingMode::PayPerRequest);
    if let Some(sort_key) = sort_key {
        request = request
            .attribute_definitions(string_attribute(sort_key)?)
            .key_schema(key(sort_key, KeyType::Range)?);
    }
    if let Some(view) = stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view)
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(SdkError::ServiceError(error)) if error.err().is_resource_in_use_exception() => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    client
        .update_time_to_live()
        .table_name(table_name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, BoxError> {
    Ok(AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()?)
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, BoxError> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()?)
}
