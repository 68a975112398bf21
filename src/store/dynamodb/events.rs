//! The DynamoDB adapter of [`EventStore`]. An event is stored if and only if
//! its session takes it, so the two writes go in one `TransactWriteItems`:
//!
//! 1. an `Update` of the session record (`lastEventAt` = arrival in epoch
//!    ms, `ADD eventCount 1`, `lastPlayhead`, `lastMovedAt` when the
//!    playhead moved, and `endedAt` / `endedTs` for a `sessionEnd`), on the
//!    condition that the session takes the event: it exists; it has no
//!    `endedAt`, or the event is a late arrival (its `ts` is not after
//!    `endedTs` and the end arrived no longer than the idle timeout ago);
//!    it was created no longer than the maximum age ago; its last event (or,
//!    before any, its `createdAt`) is no longer than the idle timeout ago;
//!    its playhead last moved (or, before any move, it was created) no
//!    longer than the stall timeout ago; and its playhead is still the one
//!    read, so that whether this event moves it is decided on the latest;
//!    and it rewrites the session's `metrics` and `metricsState` with this
//!    event applied (domain::metrics), on the condition that `eventCount`
//!    is still the one read: another event counted in between means the
//!    metrics were computed from an older state, and the whole append is
//!    read and computed again.
//!    `createdAt` and `endedAt` are compared as text: their fixed RFC 3339
//!    form sorts in time order;
//! 2. a `Put` of the event item, on the condition that no item has its key.
//!    When a call holds it, the domain's rule (`domain::when_taken`) tells
//!    this very event (a retry: nothing is written) from a different one
//!    (the transaction is built again under the key with the body's
//!    digits).
//!
//! The event item carries the session's `expiresAt`, and "moved" needs the
//! session's playhead, so a strongly consistent `GetItem` of the session
//! comes first. When another event changed the session in between, the
//! cancelled transaction hands back the session's latest record, and the
//! next try is built on it without reading again (under contention, every
//! try but the first is one call, not two). The first read also answers
//! early when the session is missing or closed: then a second read looks
//! for the event itself, because a stored event is a duplicate whatever its
//! session has become since.
//!
//! Both writes ask for the item that failed their condition
//! (`ReturnValuesOnConditionCheckFailure = ALL_OLD`); how a cancelled
//! transaction is then answered (duplicate, unknown session, gone, or tried
//! again) is decided in `cancellation.rs`, whose doc is that decision.
//!
//! Appends of one session by this process take turns (`turns.rs`): only
//! appends from other processes race for the session record.
//!
//! The whole append, waiting for its turn, reads, retries and pauses
//! included, runs within the time budget (`STORE_TIMEOUT_MS`); each call
//! also has the client's own per-attempt timeouts and retries (see
//! [`super::client::connect`]). The SDK gives each transaction a client
//! request token and keeps it for its own retries, so a retry of a
//! transaction that ran but whose answer was lost is answered by DynamoDB
//! as that transaction: stored, once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

use super::backoff::Backoff;
use super::cancellation::{AsRead, Judged, SESSION_FACTS_NAMES, SESSION_FACTS_PROJECTION, SessionFacts, judge};
use super::event_item::to_event_item;
use super::schema::{
    CREATED_AT, ENDED_AT, ENDED_TS, EVENT_COUNT, EVENT_SORT_KEY, LAST_EVENT_AT, LAST_MOVED_AT, LAST_PLAYHEAD, METRICS,
    METRICS_STATE, PARTITION_KEY, TTL_ATTRIBUTE,
};
use super::turns::SessionTurns;
use super::values::{self, body_fingerprint};
use super::{failed, failure};
use crate::domain::{
    Arrival, EventRecord, KeyForm, KeyTaken, SessionPolicy, call_of, epoch_millis, rfc3339_millis, when_taken,
};
use crate::store::{Appended, EventStore, StoreError, capacity};

/// Pauses between tries of a conflicting transaction: doubling from the
/// first to the longest, each with a random part so that the events of one
/// session spread out.
const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(10),
    longest: Duration::from_millis(200),
};

