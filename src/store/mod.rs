//! The port through which a session is kept. The handler only knows this
//! trait; [`dynamodb`] is the real adapter and [`in_memory`] a fake for
//! handler tests.

pub mod dynamodb;
pub mod in_memory;
mod item;

use std::future::Future;

use crate::domain::SessionRecord;

pub use item::to_item;

/// Keeps new sessions durably.
pub trait SessionStore: Send + Sync {
    /// Writes a new record; `Ok` only once the write is durable. Never
    /// overwrites a record with the same id.
    fn create(&self, record: &SessionRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Why a session was not stored. The messages are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a session with this id already exists")]
    AlreadyExists,
    #[error("the store did not answer within STORE_TIMEOUT_MS")]
    TimedOut,
    #[error("the store failed: {0}")]
    Failed(String),
}

impl StoreError {
    /// A short, stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AlreadyExists => "store_conflict",
            Self::TimedOut => "store_timeout",
            Self::Failed(_) => "store_failed",
        }
    }
}
