//! The tables' schema, in one place: the key and TTL attribute names the
//! adapters write, the local set-up creates, and `template.yaml` declares (a
//! test checks the template against these), and the name of every other
//! attribute the items hold. Sessions: one item per session, with a stream
//! of new images (each metrics change). Events: one item per event, under
//! its session, sorted by its key, with a stream of new items for
//! downstream pipelines.

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

// The attributes both items hold (the body's parts as sent).

pub const EVENT_TYPE: &str = "eventType";
pub const PLAYER_TIME: &str = "playerTime";
/// `playerTime`'s members (both N).
pub const PLAYHEAD: &str = "playhead";
pub const TS: &str = "ts";
pub const PARAMS: &str = "params";
pub const CUSTOM_METADATA: &str = "customMetadata";
pub const QOE_DATA: &str = "qoeData";
/// The API Gateway request id (or Lambda's) of the call that wrote the item.
pub const REQUEST_ID: &str = "requestId";

// A session's item (docs/api.md, "Stored records").

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

// An event's item.

/// When the event arrived: RFC 3339 UTC with milliseconds, like `createdAt`.
pub const RECEIVED_AT: &str = "receivedAt";
/// When a session or an event was stored by replaying a kept refused call
/// (S, RFC 3339 UTC with milliseconds).
pub const REPLAYED_AT: &str = "replayedAt";

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
