//! When a session stops taking events: once a `sessionEnd` was accepted
//! (ended), when it is older than its maximum age (expired), or when no
//! event was accepted for the idle timeout after the previous one or the
//! start (idle). A session past several of these is reported by the first
//! in that order. The stores apply these rules at the event's arrival time;
//! the DynamoDB adapter writes the same comparisons as conditions, using
//! [`SessionPolicy::cutoffs`].

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use super::timestamp::to_millis;

/// How long a session takes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session with no accepted event for longer than this is idle.
    pub idle_timeout: Duration,
    /// A session created longer ago than this is expired.
    pub max_age: Duration,
}

impl Default for SessionPolicy {
    /// Ten minutes idle, one day in all.
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(600),
            max_age: Duration::from_secs(86_400),
        }
    }
}

/// Why a session no longer takes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoneReason {
    /// A `sessionEnd` was accepted.
    Ended,
    /// Older than the maximum age.
    Expired,
    /// No accepted event for the idle timeout.
    Idle,
}

impl GoneReason {
    /// `ended`, `expired` or `idle`: the word clients read.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ended => "ended",
            Self::Expired => "expired",
            Self::Idle => "idle",
        }
    }
}

impl fmt::Display for GoneReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a store knows of a session's life so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionActivity {
    pub created_at: OffsetDateTime,
    /// Arrival of the last accepted event, if any.
    pub last_event_at: Option<OffsetDateTime>,
    /// Whether a `sessionEnd` was accepted.
    pub ended: bool,
}

/// The oldest times that still count as alive at some moment, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// A session created before this is expired.
    pub created_since: OffsetDateTime,
    /// A session whose last event (or, without one, its start) came before this is idle.
    pub active_since: OffsetDateTime,
}

impl SessionPolicy {
    /// The cutoffs at `now`: both inclusive (exactly the idle timeout after the
    /// last event still takes the next one).
    pub fn cutoffs(&self, now: OffsetDateTime) -> Cutoffs {
        Cutoffs {
            created_since: before(now, self.max_age),
            active_since: before(now, self.idle_timeout),
        }
    }

    /// Why the session no longer takes an event arriving at `now`, if it does not.
    pub fn gone(&self, activity: &SessionActivity, now: OffsetDateTime) -> Option<GoneReason> {
        let cutoffs = self.cutoffs(now);
        if activity.ended {
            Some(GoneReason::Ended)
        } else if activity.created_at < cutoffs.created_since {
            Some(GoneReason::Expired)
        } else if activity.last_event_at.unwrap_or(activity.created_at) < cutoffs.active_since {
            Some(GoneReason::Idle)
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

    fn activity(created_ago_s: i64, last_event_ago_s: Option<i64>, ended: bool) -> SessionActivity {
        SessionActivity {
            created_at: NOW - time::Duration::seconds(created_ago_s),
            last_event_at: last_event_ago_s.map(|ago| NOW - time::Duration::seconds(ago)),
            ended,
        }
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
            assert_eq!(policy.gone(&activity, NOW), None, "{case}");
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
            assert_eq!(policy.gone(&activity, NOW), Some(reason), "{case}");
        }
    }

    #[test]
    fn cutoffs_are_whole_milliseconds_and_never_before_1970() {
        let policy = SessionPolicy {
            idle_timeout: Duration::from_micros(1_500),
            max_age: Duration::from_secs(u64::MAX),
        };
        let cutoffs = policy.cutoffs(datetime!(2026-11-23 12:00:00.0109 UTC));
        assert_eq!(cutoffs.active_since, datetime!(2026-11-23 12:00:00.008 UTC));
        assert_eq!(cutoffs.created_since, OffsetDateTime::UNIX_EPOCH);
    }
}
