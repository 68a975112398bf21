//! How the event transaction's outcome is read when it did not commit, and
//! what a session record says about taking events. The transaction holds
//! two writes, the session's update first and the event's put second; a
//! cancelled one gives one reason per write, in that order, each with the
//! item that failed its condition (`ReturnValuesOnConditionCheckFailure =
//! ALL_OLD`). The answer:
//! - the event's condition failed: a call already holds the event's key, by
//!   an earlier request or a concurrent copy of this one. The item that
//!   holds it is handed back (**key taken**), and the domain's rule
//!   (`domain::when_taken`) says whether it is this event (a **duplicate**,
//!   204) or a different one (the transaction is tried again under the key
//!   with the body's digits). It is checked first, so a retried event is
//!   answered 204 even after its session closed (the adapter's first read
//!   follows the same order: a closed or missing session is answered only
//!   once the event itself was looked for);
//! - else the session's condition failed with no item: **unknown session**
//!   (404);
//! - else it failed on the session item returned: the session rules,
//!   applied to that item and the event at its arrival time, give the
//!   reason, **ended** before **expired** before **idle** before
//!   **stalled** (410). Should they find the session open after all, another
//!   event changed it since it was read (the update is conditional on the
//!   playhead it read, so that "moved" is decided on the latest one, and on
//!   the `eventCount` it read, so that the metrics it rewrites are computed
//!   from the latest ones): the transaction is **tried again** at once,
//!   built on the item returned (the latest record: no second read); if the
//!   playhead did not change either, the item is not one this service
//!   wrote, and the answer is a failure (500);
//! - else a `TransactionConflict` (another event of the same session in
//!   flight) or a throttling reason: the transaction is **tried again**
//!   after a short random pause, within the time budget;
//! - anything else is a failure (500).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::schema::{
    CREATED_AT, ENDED_AT, ENDED_TS, EVENT_COUNT, LAST_EVENT_AT, LAST_MOVED_AT, LAST_PLAYHEAD, METRICS_STATE,
    PLAYER_TIME, PLAYHEAD, TTL_ATTRIBUTE,
};
use crate::domain::metrics::Tracker;
use crate::domain::{Arrival, Decimal, SessionActivity, SessionEnd, SessionPolicy};
use crate::store::{Appended, StoreError};

/// What a session read must project for [`SessionFacts::of`], with the
/// names it uses (`#pt.#ph`: the start's playhead, before any event).
pub(super) const SESSION_FACTS_PROJECTION: &str =
    "#created, #last, #ended, #endedTs, #moved, #lastPh, #pt.#ph, #expires, #count, #ms";
pub(super) const SESSION_FACTS_NAMES: [(&str, &str); 10] = [
    ("#created", CREATED_AT),
    ("#last", LAST_EVENT_AT),
    ("#ended", ENDED_AT),
    ("#endedTs", ENDED_TS),
    ("#moved", LAST_MOVED_AT),
    ("#lastPh", LAST_PLAYHEAD),
    ("#pt", PLAYER_TIME),
    ("#ph", PLAYHEAD),
    ("#count", EVENT_COUNT),
    ("#ms", METRICS_STATE),
];

/// The reasons of a cancelled transaction come in the order of its writes.
const SESSION_WRITE: usize = 0;
const EVENT_WRITE: usize = 1;

/// What a session record says about taking events, and the expiry its
/// events share.
pub(super) struct SessionFacts {
    pub(super) activity: SessionActivity,
    /// `expiresAt` as stored (N, epoch seconds).
    pub(super) expires_at: String,
    /// `lastPlayhead` as stored, absent before the first event: the
    /// transaction is conditional on finding it unchanged.
    pub(super) last_playhead: Option<AttributeValue>,
    /// `eventCount` as stored, absent before the first event: the version
    /// of the metrics read, on which the transaction is conditional too.
    pub(super) event_count: Option<AttributeValue>,
    /// The metrics so far; `None` for a record written before they existed.
    pub(super) tracker: Option<Tracker>,
}

impl SessionFacts {
    pub(super) fn of(item: &HashMap<String, AttributeValue>) -> Result<Self, String> {
        let expires_at = item
            .get(TTL_ATTRIBUTE)
            .and_then(|value| value.as_n().ok())
            .ok_or("the session record has no expiresAt")?
            .clone();
        let tracker = match item.get(METRICS_STATE) {
            None => None,
            Some(AttributeValue::B(bytes)) => Some(
                Tracker::decode(bytes.as_ref())
                    .map_err(|error| format!("the session's {METRICS_STATE} cannot be read: {error}"))?,
            ),
            Some(other) => return Err(format!("the session's {METRICS_STATE} {other:?} is not binary")),
        };
        Ok(Self {
            activity: activity(item)?,
            expires_at,
            last_playhead: item.get(LAST_PLAYHEAD).cloned(),
            event_count: item.get(EVENT_COUNT).cloned(),
            tracker,
        })
    }
}

