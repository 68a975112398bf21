//! When a session stops taking events: once a `sessionEnd` was accepted
//! (ended), when it is older than its maximum age (expired), when no event
//! was accepted for the idle timeout after the previous one or the start
//! (idle), or when its playhead has not moved for the stall timeout
//! (stalled: every event accepted in that time carried the playhead of the
//! one before, as when a viewer pauses and walks away while the player
//! pings; the start counts as a move). A session past several of these is
//! reported by the first in that order.
//!
//! Requests overtake each other, so an ended session still takes a late
//! arrival, an event whose `playerTime.ts` is not after the end's, for the
//! idle timeout after the end arrived.
//!
//! The stores apply these rules at the event's arrival time; the DynamoDB
//! adapter writes the same comparisons as conditions, using
//! [`SessionPolicy::cutoffs`].

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use super::decimal::Decimal;
use super::timestamp::to_millis;

/// How long a session takes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session with no accepted event for longer than this is idle; an
    /// ended session takes late arrivals for this long after its end.
    pub idle_timeout: Duration,
    /// A session created longer ago than this is expired.
    pub max_age: Duration,
    /// A session whose playhead has not moved for longer than this is stalled.
    pub stall_timeout: Duration,
}

impl Default for SessionPolicy {
    /// Ten minutes idle, half an hour stalled, one day in all.
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(600),
            max_age: Duration::from_secs(86_400),
            stall_timeout: Duration::from_secs(1_800),
        }
    }
}

/// Why a session no longer takes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoneReason {
    /// A `sessionEnd` was accepted (and the event is not a late arrival).
    Ended,
    /// Older than the maximum age.
    Expired,
    /// No accepted event for the idle timeout.
    Idle,
    /// The playhead has not moved for the stall timeout.
    Stalled,
}

impl GoneReason {
    /// `ended`, `expired`, `idle` or `stalled`: the word clients read.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ended => "ended",
            Self::Expired => "expired",
            Self::Idle => "idle",
            Self::Stalled => "stalled",
        }
    }
}

impl fmt::Display for GoneReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a store knows of a session's life so far.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionActivity {
    pub created_at: OffsetDateTime,
    /// Arrival of the last accepted event, if any.
    pub last_event_at: Option<OffsetDateTime>,
    /// Arrival of the last accepted event that moved the playhead; `None`
    /// when none has since the start (which counts as a move).
    pub last_moved_at: Option<OffsetDateTime>,
    /// The playhead of the last accepted event, or of the start before any.
    pub playhead: Decimal,
    /// The accepted `sessionEnd`, if any.
    pub end: Option<SessionEnd>,
}

/// An accepted `sessionEnd`: when it arrived and the player time it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnd {
    pub arrived_at: OffsetDateTime,
    /// Its `playerTime.ts`; `None` for an end stored before late arrivals
    /// were taken, which takes none.
    pub ts_millis: Option<i64>,
}

/// What the rules look at in an arriving event.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    /// Its `playerTime.ts`, in milliseconds.
    pub ts_millis: i64,
    pub playhead: &'a Decimal,
    /// Server time of arrival.
    pub at: OffsetDateTime,
}

impl SessionActivity {
    /// Whether `playhead` differs from the last one the session accepted.
    pub fn moved_by(&self, playhead: &Decimal) -> bool {
        *playhead != self.playhead
    }
}

/// The oldest times that still count as alive at some moment, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// A session created before this is expired.
    pub created_since: OffsetDateTime,
    /// A session whose last event (or, without one, its start) came before
    /// this is idle; an end that arrived before this takes no late arrivals.
    pub active_since: OffsetDateTime,
    /// A session whose playhead last moved (or, without a move, that
    /// started) before this is stalled.
    pub moved_since: OffsetDateTime,
}

impl SessionPolicy {
    /// The cutoffs at `now`: all inclusive (exactly the idle timeout after the
    /// last event still takes the next one).
    pub fn cutoffs(&self, now: OffsetDateTime) -> Cutoffs {
        Cutoffs {
            created_since: before(now, self.max_age),
            active_since: before(now, self.idle_timeout),
            moved_since: before(now, self.stall_timeout),
        }
    }

    /// Why the session does not take `event`, if it does not.
    pub fn gone(&self, activity: &SessionActivity, event: &Arrival<'_>) -> Option<GoneReason> {
        let cutoffs = self.cutoffs(event.at);
        if let Some(end) = &activity.end {
            let late_arrival =
                end.ts_millis.is_some_and(|end_ts| event.ts_millis <= end_ts) && end.arrived_at >= cutoffs.active_since;
            if !late_arrival {
                return Some(GoneReason::Ended);
            }
        }
        if activity.created_at < cutoffs.created_since {
            Some(GoneReason::Expired)
        } else if activity.last_event_at.unwrap_or(activity.created_at) < cutoffs.active_since {
            Some(GoneReason::Idle)
        } else if activity.last_moved_at.unwrap_or(activity.created_at) < cutoffs.moved_since {
            Some(GoneReason::Stalled)
        } else {
            None
        }
    }
}

