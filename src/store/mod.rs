//! The ports through which sessions and their events are kept: the traits
//! the handler calls, what they answer, and the one error they fail with.
//! [`dynamodb`] is the real adapter; `in_memory` (with the `test-support`
//! feature, never in the release binary) a fake for handler tests.

pub mod dynamodb;
#[cfg(any(test, feature = "test-support"))]
pub mod in_memory;

use std::future::Future;
use std::time::Instant;

use crate::domain::{DownloadedSession, EventRecord, Fingerprint, GoneReason, IdTaken, SessionPolicy, SessionRecord};

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
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send;
}

/// An event the store holds: both answer 204.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written now, and counted on its session.
    Stored,
    /// Already stored under the same key (a retry); nothing was written.
    Duplicate,
}

/// An underlying error kept as the source of a [`StoreError::Failed`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a session or an event was not stored. The messages are for logs,
/// never for clients; [`StoreError::kind`] names each for logs and metrics.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A session start's id is taken (by a session started without a key).
    #[error("a session with this id already exists")]
    AlreadyExists,
    /// An `Idempotency-Key` (or a downloaded batch's id) names a session
    /// stored with another body (422).
    #[error("the idempotency key already names a session started with another body")]
    KeyReused,
    /// No session has the event's id (404).
    #[error("no session has this id")]
    UnknownSession,
    /// The session exists but takes no more events (410).
    #[error("the session no longer takes events: {0}")]
    Gone(GoneReason),
    #[error("the store did not answer within STORE_TIMEOUT_MS")]
    TimedOut,
    /// Anything else (500): `message` for the log, `source` the error that
    /// caused it, when there is one (the SDK's, kept whole).
    #[error("the store failed: {message}")]
    Failed {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl StoreError {
    /// A failure with no underlying error (an item this service cannot read).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`, told in the log as `message`.
    pub fn failed_by(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Failed {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A short, stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AlreadyExists => "store_conflict",
            Self::KeyReused => "idempotency_key_reused",
            Self::UnknownSession => "session_not_found",
            Self::Gone(_) => "session_gone",
            Self::TimedOut => "store_timeout",
            Self::Failed { .. } => "store_failed",
        }
    }
}

/// The answer to a write of `record` that found its id held by a session
/// stored with `stored` as fingerprint: the domain's rule
/// ([`SessionRecord::when_id_taken`]), for every adapter.
pub(crate) fn id_taken(record: &SessionRecord, stored: Option<&Fingerprint>) -> Result<Created, StoreError> {
    match record.when_id_taken(stored) {
        IdTaken::Replay => Ok(Created::Replayed),
        IdTaken::KeyReused => Err(StoreError::KeyReused),
        IdTaken::AlreadyExists => Err(StoreError::AlreadyExists),
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
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
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