/// Condition of the session update: the session takes the event (see the
/// module doc), before the playhead check, which depends on what was read.
const SESSION_TAKES_EVENT: &str = "attribute_exists(#id) \
     AND (attribute_not_exists(#ended) OR (#endedTs >= :ts AND #ended >= :activeSince)) \
     AND #created >= :createdSince \
     AND (#last >= :activeSinceMs OR (attribute_not_exists(#last) AND #created >= :activeSince)) \
     AND (#moved >= :movedSinceMs OR (attribute_not_exists(#moved) AND #created >= :movedSince))";
/// The playhead is still the one read: the last event's, or the start's before any.
const PLAYHEAD_AS_READ: &str = " AND #lastPh = :readPlayhead";
const NO_EVENT_PLAYHEAD_YET: &str = " AND attribute_not_exists(#lastPh)";
/// No other event was counted since the session was read: the metrics
/// written were computed from the latest ones.
const COUNT_AS_READ: &str = " AND #count = :readCount";
const NO_EVENT_COUNT_YET: &str = " AND attribute_not_exists(#count)";

#[derive(Debug, Clone)]
pub struct DynamoDbEventStore {
    pub(super) client: Client,
    pub(super) sessions_table: String,
    pub(super) events_table: String,
    budget: Duration,
    turns: SessionTurns,
}

impl DynamoDbEventStore {
    /// `budget` is the total time of one append (`STORE_TIMEOUT_MS`).
    pub fn new(
        client: Client,
        sessions_table: impl Into<String>,
        events_table: impl Into<String>,
        budget: Duration,
    ) -> Self {
        Self {
            client,
            sessions_table: sessions_table.into(),
            events_table: events_table.into(),
            budget,
            turns: SessionTurns::default(),
        }
    }

    async fn append_unbounded(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, StoreError> {
        let event = Arrival {
            ts_millis: record.event.player_time.ts_millis(),
            playhead: &record.event.player_time.playhead,
            at: record.received_at,
        };
        let mut record = Cow::Borrowed(record);
        let mut tries: u32 = 0;
        let mut latest = None;
        loop {
            let item = match latest.take() {
                Some(item) => Some(item),
                None => self.read_session(&record).await?,
            };
            let Some(item) = item else {
                return self.unless_stored(&record, StoreError::UnknownSession).await;
            };
            let session = SessionFacts::of(&item).map_err(StoreError::failed)?;
            if let Some(reason) = policy.gone(&session.activity, &event) {
                return self.unless_stored(&record, StoreError::Gone(reason)).await;
            }
            let retry = match self.transact(&record, policy, &session).await {
                Ok(()) => return Ok(Appended::Stored),
                Err(Written::Failed(error)) => return Err(error),
                Err(Written::Cancelled(reasons)) => {
                    let read = AsRead {
                        playhead: session.last_playhead.as_ref(),
                        event_count: session.event_count.as_ref(),
                    };
                    match judge(&reasons, policy, &event, read) {
                        Judged::Done(outcome) => return outcome,
                        Judged::Retry(why) => why,
                        Judged::RetryNow(why, record_now) => {
                            tracing::debug!(reasons = %why, "the session changed since it was read; trying again");
                            latest = Some(record_now);
                            continue;
                        }
                        Judged::KeyTaken(holder) => match taken(&record, &holder)? {
                            Some(form) => {
                                record = Cow::Owned(record.in_form(form));
                                continue;
                            }
                            None => return Ok(Appended::Duplicate),
                        },
                    }
                }
            };
            tries = tries.saturating_add(1);
            tracing::debug!(tries, reasons = %retry, "event transaction cancelled; trying again");
            tokio::time::sleep(BACKOFF.pause(tries)).await;
        }
    }

    /// What [`EventStore::append`] would answer, without writing anything:
    /// for a replay's dry run.
    pub async fn would_append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, StoreError> {
        let event = Arrival {
            ts_millis: record.event.player_time.ts_millis(),
            playhead: &record.event.player_time.playhead,
            at: record.received_at,
        };
        let Some(item) = self.read_session(record).await? else {
            return self.unless_stored(record, StoreError::UnknownSession).await;
        };
        let session = SessionFacts::of(&item).map_err(StoreError::failed)?;
        if let Some(reason) = policy.gone(&session.activity, &event) {
            return self.unless_stored(record, StoreError::Gone(reason)).await;
        }
        match self.unless_stored(record, StoreError::UnknownSession).await {
            Ok(Appended::Duplicate) => Ok(Appended::Duplicate),
            Err(StoreError::UnknownSession) | Ok(Appended::Stored) => Ok(Appended::Stored),
            Err(error) => Err(error),
        }
    }

    /// The session's record: only what decides whether it takes events.
    async fn read_session(&self, record: &EventRecord) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .consistent_read(true)
            .projection_expression(SESSION_FACTS_PROJECTION)
            .expression_attribute_names("#expires", TTL_ATTRIBUTE);
        SESSION_FACTS_NAMES
            .iter()
            .fold(read, |read, (placeholder, name)| {
                read.expression_attribute_names(*placeholder, *name)
            })
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map(|read| {
                capacity::read(read.consumed_capacity());
                read.item
            })
            .map_err(failure)
    }