/// Reads what the session rules look at in a session record.
fn activity(item: &HashMap<String, AttributeValue>) -> Result<SessionActivity, String> {
    let created_at = item
        .get(CREATED_AT)
        .and_then(|value| value.as_s().ok())
        .ok_or("the session record has no createdAt")?;
    let created_at = parse_rfc3339(CREATED_AT, created_at)?;
    let end = match item.get(ENDED_AT) {
        None => None,
        Some(value) => {
            let arrived_at = value
                .as_s()
                .map_err(|_| format!("the session's endedAt {value:?} is not a string"))?;
            Some(SessionEnd {
                arrived_at: parse_rfc3339(ENDED_AT, arrived_at)?,
                ts_millis: optional_millis(item, ENDED_TS)?,
            })
        }
    };
    let start_playhead = item
        .get(PLAYER_TIME)
        .and_then(|value| value.as_m().ok())
        .and_then(|player_time| player_time.get(PLAYHEAD));
    let playhead = item
        .get(LAST_PLAYHEAD)
        .or(start_playhead)
        .and_then(|value| value.as_n().ok())
        .ok_or("the session record has no playhead")?
        .parse::<Decimal>()
        .map_err(|error| format!("the session's playhead: {error}"))?;
    Ok(SessionActivity {
        created_at,
        last_event_at: optional_time(item, LAST_EVENT_AT)?,
        last_moved_at: optional_time(item, LAST_MOVED_AT)?,
        playhead,
        end,
    })
}

fn parse_rfc3339(name: &str, text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|error| format!("the session's {name} {text:?} is not RFC 3339: {error}"))
}

/// An optional N attribute of epoch milliseconds.
fn optional_millis(item: &HashMap<String, AttributeValue>, name: &str) -> Result<Option<i64>, String> {
    item.get(name)
        .map(|value| {
            value
                .as_n()
                .ok()
                .and_then(|millis| millis.parse::<i64>().ok())
                .ok_or_else(|| format!("the session's {name} {value:?} is not epoch milliseconds"))
        })
        .transpose()
}

/// An optional N attribute of epoch milliseconds, as a time.
fn optional_time(item: &HashMap<String, AttributeValue>, name: &str) -> Result<Option<OffsetDateTime>, String> {
    optional_millis(item, name)?
        .map(|millis| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                .map_err(|error| format!("the session's {name} {millis} is out of range: {error}"))
        })
        .transpose()
}

pub(super) enum Judged {
    Done(Result<Appended, StoreError>),
    /// The event's key is held by this stored item.
    KeyTaken(HashMap<String, AttributeValue>),
    /// Worth another try; the reasons, for the log.
    Retry(String),
    /// Another event committed in between: worth another try at once (no
    /// pause: the session moved on, nothing is in flight), built on the
    /// session record the cancellation handed back, which is the latest.
    RetryNow(String, HashMap<String, AttributeValue>),
}

/// What the transaction was built on, and is conditional on finding unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AsRead<'a> {
    /// The session's `lastPlayhead`.
    pub(super) playhead: Option<&'a AttributeValue>,
    /// The session's `eventCount`: the version of its metrics.
    pub(super) event_count: Option<&'a AttributeValue>,
}

