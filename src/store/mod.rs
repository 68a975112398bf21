//! The ports through which sessions and their events are kept: the traits
//! the handler calls, what they answer, and the one error they fail with.
//! [`dynamodb`] is the real adapter; `in_memory` (with the `test-support`
//! feature, never in the release binary) a fake for handler tests.

pub mod capacity;
pub mod dynamodb;
#[cfg(any(test, feature = "test-support"))]
pub mod in_memory;

use std::future::Future;
use std::time::Instant;

use crate::domain::{
    DownloadedSession, EventRecord, Fingerprint, GoneReason, IdTaken, RefusedCall, SessionPolicy, SessionRecord,
};

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

/// Keeps the calls the function refused, with their reason, so that they
/// can be replayed once the cause is fixed.
pub trait RefusedStore: Send + Sync {
    /// Keeps `call` durably: `Ok(true)` once written, `Ok(false)` when this
    /// store keeps nothing (no table is configured).
    fn keep(&self, call: &RefusedCall) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Keeps no refused call: `REJECTED_TABLE_NAME` is not set.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepNothing;

impl RefusedStore for KeepNothing {
    async fn keep(&self, _: &RefusedCall) -> Result<bool, StoreError> {
        Ok(false)
    }
}

impl<R: RefusedStore> RefusedStore for Option<R> {
    async fn keep(&self, call: &RefusedCall) -> Result<bool, StoreError> {
        match self {
            Some(store) => store.keep(call).await,
            None => Ok(false),
        }
    }
}

/// The stores as one value, for the handler that needs them all:
/// `Stores::new(DynamoDbSessionStore, DynamoDbEventStore)`, keeping refused
/// calls with [`Stores::keeping`].
#[derive(Debug, Clone)]
pub struct Stores<S, E, R = KeepNothing> {
    pub sessions: S,
    pub events: E,
    pub refused: R,
}

impl<S, E> Stores<S, E> {
    pub fn new(sessions: S, events: E) -> Self {
        Self {
            sessions,
            events,
            refused: KeepNothing,
        }
    }
}

impl<S, E, R> Stores<S, E, R> {
    /// The same stores, keeping refused calls in `refused`.
    pub fn keeping<K>(self, refused: K) -> Stores<S, E, K> {
        Stores {
            sessions: self.sessions,
            events: self.events,
            refused,
        }
    }
}

impl<S: SessionStore, E: Send + Sync, R: Send + Sync> SessionStore for Stores<S, E, R> {
    fn create(&self, record: &SessionRecord) -> impl Future<Output = Result<Created, StoreError>> + Send {
        self.sessions.create(record)
    }
}

impl<S: Send + Sync, E: EventStore, R: Send + Sync> EventStore for Stores<S, E, R> {
    fn append(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        self.events.append(record, policy)
    }
}

impl<S: Send + Sync, E: DownloadedStore, R: Send + Sync> DownloadedStore for Stores<S, E, R> {
    fn create_downloaded(
        &self,
        session: &DownloadedSession,
        deadline: Instant,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send {
        self.events.create_downloaded(session, deadline)
    }
}

impl<S: Send + Sync, E: Send + Sync, R: RefusedStore> RefusedStore for Stores<S, E, R> {
    fn keep(&self, call: &RefusedCall) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.refused.keep(call)
    }
}
