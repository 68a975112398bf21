//! The stores in a `Mutex`, for handler tests that need no DynamoDB: the
//! sessions, and their events under the same rules as the DynamoDB adapter
//! (duplicates first, then unknown, then ended, expired, idle, stalled). It can be
//! told to fail, to test the 500 path, and its clock can be moved forward,
//! to test sessions that have gone idle or expired. A downloaded session is
//! kept whole or not at all, as the DynamoDB adapter's commit point makes it.
//! Built only for tests (`cfg(test)` and the `test-support` feature, which
//! the crate's own dev-dependency on itself turns on for `tests/`), never
//! into the release binary.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use crate::domain::metrics::{Metrics, Tracker};
use crate::domain::{
    Arrival, DownloadedSession, EventRecord, KeyTaken, RefusedCall, SessionActivity, SessionEnd, SessionPolicy,
    SessionRecord, call_of, start_tracker, when_taken,
};

use super::{Appended, Created, DownloadedStore, EventStore, RefusedStore, SessionStore, StoreError, id_taken};

#[derive(Debug, Default)]
pub struct InMemorySessionStore {
    state: Mutex<State>,
    failing: Mutex<bool>,
}

#[derive(Debug, Default)]
struct State {
    /// The refused calls kept, in arrival order.
    refused: Vec<RefusedCall>,
    sessions: HashMap<String, Session>,
    /// Events by session id, then by key.
    events: HashMap<String, BTreeMap<String, EventRecord>>,
    /// How far this store's clock is ahead of the time it is given.
    clock_ahead: time::Duration,
}

#[derive(Debug, Clone)]
struct Session {
    record: SessionRecord,
    activity: SessionActivity,
    event_count: u64,
    /// Sent as a downloaded session.
    downloaded: bool,
    /// The session's metrics so far.
    tracker: Tracker,
}

impl InMemorySessionStore {
    /// A store whose every write fails, like an unreachable DynamoDB.
    pub fn failing() -> Self {
        Self {
            failing: Mutex::new(true),
            ..Self::default()
        }
    }

    /// Moves this store's clock forward: events then arrive `by` later than
    /// the time they are given (and are stored as arriving then).
    pub fn advance_clock(&self, by: std::time::Duration) {
        let by = time::Duration::try_from(by).unwrap_or(time::Duration::MAX);
        let mut state = self.state();
        state.clock_ahead = state.clock_ahead.saturating_add(by);
    }

    pub fn get(&self, session_id: &str) -> Option<SessionRecord> {
        self.state()
            .sessions
            .get(session_id)
            .map(|session| session.record.clone())
    }

    /// What the session's events have recorded on it so far.
    pub fn activity(&self, session_id: &str) -> Option<SessionActivity> {
        self.state()
            .sessions
            .get(session_id)
            .map(|session| session.activity.clone())
    }

    /// How many events the session accepted.
    pub fn event_count(&self, session_id: &str) -> Option<u64> {
        self.state().sessions.get(session_id).map(|session| session.event_count)
    }

    /// Whether the session was sent as a downloaded session.
    /// The session's metrics, as the session record publishes them.
    pub fn metrics(&self, session_id: &str) -> Option<Metrics> {
        self.state()
            .sessions
            .get(session_id)
            .map(|session| session.tracker.metrics())
    }

    /// The refused calls kept so far.
    pub fn refused(&self) -> Vec<RefusedCall> {
        self.state().refused.clone()
    }

    pub fn is_downloaded(&self, session_id: &str) -> Option<bool> {
        self.state().sessions.get(session_id).map(|session| session.downloaded)
    }

