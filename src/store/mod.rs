//! The ports through which sessions and their events are kept. The handler
//! only knows these traits; [`dynamodb`], [`dynamodb_events`] and
//! `dynamodb_downloaded` are the real adapters and [`in_memory`] a fake for
//! handler tests.

mod attributes;
mod backoff;
mod cancellation;
pub mod client;
pub mod dynamodb;
mod dynamodb_downloaded;
pub mod dynamodb_events;
mod event_item;
pub mod in_memory;
mod item;

use std::future::Future;
use std::time::Instant;

use crate::domain::{DownloadedSession, EventRecord, GoneReason, SessionPolicy, SessionRecord};

pub use event_item::to_event_item;
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

/// Keeps the events of open sessions durably.
pub trait EventStore: Send + Sync {
    /// Stores `record` if its session takes it at `record.received_at` under
    /// `policy`, and records on the session that it did (last event, count,
    /// and the end for a `sessionEnd`): both or neither. `Ok` only once
    /// durable. An event already stored under the same key is not written
    /// again, whatever the session's state now.
    fn append(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
    ) -> impl Future<Output = Result<Appended, EventStoreError>> + Send;
}

/// An event the store holds: both answer 204.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written now, and counted on its session.
    Stored,
    /// Already stored under the same key (a retry); nothing was written.
    Duplicate,
}

/// Why an event was not stored. The messages are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum EventStoreError {
    /// No session has this id (404).
    #[error("no session has this id")]
    UnknownSession,
    /// The session exists but takes no more events (410).
    #[error("the session no longer takes events: {0}")]
    Gone(GoneReason),
    #[error("the store did not answer within STORE_TIMEOUT_MS")]
    TimedOut,
    #[error("the store failed: {0}")]
    Failed(String),
}

impl EventStoreError {
    /// A short, stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownSession => "session_not_found",
            Self::Gone(_) => "session_gone",
            Self::TimedOut => "store_timeout",
            Self::Failed(_) => "store_failed",
        }
    }
}

/// Keeps downloaded sessions (sessions played offline, sent at once).
pub trait DownloadedStore: Send + Sync {
    /// Writes every event of `session` first, then its record, conditional
    /// as for [`SessionStore::create`]: the record is the commit point, so it
    /// exists only once every event does. `Ok` only once all of it is
    /// durable, and only before `deadline` (else [`StoreError::TimedOut`]).
    /// The same batch already stored (same id, same fingerprint) is
    /// [`Created::Replayed`], and nothing is written; a failure part-way
    /// leaves no record, and a retry of the same batch completes it.
    fn create_downloaded(
        &self,
        session: &DownloadedSession,
        deadline: Instant,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
}

/// A session store and an event store as one value, for the handler that
/// needs both: `Stores::new(DynamoDbSessionStore, DynamoDbEventStore)`.
#[derive(Debug, Clone)]
pub struct Stores<S, E> {
    pub sessions: S,
    pub events: E,
}

impl<S, E> Stores<S, E> {
    pub fn new(sessions: S, events: E) -> Self {
        Self { sessions, events }
    }
}

impl<S: SessionStore, E: Send + Sync> SessionStore for Stores<S, E> {
    fn create(&self, record: &SessionRecord) -> impl Future<Output = Result<Created, StoreError>> + Send {
        self.sessions.create(record)
    }
}

impl<S: Send + Sync, E: EventStore> EventStore for Stores<S, E> {
    fn append(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
    ) -> impl Future<Output = Result<Appended, EventStoreError>> + Send {
        self.events.append(record, policy)
    }
}

impl<S: Send + Sync, E: DownloadedStore> DownloadedStore for Stores<S, E> {
    fn create_downloaded(
        &self,
        session: &DownloadedSession,
        deadline: Instant,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send {
        self.events.create_downloaded(session, deadline)
    }
}
