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
    /// overwrites a record with the same id. An idempotent record (one with
    /// a fingerprint) whose session already exists with the same fingerprint
    /// is [`Created::Replayed`], and nothing is written.
    fn create(&self, record: &SessionRecord) -> impl Future<Output = Result<Created, StoreError>> + Send;
}

/// How a session start ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The record was written.
    New,
    /// The same idempotent start was already stored; nothing was written.
    Replayed,
}

/// Why a session was not stored. The messages are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a session with this id already exists")]
    AlreadyExists,
    #[error("the idempotency key already names a session started with another body")]
    KeyReused,
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
            Self::KeyReused => "idempotency_key_reused",
            Self::TimedOut => "store_timeout",
            Self::Failed(_) => "store_failed",
        }
    }
}
