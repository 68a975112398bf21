//! The DynamoDB adapter of the store's ports, in one place: the client
//! ([`client`]), the tables' schema and every attribute name ([`schema`]),
//! the items, and the three writes.
//!
//! - [`DynamoDbSessionStore`] (`sessions.rs`): a session start, one
//!   conditional `PutItem`;
//! - [`DynamoDbEventStore`] (`events.rs`): an event and its session's
//!   update in one `TransactWriteItems`; `cancellation.rs` reads a
//!   cancelled one; and a downloaded session (`downloaded.rs`): its events
//!   with `BatchWriteItem`, its record last;
//! - [`DynamoDbRefusedStore`] (`refused.rs`): a refused call kept, one
//!   `PutItem`; for the replay command, a range read back and removed;
//!   `dry_run.rs` answers the writes from reads alone (a replay's dry run);
//! - `session_item.rs` and `event_item.rs` make the items, with the values
//!   of `values.rs`; `backoff.rs` is the pause before a retry;
//!   `endpoint.rs` remembers the endpoint the SDK's rules give;
//!   `turns.rs` has the events of one session appended by this process
//!   take turns.
//!
//! Every SDK error becomes a [`StoreError`] here, by [`failure`], with the
//! SDK's error kept as its source.

mod backoff;
mod cancellation;
pub mod client;
mod downloaded;
pub mod dry_run;
mod endpoint;
mod event_item;
mod events;
pub mod refused;
pub mod schema;
mod session_item;
mod sessions;
mod turns;
mod values;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

pub use events::DynamoDbEventStore;
pub use refused::DynamoDbRefusedStore;
pub use sessions::DynamoDbSessionStore;

use super::StoreError;

/// An SDK call's error as the store's: [`StoreError::TimedOut`] when the
/// call ran out of its time, else a failure told with the error's whole
/// context and kept as its source.
fn failure<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match error {
        SdkError::TimeoutError(_) => StoreError::TimedOut,
        error => failed(error),
    }
}

/// A failure caused by `error`, told with its whole context (its sources
/// and its details).
fn failed<E: std::error::Error + Send + Sync + 'static>(error: E) -> StoreError {
    StoreError::failed_by(DisplayErrorContext(&error).to_string(), error)
}
