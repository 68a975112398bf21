//! A downloaded session as it is kept: the session record and every event,
//! all arrived at once. Its id is the SHA-256 of the body's canonical JSON
//! value, so the same batch sent again lands on the same session; with an
//! `Idempotency-Key` the key names it instead, as for a single start. The
//! same event twice (same `playerTime.ts`, type and body) is kept once, the
//! first, as a retried event is when it arrives alone; a different event
//! under a taken key gets the key with its body's digits, as online
//! ([`super::event_key`]).

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::downloaded::DownloadedBatch;
use super::metrics::Tracker;
use super::session_metrics::{call_of, start_tracker};
use super::{EventRecord, Fingerprint, IdempotencyKey, KeyForm, KeyTaken, SessionId, SessionRecord, when_taken};

#[derive(Debug, Clone)]
pub struct DownloadedSession {
    /// The start, its id and the body's fingerprint (always set: it tells a
    /// resent batch from another one).
    pub record: SessionRecord,
    /// One per key, in the order the player made them.
    pub events: Vec<EventRecord>,
}

impl DownloadedSession {
    /// `body` is the JSON value `batch` was parsed from; `now` the batch's arrival.
    pub fn new(
        batch: DownloadedBatch,
        body: &Value,
        key: Option<&IdempotencyKey>,
        request_id: String,
        now: OffsetDateTime,
        ttl_days: u32,
    ) -> Self {
        let fingerprint = Fingerprint::of(body);
        let record = SessionRecord::new(batch.start, request_id, now, ttl_days);
        let record = match key {
            Some(key) => record.idempotent(key, fingerprint),
            None => SessionRecord {
                session_id: SessionId::from_fingerprint(&fingerprint),
                fingerprint: Some(fingerprint),
                ..record
            },
        };
        let mut events: Vec<EventRecord> = Vec::with_capacity(batch.events.len());
        // Each key taken so far, and which of `events` holds it.
        let mut held: HashMap<String, usize> = HashMap::with_capacity(batch.events.len());
        for event in batch.events {
            let event = EventRecord::new(record.session_id.clone(), event, record.request_id.clone(), now);
            let mut form = KeyForm::Plain;
            loop {
                let key = event.event.key_in(form);
                let Some(&holder) = held.get(&key) else {
                    held.insert(key, events.len());
                    events.push(event.in_form(form));
                    break;
                };
                match when_taken(form, &event.event.fingerprint(), &events[holder].event.fingerprint()) {
                    KeyTaken::Try(next) => form = next,
                    KeyTaken::Retry | KeyTaken::NoKeyLeft => break,
                }
            }
        }
        Self { record, events }
    }

    /// Marks the session and its events as stored by replaying a kept call at `at`.
    pub fn mark_replayed(&mut self, at: OffsetDateTime) {
        let at = super::to_millis(at);
        self.record.replayed_at = Some(at);
        for event in &mut self.events {
            event.replayed_at = Some(at);
        }
    }

    /// The session's metrics: its start, then every event kept, in the
    /// order the player made them, through the same computation as live
    /// events one by one.
    pub fn metrics(&self) -> Tracker {
        let mut tracker = start_tracker(&self.record.start);
        for event in &self.events {
            tracker.accept(call_of(&event.event));
        }
        tracker
    }

    /// When the batch arrived: the session's `createdAt`, each event's
    /// `receivedAt`, its `lastEventAt` and its `endedAt` (a downloaded
    /// session is closed on arrival).
    pub fn arrived_at(&self) -> OffsetDateTime {
        self.record.created_at
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::DownloadedRoute;

    fn body(extra_ping: bool) -> Value {
        let mut calls = vec![
            json!({ "eventType": "sessionStart", "playerTime": { "playhead": 0, "ts": 1_509_045_324_153_i64 },
                "params": { "analytics.trackingServer": "t", "analytics.reportSuite": "r",
                "visitor.marketingCloudOrgId": "o", "media.id": "m", "media.contentType": "VOD",
                "media.playerName": "p", "media.channel": "c", "media.length": 60 } }),
            json!({ "eventType": "play", "playerTime": { "playhead": 0, "ts": 1_509_045_325_000_i64 } }),
            json!({ "eventType": "play", "playerTime": { "playhead": 1, "ts": 1_509_045_325_000_i64 } }),
        ];
        // The same play again (formatted otherwise): a retry, kept once.
        calls.push(json!({ "playerTime": { "ts": 1_509_045_325_000.0, "playhead": 1.0 }, "eventType": "play" }));
        if extra_ping {
            calls.push(json!({ "eventType": "ping", "playerTime": { "playhead": 9, "ts": 1_509_045_335_000_i64 } }));
        }
        Value::Array(calls)
    }

    fn session(body: &Value, key: Option<&IdempotencyKey>) -> DownloadedSession {
        let batch = DownloadedBatch::from_json(body, DownloadedRoute::Downloaded).unwrap();
        DownloadedSession::new(batch, body, key, "req".into(), OffsetDateTime::now_utc(), 30)
    }

    #[test]
    fn the_same_batch_is_the_same_session_and_each_event_is_kept_once() {
        let first = session(&body(false), None);
        let again = session(&body(false), None);
        assert_eq!(first.record.session_id, again.record.session_id);
        assert_eq!(
            first.record.session_id.as_str(),
            first.record.fingerprint.as_ref().unwrap().as_str()
        );
        assert_ne!(first.record.session_id, session(&body(true), None).record.session_id);
        let keys: Vec<String> = first.events.iter().map(EventRecord::key).collect();
        let second = first.events[1].event.fingerprint();
        assert_eq!(
            keys,
            [
                "001509045325000#play".to_owned(),
                format!("001509045325000#play#{}", &second.as_str()[..16]),
            ],
            "two different plays at one ts are both kept, the second under its body's key; its copy once"
        );
        assert_eq!(first.events[0].event.player_time.playhead.to_string(), "0");
        assert_eq!(first.events[1].event.player_time.playhead.to_string(), "1");
        assert!(first.events.iter().all(|event| event.received_at == first.arrived_at()));
    }

    #[test]
    fn an_idempotency_key_names_the_session() {
        let key = IdempotencyKey::parse(b"abc").unwrap();
        let keyed = session(&body(false), Some(&key));
        assert_eq!(keyed.record.session_id, key.session_id());
        assert_eq!(keyed.record.fingerprint, Some(Fingerprint::of(&body(false))));
        assert_eq!(keyed.events[0].session_id, key.session_id());
    }
}