    /// `refusal`, unless the event is already stored: a duplicate.
    async fn unless_stored(&self, record: &EventRecord, refusal: StoreError) -> Result<Appended, StoreError> {
        let mut record = Cow::Borrowed(record);
        loop {
            let read = self
                .client
                .get_item()
                .table_name(&self.events_table)
                .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
                .key(EVENT_SORT_KEY, AttributeValue::S(record.key()))
                .consistent_read(true)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(failure)?;
            capacity::read(read.consumed_capacity());
            let Some(holder) = read.item else {
                return Err(refusal);
            };
            match taken(&record, &holder)? {
                Some(form) => record = Cow::Owned(record.in_form(form)),
                None => return Ok(Appended::Duplicate),
            }
        }
    }

    async fn transact(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
        session: &SessionFacts,
    ) -> Result<(), Written> {
        let (session, event) = self.writes(record, policy, session).map_err(Written::Failed)?;
        match self
            .client
            .transact_write_items()
            .transact_items(session)
            .transact_items(event)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
        {
            Ok(written) => {
                capacity::write(written.consumed_capacity());
                Ok(())
            }
            Err(SdkError::ServiceError(service)) => match service.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    Err(Written::Cancelled(cancelled.cancellation_reasons().to_vec()))
                }
                other => Err(Written::Failed(failed(other))),
            },
            Err(error) => Err(Written::Failed(failure(error))),
        }
    }

    /// The session update and the event put of one transaction, built on
    /// what was read of the session.
    fn writes(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
        session: &SessionFacts,
    ) -> Result<(TransactWriteItem, TransactWriteItem), StoreError> {
        let cutoffs = policy.cutoffs(record.received_at);
        let player_time = &record.event.player_time;
        let mut condition = SESSION_TAKES_EVENT.to_owned();
        // A replayed call arrived before the session's last event: the
        // session's latest arrival, playhead and move stay the latest.
        let latest = session
            .activity
            .last_event_at
            .is_none_or(|last| record.received_at >= last);
        let mut sets = if latest {
            vec!["#last = :now", "#lastPh = :playhead"]
        } else {
            Vec::new()
        };
        if session.last_playhead.is_some() {
            condition.push_str(PLAYHEAD_AS_READ);
        } else {
            condition.push_str(NO_EVENT_PLAYHEAD_YET);
        }
        if latest && session.activity.moved_by(&player_time.playhead) {
            sets.push("#moved = :now");
        }
        if record.event.event_type.closes_session() {
            // A late sessionEnd (a copy sent before the first) keeps the first end.
            sets.push("#ended = if_not_exists(#ended, :endedAt)");
            sets.push("#endedTs = if_not_exists(#endedTs, :ts)");
        }
        // The metrics with this event, computed from those read: written only
        // if no other event changed the session since (its eventCount).
        let metrics = session.tracker.as_ref().map(|tracker| {
            let mut tracker = tracker.clone();
            tracker.accept(call_of(&record.event));
            tracker
        });
        if metrics.is_some() {
            sets.push("#metrics = :metrics");
            sets.push("#ms = :ms");
            condition.push_str(match session.event_count {
                Some(_) => COUNT_AS_READ,
                None => NO_EVENT_COUNT_YET,
            });
        }
        let now_millis = AttributeValue::N(epoch_millis(record.received_at).to_string());
        let mut update = Update::builder()
            .table_name(&self.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .condition_expression(condition)
            .update_expression(if sets.is_empty() {
                "ADD #count :one".to_owned()
            } else {
                format!("SET {} ADD #count :one", sets.join(", "))
            })
            .expression_attribute_names("#id", PARTITION_KEY)
            .expression_attribute_names("#ended", ENDED_AT)
            .expression_attribute_names("#endedTs", ENDED_TS)
            .expression_attribute_names("#created", CREATED_AT)
            .expression_attribute_names("#last", LAST_EVENT_AT)
            .expression_attribute_names("#moved", LAST_MOVED_AT)
            .expression_attribute_names("#lastPh", LAST_PLAYHEAD)
            .expression_attribute_names("#count", EVENT_COUNT)
            .expression_attribute_values(
                ":createdSince",
                AttributeValue::S(rfc3339_millis(cutoffs.created_since)),
            )
            .expression_attribute_values(":activeSince", AttributeValue::S(rfc3339_millis(cutoffs.active_since)))
            .expression_attribute_values(
                ":activeSinceMs",
                AttributeValue::N(epoch_millis(cutoffs.active_since).to_string()),
            )
            .expression_attribute_values(":movedSince", AttributeValue::S(rfc3339_millis(cutoffs.moved_since)))
            .expression_attribute_values(
                ":movedSinceMs",
                AttributeValue::N(epoch_millis(cutoffs.moved_since).to_string()),
            )
            .expression_attribute_values(":ts", AttributeValue::N(player_time.ts_millis().to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if latest {
            update = update
                .expression_attribute_values(":now", now_millis)
                .expression_attribute_values(":playhead", AttributeValue::N(player_time.playhead.to_string()));
        }
        if let Some(read) = &session.last_playhead {
            update = update.expression_attribute_values(":readPlayhead", read.clone());
        }
        if let Some(tracker) = &metrics {
            update = update
                .expression_attribute_names("#metrics", METRICS)
                .expression_attribute_names("#ms", METRICS_STATE)
                .expression_attribute_values(":metrics", values::metrics(&tracker.metrics()))
                .expression_attribute_values(":ms", values::metrics_state(tracker));
            if let Some(read) = &session.event_count {
                update = update.expression_attribute_values(":readCount", read.clone());
            }
        }
        if record.event.event_type.closes_session() {
            update = update.expression_attribute_values(":endedAt", AttributeValue::S(record.received_at_rfc3339()));
        }
        let update = update
            .build()
            .map_err(|error| StoreError::failed_by(error.to_string(), error))?;

        let put = Put::builder()
            .table_name(&self.events_table)
            .set_item(Some(to_event_item(record, &session.expires_at)))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", EVENT_SORT_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|error| StoreError::failed_by(error.to_string(), error))?;

        Ok((
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().put(put).build(),
        ))
    }
}

impl EventStore for DynamoDbEventStore {
    async fn append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, StoreError> {
        let in_turn = self
            .turns
            .in_turn(&record.session_id, self.append_unbounded(record, policy));
        tokio::time::timeout(self.budget, in_turn)
            .await
            .unwrap_or(Err(StoreError::TimedOut))
    }
}

/// The domain's rule for `record`'s key held by `holder`: `None` when it is
/// the same event (a duplicate), else the key form to try next.
fn taken(record: &EventRecord, holder: &HashMap<String, AttributeValue>) -> Result<Option<KeyForm>, StoreError> {
    match when_taken(record.key_form, &record.event.fingerprint(), &body_fingerprint(holder)) {
        KeyTaken::Retry => Ok(None),
        KeyTaken::Try(form) => Ok(Some(form)),
        KeyTaken::NoKeyLeft => Err(StoreError::failed(
            "a different event holds even the key with this body's digits",
        )),
    }
}

/// How a transaction ended when it did not commit.
enum Written {
    Cancelled(Vec<CancellationReason>),
    Failed(StoreError),
}
