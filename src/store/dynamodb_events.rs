//! The DynamoDB adapter of [`EventStore`]. An event is stored if and only if
//! its session takes it, so the two writes go in one `TransactWriteItems`:
//!
//! 1. an `Update` of the session record (`lastEventAt` = arrival in epoch
//!    ms, `ADD eventCount 1`, and `endedAt` for a `sessionEnd`), on the
//!    condition that the session takes events: it exists, has no `endedAt`,
//!    was created no longer than the maximum age ago, and its last event
//!    (or, before any, its `createdAt`) is no longer than the idle timeout
//!    ago. `createdAt` is compared as text: its fixed RFC 3339 form sorts
//!    in time order;
//! 2. a `Put` of the event item, on the condition that no item has its key.
//!
//! The event item carries the session's `expiresAt`, so a strongly
//! consistent `GetItem` of the session comes first. It also answers early
//! when the session is missing or closed: then a second read looks for the
//! event itself, because a stored event is a duplicate whatever its session
//! has become since.
//!
//! How a cancelled transaction is answered. Both writes ask for the item
//! that failed their condition (`ReturnValuesOnConditionCheckFailure =
//! ALL_OLD`); the reasons come one per write, in order:
//! - the event's condition failed: the event is already stored, by an
//!   earlier request or by this one's first attempt whose answer was lost.
//!   That is a **duplicate** (204), checked first, so a retried event is
//!   answered 204 even after its session closed;
//! - else the session's condition failed with no item: **unknown session**
//!   (404);
//! - else it failed on the session item returned: the same rules as the
//!   early read, applied to that item at the same arrival time, give the
//!   reason, **ended** before **expired** before **idle** (410). If those
//!   rules find it open after all, the item is not what this adapter
//!   writes, and the answer is a failure (500);
//! - else a `TransactionConflict` (another event of the same session in
//!   flight) or a throttling reason: the transaction is tried again after a
//!   short random pause;
//! - anything else is a failure (500).
//!
//! The whole append, reads, retries and pauses included, runs within the
//! time budget (`STORE_TIMEOUT_MS`); each call also has the client's own
//! per-attempt timeouts and retries (see [`super::dynamodb::connect`]).

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::event_item::to_event_item;
use super::item::{CREATED_AT, ENDED_AT, EVENT_COUNT, LAST_EVENT_AT};
use super::{Appended, EventStore, EventStoreError};
use crate::domain::{EventRecord, SessionActivity, SessionPolicy, epoch_millis, rfc3339_millis};
use crate::table::{EVENT_SORT_KEY, PARTITION_KEY, TTL_ATTRIBUTE};

/// The reasons of a cancelled transaction come in the order of its writes.
const SESSION_WRITE: usize = 0;
const EVENT_WRITE: usize = 1;
/// Pauses between tries of a conflicting transaction: doubling from the
/// first to the longest, each with a random part so that the events of one
/// session spread out.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// Condition of the session update: the session takes events (see the module doc).
const SESSION_TAKES_EVENTS: &str = "attribute_exists(#id) AND attribute_not_exists(#ended) \
     AND #created >= :createdSince \
     AND (#last >= :activeSinceMs OR (attribute_not_exists(#last) AND #created >= :activeSince))";