/// Answers a cancelled transaction (the mapping of the module doc);
/// `read` is what the transaction was built on.
pub(super) fn judge(
    reasons: &[CancellationReason],
    policy: &SessionPolicy,
    event: &Arrival<'_>,
    read: AsRead<'_>,
) -> Judged {
    let code = |write: usize| reasons.get(write).and_then(CancellationReason::code).unwrap_or("None");
    let codes = || format!("session: {}, event: {}", code(SESSION_WRITE), code(EVENT_WRITE));
    if code(EVENT_WRITE) == "ConditionalCheckFailed" {
        return match reasons[EVENT_WRITE].item() {
            Some(holder) => Judged::KeyTaken(holder.clone()),
            None => Judged::Done(Err(StoreError::failed(
                "the event's key is taken, and DynamoDB did not say by what",
            ))),
        };
    }
    if code(SESSION_WRITE) == "ConditionalCheckFailed" {
        let refusal = match reasons[SESSION_WRITE].item() {
            None => StoreError::UnknownSession,
            Some(session) => match activity(session) {
                Err(why) => StoreError::failed(why),
                Ok(activity) => match policy.gone(&activity, event) {
                    Some(reason) => StoreError::Gone(reason),
                    None if session.get(LAST_PLAYHEAD) != read.playhead => {
                        return Judged::RetryNow("another event moved the playhead".to_owned(), session.clone());
                    }
                    None if session.get(EVENT_COUNT) != read.event_count => {
                        return Judged::RetryNow(
                            "another event changed the session's metrics".to_owned(),
                            session.clone(),
                        );
                    }
                    None => StoreError::failed("the session refused the event, yet its record says it takes events"),
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
        Judged::Done(Err(StoreError::failed(format!(
            "the event transaction was cancelled ({})",
            codes()
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GoneReason, epoch_millis};

    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-23 12:00:00 UTC);

    fn reason(code: &str, item: Option<HashMap<String, AttributeValue>>) -> CancellationReason {
        CancellationReason::builder().code(code).set_item(item).build()
    }

    const TS: i64 = 1_800_000_000_000;

    fn session(created_at: &str, last_event_at: Option<i64>, ended: bool) -> HashMap<String, AttributeValue> {
        let start = HashMap::from([
            ("playhead".to_owned(), AttributeValue::N("0".to_owned())),
            ("ts".to_owned(), AttributeValue::N(TS.to_string())),
        ]);
        let mut item = HashMap::from([
            (CREATED_AT.to_owned(), AttributeValue::S(created_at.to_owned())),
            (PLAYER_TIME.to_owned(), AttributeValue::M(start)),
        ]);
        if let Some(millis) = last_event_at {
            item.insert(LAST_EVENT_AT.to_owned(), AttributeValue::N(millis.to_string()));
            item.insert(LAST_MOVED_AT.to_owned(), AttributeValue::N(millis.to_string()));
        }
        if ended {
            item.insert(ENDED_AT.to_owned(), AttributeValue::S(created_at.to_owned()));
        }
        item
    }

    /// `judge` on an event at `TS`, playhead 0, arriving at `NOW`.
    fn judgement(reasons: &[CancellationReason]) -> Judged {
        let playhead: Decimal = "0".parse().unwrap();
        let event = Arrival {
            ts_millis: TS,
            playhead: &playhead,
            at: NOW,
        };
        judge(reasons, &SessionPolicy::default(), &event, AsRead::default())
    }

    fn judged(reasons: &[CancellationReason]) -> Result<Result<Appended, String>, String> {
        match judgement(reasons) {
            Judged::Done(Ok(appended)) => Ok(Ok(appended)),
            Judged::Done(Err(error)) => Ok(Err(error.kind().to_owned() + ": " + &error.to_string())),
            Judged::Retry(why) | Judged::RetryNow(why, _) => Err(why),
            Judged::KeyTaken(_) => Err("key taken".to_owned()),
        }
    }

    #[test]
    fn a_taken_key_is_handed_back_whatever_the_session() {
        let ended = session("2026-11-23T11:59:00.000Z", None, true);
        for session_reason in [
            reason("None", None),
            reason("ConditionalCheckFailed", None),
            reason("ConditionalCheckFailed", Some(ended)),
        ] {
            let reasons = [session_reason, reason("ConditionalCheckFailed", Some(HashMap::new()))];
            assert_eq!(judged(&reasons), Err("key taken".to_owned()));
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
            (
                Some({
                    let mut paused = session("2026-11-23T11:00:00.000Z", Some(epoch_millis(NOW) - 10_000), false);
                    paused.insert(
                        LAST_MOVED_AT.to_owned(),
                        AttributeValue::N((epoch_millis(NOW) - 1_800_001).to_string()),
                    );
                    paused
                }),
                "stalled",
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
    fn a_late_arrival_is_judged_on_the_end_it_follows() {
        let mut ended = session("2026-11-23T11:59:00.000Z", Some(epoch_millis(NOW) - 1_000), true);
        ended.insert(ENDED_TS.to_owned(), AttributeValue::N((TS - 1).to_string()));
        let reasons = [
            reason("ConditionalCheckFailed", Some(ended.clone())),
            reason("None", None),
        ];
        assert!(matches!(judged(&reasons), Ok(Err(message)) if message.contains("ended")));
        ended.insert(ENDED_TS.to_owned(), AttributeValue::N(TS.to_string()));
        let reasons = [reason("ConditionalCheckFailed", Some(ended)), reason("None", None)];
        assert!(
            matches!(judged(&reasons), Ok(Err(message)) if message.contains("refused the event, yet")),
            "a late arrival the record takes: the refusal was not the session rules'"
        );
    }

    #[test]
    fn a_playhead_moved_by_another_event_is_tried_again() {
        let mut moved = session("2026-11-23T11:59:00.000Z", Some(epoch_millis(NOW) - 1_000), false);
        moved.insert(LAST_PLAYHEAD.to_owned(), AttributeValue::N("12.5".to_owned()));
        let reasons = [
            reason("ConditionalCheckFailed", Some(moved.clone())),
            reason("None", None),
        ];
        match judgement(&reasons) {
            Judged::RetryNow(_, latest) => assert_eq!(latest, moved, "the next try is built on the record handed back"),
            _ => panic!("not tried again at once"),
        }
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
}