    /// The session's stored events, in key order (player time).
    pub fn events(&self, session_id: &str) -> Vec<EventRecord> {
        self.state()
            .events
            .get(session_id)
            .map(|events| events.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The number of sessions.
    pub fn len(&self) -> usize {
        self.state().sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_failing(&self) -> bool {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SessionStore for InMemorySessionStore {
    async fn create(&self, record: &SessionRecord) -> Result<Created, StoreError> {
        if self.is_failing() {
            return Err(StoreError::failed("the in-memory store was told to fail"));
        }
        let mut state = self.state();
        if let Some(existing) = state.sessions.get(record.session_id.as_str()) {
            return id_taken(record, existing.record.fingerprint.as_ref());
        }
        state.sessions.insert(
            record.session_id.to_string(),
            Session {
                record: record.clone(),
                activity: SessionActivity {
                    created_at: record.created_at,
                    last_event_at: None,
                    last_moved_at: None,
                    playhead: record.start.player_time.playhead.clone(),
                    end: None,
                },
                event_count: 0,
                downloaded: false,
                tracker: start_tracker(&record.start),
            },
        );
        Ok(Created::New)
    }
}

impl EventStore for InMemorySessionStore {
    async fn append(&self, record: &EventRecord, policy: &SessionPolicy) -> Result<Appended, StoreError> {
        if self.is_failing() {
            return Err(StoreError::failed("the in-memory store was told to fail"));
        }
        let mut state = self.state();
        let session_id = record.session_id.as_str();
        let mut record = record.clone();
        let stored_events = state.events.get(session_id);
        while let Some(holder) = stored_events.and_then(|events| events.get(&record.key())) {
            match when_taken(
                record.key_form,
                &record.event.fingerprint(),
                &holder.event.fingerprint(),
            ) {
                KeyTaken::Retry => return Ok(Appended::Duplicate),
                KeyTaken::Try(form) => record = record.in_form(form),
                KeyTaken::NoKeyLeft => {
                    return Err(StoreError::failed("two bodies share the key's digits"));
                }
            }
        }
        let key = record.key();
        let now = record.received_at.saturating_add(state.clock_ahead);
        let session = state.sessions.get_mut(session_id).ok_or(StoreError::UnknownSession)?;
        let player_time = &record.event.player_time;
        let arrival = Arrival {
            ts_millis: player_time.ts_millis(),
            playhead: &player_time.playhead,
            at: now,
        };
        let activity = &mut session.activity;
        if let Some(reason) = policy.gone(activity, &arrival) {
            return Err(StoreError::Gone(reason));
        }
        // A replayed call that arrived before the last event changes none of these.
        if activity.last_event_at.is_none_or(|last| now >= last) {
            activity.last_event_at = Some(now);
            if activity.moved_by(&player_time.playhead) {
                activity.last_moved_at = Some(now);
            }
            activity.playhead = player_time.playhead.clone();
        }
        if record.event.event_type.closes_session() && activity.end.is_none() {
            activity.end = Some(SessionEnd {
                arrived_at: now,
                ts_millis: Some(player_time.ts_millis()),
            });
        }
        session.event_count += 1;
        session.tracker.accept(call_of(&record.event));
        let stored = EventRecord {
            received_at: now,
            ..record
        };
        state
            .events
            .entry(session_id.to_owned())
            .or_default()
            .insert(key, stored);
        Ok(Appended::Stored)
    }
}

impl RefusedStore for InMemorySessionStore {
    async fn keep(&self, call: &RefusedCall) -> Result<bool, StoreError> {
        if self.is_failing() {
            return Err(StoreError::failed("the in-memory store was told to fail"));
        }
        self.state().refused.push(call.clone());
        Ok(true)
    }
}

impl DownloadedStore for InMemorySessionStore {
    async fn create_downloaded(
        &self,
        session: &DownloadedSession,
        _deadline: std::time::Instant,
    ) -> Result<Created, StoreError> {
        if self.is_failing() {
            return Err(StoreError::failed("the in-memory store was told to fail"));
        }
        let record = &session.record;
        let mut state = self.state();
        if let Some(existing) = state.sessions.get(record.session_id.as_str()) {
            return id_taken(record, existing.record.fingerprint.as_ref());
        }
        let arrived_at = session.arrived_at();
        let events = state.events.entry(record.session_id.to_string()).or_default();
        for event in &session.events {
            events.insert(event.key(), event.clone());
        }
        state.sessions.insert(
            record.session_id.to_string(),
            Session {
                record: record.clone(),
                activity: SessionActivity {
                    created_at: record.created_at,
                    last_event_at: (!session.events.is_empty()).then_some(arrived_at),
                    last_moved_at: None,
                    playhead: record.start.player_time.playhead.clone(),
                    // Closed on arrival: a downloaded session takes no late arrivals.
                    end: Some(SessionEnd {
                        arrived_at,
                        ts_millis: None,
                    }),
                },
                event_count: session.events.len() as u64,
                downloaded: true,
                tracker: session.metrics(),
            },
        );
        Ok(Created::New)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use time::OffsetDateTime;

    use super::*;
    use crate::domain::{GoneReason, SessionEvent, SessionStart};

    const START: &str = r#"{"playerTime": {"playhead": 0, "ts": 1509045324153}, "eventType": "sessionStart",
        "params": {"analytics.trackingServer": "t", "analytics.reportSuite": "r",
        "visitor.marketingCloudOrgId": "o", "media.id": "m", "media.contentType": "VOD",
        "media.playerName": "p", "media.channel": "c", "media.length": 60}}"#;

    fn event(event_type: &str, ts: i64, session: &SessionRecord, now: OffsetDateTime) -> EventRecord {
        let body = format!(r#"{{"playerTime": {{"playhead": 1, "ts": {ts}}}, "eventType": "{event_type}"}}"#);
        let event = SessionEvent::parse(&body).expect("a valid event");
        EventRecord::new(session.session_id.clone(), event, "req".into(), now)
    }

    async fn started(store: &InMemorySessionStore, now: OffsetDateTime) -> SessionRecord {
        let record = SessionRecord::new(SessionStart::parse(START).unwrap(), "req".into(), now, 30);
        store.create(&record).await.unwrap();
        record
    }

    #[tokio::test]
    async fn follows_the_session_rules() {
        let store = InMemorySessionStore::default();
        let policy = SessionPolicy::default();
        let now = OffsetDateTime::now_utc();
        let session = started(&store, now).await;
        let id = session.session_id.as_str();

        let play = event("play", 1_509_045_325_000, &session, now);
        assert_eq!(store.append(&play, &policy).await.unwrap(), Appended::Stored);
        assert_eq!(store.append(&play, &policy).await.unwrap(), Appended::Duplicate);
        assert_eq!(store.event_count(id), Some(1));

        let end = event("sessionEnd", 1_509_045_326_000, &session, now);
        assert_eq!(store.append(&end, &policy).await.unwrap(), Appended::Stored);
        let after_the_end = event("ping", 1_509_045_327_000, &session, now);
        assert!(matches!(
            store.append(&after_the_end, &policy).await,
            Err(StoreError::Gone(GoneReason::Ended))
        ));
        let late_arrival = event("ping", 1_509_045_325_500, &session, now);
        assert_eq!(store.append(&late_arrival, &policy).await.unwrap(), Appended::Stored);
        assert_eq!(store.append(&end, &policy).await.unwrap(), Appended::Duplicate);
        assert_eq!(store.event_count(id), Some(3));
        assert!(store.activity(id).unwrap().end.is_some());
        let keys: Vec<String> = store.events(id).iter().map(EventRecord::key).collect();
        assert_eq!(
            keys,
            [
                "001509045325000#play",
                "001509045325500#ping",
                "001509045326000#sessionEnd"
            ]
        );
    }

    #[tokio::test]
    async fn its_clock_can_be_moved_forward() {
        let store = InMemorySessionStore::default();
        let policy = SessionPolicy::default();
        let now = OffsetDateTime::now_utc();
        let session = started(&store, now).await;
        store.advance_clock(Duration::from_secs(601));
        let ping = event("ping", 1_509_045_325_000, &session, now);
        assert!(matches!(
            store.append(&ping, &policy).await,
            Err(StoreError::Gone(GoneReason::Idle))
        ));
        store.advance_clock(Duration::from_secs(86_400));
        assert!(matches!(
            store.append(&ping, &policy).await,
            Err(StoreError::Gone(GoneReason::Expired))
        ));
        let unknown = SessionRecord::new(SessionStart::parse(START).unwrap(), "req".into(), now, 30);
        assert!(matches!(
            store
                .append(&event("ping", 1_509_045_325_000, &unknown, now), &policy)
                .await,
            Err(StoreError::UnknownSession)
        ));
    }
}