/// `span` before `now`, to the millisecond; never before 1970.
fn before(now: OffsetDateTime, span: Duration) -> OffsetDateTime {
    time::Duration::try_from(span)
        .ok()
        .and_then(|span| to_millis(now).checked_sub(span))
        .map(to_millis)
        .map_or(OffsetDateTime::UNIX_EPOCH, |cutoff| {
            cutoff.max(OffsetDateTime::UNIX_EPOCH)
        })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
    const TS: i64 = 1_800_000_000_000;

    fn ago(seconds: i64) -> OffsetDateTime {
        NOW - time::Duration::seconds(seconds)
    }

    fn playhead(value: &str) -> Decimal {
        value.parse().expect("a test playhead")
    }

    fn activity(created_ago_s: i64, last_event_ago_s: Option<i64>, ended: bool) -> SessionActivity {
        SessionActivity {
            created_at: ago(created_ago_s),
            last_event_at: last_event_ago_s.map(ago),
            last_moved_at: last_event_ago_s.map(ago),
            playhead: playhead("0"),
            end: ended.then(|| SessionEnd {
                arrived_at: ago(last_event_ago_s.unwrap_or(created_ago_s)),
                ts_millis: Some(TS),
            }),
        }
    }

    fn gone(policy: &SessionPolicy, activity: &SessionActivity, ts_millis: i64) -> Option<GoneReason> {
        let moved = playhead("1");
        policy.gone(
            activity,
            &Arrival {
                ts_millis,
                playhead: &moved,
                at: NOW,
            },
        )
    }

    #[test]
    fn open_until_the_timeouts_inclusive() {
        let policy = SessionPolicy::default();
        for (case, activity) in [
            ("just started", activity(0, None, false)),
            ("idle timeout after the start", activity(600, None, false)),
            ("idle timeout after the last event", activity(3_000, Some(600), false)),
            ("max age", activity(86_400, Some(1), false)),
        ] {
            assert_eq!(gone(&policy, &activity, TS + 1), None, "{case}");
        }
    }

    #[test]
    fn gone_for_the_first_reason_in_order() {
        let policy = SessionPolicy::default();
        for (case, activity, reason) in [
            ("no event since the start", activity(601, None, false), GoneReason::Idle),
            (
                "no event since the last",
                activity(3_000, Some(601), false),
                GoneReason::Idle,
            ),
            ("too old", activity(86_401, Some(1), false), GoneReason::Expired),
            (
                "too old and idle",
                activity(86_401, Some(700), false),
                GoneReason::Expired,
            ),
            ("ended", activity(10, Some(1), true), GoneReason::Ended),
            (
                "ended, too old and idle",
                activity(90_000, None, true),
                GoneReason::Ended,
            ),
        ] {
            assert_eq!(gone(&policy, &activity, TS + 1), Some(reason), "{case}");
        }
    }

    #[test]
    fn an_ended_session_takes_late_arrivals_for_the_idle_timeout() {
        let policy = SessionPolicy::default();
        let just_ended = activity(100, Some(1), true);
        assert_eq!(gone(&policy, &just_ended, TS), None, "the end's own ts");
        assert_eq!(gone(&policy, &just_ended, TS - 5), None, "sent before the end");
        assert_eq!(
            gone(&policy, &just_ended, TS + 1),
            Some(GoneReason::Ended),
            "sent after"
        );
        let ended_long_ago = activity(1_000, Some(601), true);
        assert_eq!(gone(&policy, &ended_long_ago, TS - 5), Some(GoneReason::Ended));
        let mut ended_before_late_arrivals = just_ended.clone();
        ended_before_late_arrivals.end = Some(SessionEnd {
            arrived_at: ago(1),
            ts_millis: None,
        });
        assert_eq!(
            gone(&policy, &ended_before_late_arrivals, TS - 5),
            Some(GoneReason::Ended)
        );
    }

    #[test]
    fn a_playhead_that_does_not_move_stalls_the_session() {
        let policy = SessionPolicy::default();
        let mut paused = activity(3_000, Some(10), false);
        paused.last_moved_at = Some(ago(1_801));
        assert_eq!(gone(&policy, &paused, TS), Some(GoneReason::Stalled));
        paused.last_moved_at = Some(ago(1_800));
        assert_eq!(gone(&policy, &paused, TS), None, "inclusive");
        let mut never_moved = activity(1_801, Some(10), false);
        never_moved.last_moved_at = None;
        assert_eq!(gone(&policy, &never_moved, TS), Some(GoneReason::Stalled));
        never_moved.created_at = ago(1_800);
        assert_eq!(gone(&policy, &never_moved, TS), None, "the start counts as a move");
        assert!(paused.moved_by(&playhead("20")));
        assert!(!paused.moved_by(&playhead("0.0")), "the same value, spelt otherwise");
    }

    #[test]
    fn cutoffs_are_whole_milliseconds_and_never_before_1970() {
        let policy = SessionPolicy {
            idle_timeout: Duration::from_micros(1_500),
            max_age: Duration::from_secs(u64::MAX),
            stall_timeout: Duration::from_secs(1),
        };
        let cutoffs = policy.cutoffs(datetime!(2026-11-23 12:00:00.0109 UTC));
        assert_eq!(cutoffs.active_since, datetime!(2026-11-23 12:00:00.008 UTC));
        assert_eq!(cutoffs.created_since, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(cutoffs.moved_since, datetime!(2026-11-23 11:59:59.010 UTC));
    }
}
