//! An accepted event as it is kept: the valid body, the session it belongs
//! to, and the facts the server adds (when it arrived, for which request).

use time::OffsetDateTime;

use super::KeyForm;
use super::session::SessionId;
use super::session_event::SessionEvent;
use super::timestamp::{rfc3339_millis, to_millis};

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub session_id: SessionId,
    pub event: SessionEvent,
    /// Server time of arrival, truncated to the millisecond: the time the
    /// session's rules are judged at.
    pub received_at: OffsetDateTime,
    /// The API Gateway request id, or Lambda's when the event has none.
    pub request_id: String,
    /// Which of its keys the event is kept under (see [`super::event_key`]).
    pub key_form: KeyForm,
    /// When the event was stored by replaying a kept call (`replayedAt`).
    pub replayed_at: Option<OffsetDateTime>,
}

impl EventRecord {
    pub fn new(session_id: SessionId, event: SessionEvent, request_id: String, now: OffsetDateTime) -> Self {
        Self {
            session_id,
            event,
            received_at: to_millis(now),
            request_id,
            key_form: KeyForm::Plain,
            replayed_at: None,
        }
    }

    /// The event's key within its session, in its [`KeyForm`].
    pub fn key(&self) -> String {
        self.event.key_in(self.key_form)
    }

    /// The same record, to be kept under its key in `form`.
    pub fn in_form(&self, form: KeyForm) -> Self {
        Self {
            key_form: form,
            ..self.clone()
        }
    }

    /// `receivedAt`: RFC 3339, UTC, with milliseconds, as `createdAt`.
    pub fn received_at_rfc3339(&self) -> String {
        rfc3339_millis(self.received_at)
    }
}