#[derive(Debug, Clone)]
pub struct DynamoDbEventStore {
    client: Client,
    sessions_table: String,
    events_table: String,
    budget: Duration,
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
        }
    }

    async fn append_unbounded(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
    ) -> Result<Appended, EventStoreError> {
        let now = record.received_at;
        let expires_at = match self.read_session(record).await? {
            None => return self.unless_stored(record, EventStoreError::UnknownSession).await,
            Some(item) => {
                let session = SessionFacts::of(&item).map_err(EventStoreError::Failed)?;
                if let Some(reason) = policy.gone(&session.activity, now) {
                    return self.unless_stored(record, EventStoreError::Gone(reason)).await;
                }
                session.expires_at
            }
        };

        let mut tries: u32 = 0;
        loop {
            let written = self.transact(record, policy, &expires_at).await;
            let retry = match written {
                Ok(()) => return Ok(Appended::Stored),
                Err(Written::Failed(error)) => return Err(error),
                Err(Written::Cancelled(reasons)) => match judge(&reasons, policy, now) {
                    Judged::Done(outcome) => return outcome,
                    Judged::Retry(why) => why,
                },
            };
            tries += 1;
            tracing::debug!(tries, reasons = %retry, "event transaction cancelled; trying again");
            tokio::time::sleep(pause(tries)).await;
        }
    }

    /// The session's record: only what decides whether it takes events.
    async fn read_session(
        &self,
        record: &EventRecord,
    ) -> Result<Option<HashMap<String, AttributeValue>>, EventStoreError> {
        self.client
            .get_item()
            .table_name(&self.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .consistent_read(true)
            .projection_expression("#created, #last, #ended, #expires")
            .expression_attribute_names("#created", CREATED_AT)
            .expression_attribute_names("#last", LAST_EVENT_AT)
            .expression_attribute_names("#ended", ENDED_AT)
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .send()
            .await
            .map(|read| read.item)
            .map_err(failure)
    }

    /// `refusal`, unless the event is already stored: a duplicate.
    async fn unless_stored(&self, record: &EventRecord, refusal: EventStoreError) -> Result<Appended, EventStoreError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.events_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .key(EVENT_SORT_KEY, AttributeValue::S(record.key()))
            .consistent_read(true)
            .projection_expression("#key")
            .expression_attribute_names("#key", EVENT_SORT_KEY)
            .send()
            .await
            .map_err(failure)?;
        match read.item {
            Some(_) => Ok(Appended::Duplicate),
            None => Err(refusal),
        }
    }

    async fn transact(&self, record: &EventRecord, policy: &SessionPolicy, expires_at: &str) -> Result<(), Written> {
        let (session, event) = self.writes(record, policy, expires_at).map_err(Written::Failed)?;
        match self
            .client
            .transact_write_items()
            .transact_items(session)
            .transact_items(event)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service)) => match service.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    Err(Written::Cancelled(cancelled.cancellation_reasons().to_vec()))
                }
                other => Err(Written::Failed(EventStoreError::Failed(
                    DisplayErrorContext(&other).to_string(),
                ))),
            },
            Err(error) => Err(Written::Failed(failure(error))),
        }
    }

    /// The session update and the event put of one transaction.
    fn writes(
        &self,
        record: &EventRecord,
        policy: &SessionPolicy,
        expires_at: &str,
    ) -> Result<(TransactWriteItem, TransactWriteItem), EventStoreError> {
        let cutoffs = policy.cutoffs(record.received_at);
        let mut update = Update::builder()
            .table_name(&self.sessions_table)
            .key(PARTITION_KEY, AttributeValue::S(record.session_id.to_string()))
            .condition_expression(SESSION_TAKES_EVENTS)
            .expression_attribute_names("#id", PARTITION_KEY)
            .expression_attribute_names("#ended", ENDED_AT)
            .expression_attribute_names("#created", CREATED_AT)
            .expression_attribute_names("#last", LAST_EVENT_AT)
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
            .expression_attribute_values(":now", AttributeValue::N(epoch_millis(record.received_at).to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        update = if record.event.event_type.closes_session() {
            update
                .update_expression("SET #last = :now, #ended = :endedAt ADD #count :one")
                .expression_attribute_values(":endedAt", AttributeValue::S(record.received_at_rfc3339()))
        } else {
            update.update_expression("SET #last = :now ADD #count :one")
        };
        let update = update
            .build()
            .map_err(|error| EventStoreError::Failed(error.to_string()))?;

        let put = Put::builder()
            .table_name(&self.events_table)
            .set_item(Some(to_event_item(record, expires_at)))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", EVENT_SORT_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|error| EventStoreError::Failed(error.to_string()))?;

        Ok((
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().put(put).build(),
        ))
    }
}

impl EventStore for DynamoDbEventStore {
    async fn append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, EventStoreError> {
        tokio::time::timeout(self.budget, self.append_unbounded(record, policy))
            .await
            .unwrap_or(Err(EventStoreError::TimedOut))
    }
}

/// What a session record says about taking events, and the expiry its
/// events share.
struct SessionFacts {
    activity: SessionActivity,
    /// `expiresAt` as stored (N, epoch seconds).
    expires_at: String,
}

impl SessionFacts {
    fn of(item: &HashMap<String, AttributeValue>) -> Result<Self, String> {
        let expires_at = item
            .get(TTL_ATTRIBUTE)
            .and_then(|value| value.as_n().ok())
            .ok_or("the session record has no expiresAt")?
            .clone();
        Ok(Self {
            activity: activity(item)?,
            expires_at,
        })
    }
}

/// Reads `createdAt`, `lastEventAt` and `endedAt` of a session record.
fn activity(item: &HashMap<String, AttributeValue>) -> Result<SessionActivity, String> {
    let created_at = item
        .get(CREATED_AT)
        .and_then(|value| value.as_s().ok())
        .ok_or("the session record has no createdAt")?;
    let created_at = OffsetDateTime::parse(created_at, &Rfc3339)
        .map_err(|error| format!("the session's createdAt {created_at:?} is not RFC 3339: {error}"))?;
    let last_event_at = match item.get(LAST_EVENT_AT) {
        None => None,
        Some(value) => {
            let millis = value
                .as_n()
                .ok()
                .and_then(|millis| millis.parse::<i64>().ok())
                .ok_or_else(|| format!("the session's lastEventAt {value:?} is not epoch milliseconds"))?;
            let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                .map_err(|error| format!("the session's lastEventAt {millis} is out of range: {error}"))?;
            Some(time)
        }
    };
    Ok(SessionActivity {
        created_at,
        last_event_at,
        ended: item.contains_key(ENDED_AT),
    })
}

/// How a transaction ended when it did not commit.
enum Written {
    Cancelled(Vec<CancellationReason>),
    Failed(EventStoreError),
}

enum Judged {
    Done(Result<Appended, EventStoreError>),
    /// Worth another try; the reasons, for the log.
    Retry(String),
}

/// Answers a cancelled transaction (the mapping of the module doc).
fn judge(reasons: &[CancellationReason], policy: &SessionPolicy, now: OffsetDateTime) -> Judged {
    let code = |write: usize| reasons.get(write).and_then(CancellationReason::code).unwrap_or("None");
    let codes = || format!("session: {}, event: {}", code(SESSION_WRITE), code(EVENT_WRITE));
    if code(EVENT_WRITE) == "ConditionalCheckFailed" {
        return Judged::Done(Ok(Appended::Duplicate));
    }
    if code(SESSION_WRITE) == "ConditionalCheckFailed" {
        let refusal = match reasons[SESSION_WRITE].item() {
            None => EventStoreError::UnknownSession,
            Some(session) => match activity(session) {
                Err(why) => EventStoreError::Failed(why),
                Ok(activity) => match policy.gone(&activity, now) {
                    Some(reason) => EventStoreError::Gone(reason),
                    None => EventStoreError::Failed(
                        "the session refused the event, yet its record says it takes events".to_owned(),
                    ),
                },
            },
        };
        return Judged::Done(Err(refusal));
    }
    let transient = |write: usize| {
        matches!(
            code(write),
            "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded"
        )
    };
    if transient(SESSION_WRITE) || transient(EVENT_WRITE) {
        Judged::Retry(codes())
    } else {
        Judged::Done(Err(EventStoreError::Failed(format!(
            "the event transaction was cancelled ({})",
            codes()
        ))))
    }
}

/// The pause before try `tries + 1`: half of it fixed, half random.
fn pause(tries: u32) -> Duration {
    let ceiling = FIRST_PAUSE.saturating_mul(1 << tries.min(16)).min(LONGEST_PAUSE);
    let random = RandomState::new().hash_one(tries);
    let half = ceiling / 2;
    half + half.mul_f64((random % 1_000) as f64 / 1_000.0)
}

fn failure<E, R>(error: SdkError<E, R>) -> EventStoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::TimeoutError(_) => EventStoreError::TimedOut,
        error => EventStoreError::Failed(DisplayErrorContext(&error).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::GoneReason;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-23 12:00:00 UTC);

    fn reason(code: &str, item: Option<HashMap<String, AttributeValue>>) -> CancellationReason {
        CancellationReason::builder().code(code).set_item(item).build()
    }

    fn session(created_at: &str, last_event_at: Option<i64>, ended: bool) -> HashMap<String, AttributeValue> {
        let mut item = HashMap::from([(CREATED_AT.to_owned(), AttributeValue::S(created_at.to_owned()))]);
        if let Some(millis) = last_event_at {
            item.insert(LAST_EVENT_AT.to_owned(), AttributeValue::N(millis.to_string()));
        }
        if ended {
            item.insert(ENDED_AT.to_owned(), AttributeValue::S(created_at.to_owned()));
        }
        item
    }

    fn judged(reasons: &[CancellationReason]) -> Result<Result<Appended, String>, String> {
        match judge(reasons, &SessionPolicy::default(), NOW) {
            Judged::Done(Ok(appended)) => Ok(Ok(appended)),
            Judged::Done(Err(error)) => Ok(Err(error.kind().to_owned() + ": " + &error.to_string())),
            Judged::Retry(why) => Err(why),
        }
    }

    #[test]
    fn a_stored_event_is_a_duplicate_whatever_the_session() {
        let ended = session("2026-11-23T11:59:00.000Z", None, true);
        for session_reason in [
            reason("None", None),
            reason("ConditionalCheckFailed", None),
            reason("ConditionalCheckFailed", Some(ended)),
        ] {
            let reasons = [session_reason, reason("ConditionalCheckFailed", Some(HashMap::new()))];
            assert_eq!(judged(&reasons), Ok(Ok(Appended::Duplicate)));
        }
    }

    #[test]
    fn a_refusing_session_says_why() {
        let cases = [
            (None, "session_not_found"),
            (Some(session("2026-11-23T11:59:00.000Z", None, true)), "ended"),
            (Some(session("2026-11-21T11:59:00.000Z", None, true)), "ended"),
            (Some(session("2026-11-22T11:59:59.999Z", None, false)), "expired"),
            (Some(session("2026-11-22T11:59:59.999Z", Some(1_000), false)), "expired"),
            (Some(session("2026-11-23T11:49:59.999Z", None, false)), "idle"),
            (
                Some(session(
                    "2026-11-23T11:00:00.000Z",
                    Some(epoch_millis(NOW) - 600_001),
                    false,
                )),
                "idle",
            ),
            (
                Some(session("2026-11-23T11:50:00.000Z", None, false)),
                "refused the event, yet",
            ),
        ];
        for (item, expected) in cases {
            let reasons = [reason("ConditionalCheckFailed", item.clone()), reason("None", None)];
            let answer = judged(&reasons);
            assert!(
                matches!(&answer, Ok(Err(message)) if message.contains(expected)),
                "{item:?}: {answer:?}"
            );
        }
        assert_eq!(GoneReason::Expired.to_string(), "expired");
    }

    #[test]
    fn conflicts_and_throttling_are_tried_again_and_the_rest_fails() {
        for codes in [
            ["TransactionConflict", "None"],
            ["None", "TransactionConflict"],
            ["ThrottlingError", "None"],
        ] {
            let reasons = [reason(codes[0], None), reason(codes[1], None)];
            assert!(judged(&reasons).is_err(), "{codes:?}");
        }
        let reasons = [reason("ValidationError", None), reason("None", None)];
        assert!(matches!(judged(&reasons), Ok(Err(message)) if message.starts_with("store_failed")));
    }

    #[test]
    fn pauses_grow_to_a_ceiling_with_a_random_part() {
        for tries in [1, 2, 5, 40] {
            let ceiling = FIRST_PAUSE.saturating_mul(1 << tries.min(16)).min(LONGEST_PAUSE);
            let pause = pause(tries);
            assert!(pause >= ceiling / 2 && pause <= ceiling, "{tries}: {pause:?}");
        }
    }
}
