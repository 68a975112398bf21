//! Downloaded sessions over HTTP: `POST /api/v1/downloaded`, and a JSON
//! array body to `POST /api/v1/sessions` (the older form). The body may be
//! as large as `MAX_DOWNLOADED_BODY_BYTES` and hold at most
//! `MAX_DOWNLOADED_CALLS` calls (413 beyond either); the write runs within
//! the invocation's remaining time, and answers 500 before Lambda's deadline.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::envelope::{ApiRequest, RawBody};
use super::exchange::Exchange;
use super::outcome::Answer;
use super::problem::ApiError;
use super::routes::{idempotency_key, replayed};
use super::{App, body};
use crate::domain::{DownloadedBatch, DownloadedRoute, DownloadedSession};
use crate::store::DownloadedStore;

/// Kept from the invocation's remaining time to answer and log before
/// Lambda's deadline.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(300);
/// The time a write may take when the invocation has no deadline (a test
/// calling the handler directly): the function's timeout in the template.
const NO_DEADLINE_BUDGET: Duration = Duration::from_secs(10);

/// Lambda's deadline (`Lambda-Runtime-Deadline-Ms`: epoch milliseconds) as
/// an instant of this process's clock; `None` when it is not in the future,
/// which Lambda never sends (a local emulator may), and the write then has
/// the budget of an invocation without a deadline.
pub fn invocation_deadline(deadline_epoch_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
    let remaining = deadline_epoch_ms.checked_sub(now_ms).filter(|ms| *ms > 0)?;
    Some(Instant::now() + Duration::from_millis(remaining))
}

/// Whether a body to `/api/v1/sessions` is an array (a downloaded session):
/// its first byte that is not white space is `[`.
pub(super) fn is_array_body(request: &ApiRequest) -> bool {
    match &request.body {
        RawBody::Bytes(bytes) => bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'['),
        RawBody::NotBase64 => false,
    }
}

impl<S: DownloadedStore> App<S> {
    /// Checked in this order: content type, size and UTF-8, the
    /// `Idempotency-Key`, the number of calls (413), the body (400), then
    /// the write.
    pub(super) async fn create_downloaded(
        &self,
        route: DownloadedRoute,
        exchange: &Exchange<'_>,
    ) -> Result<Answer, ApiError> {
        let (request, ids) = (exchange.request, exchange.ids);
        let text = body::text(request, self.config.max_downloaded_body_bytes)?;
        let key = idempotency_key(request)?;
        let body = DownloadedBatch::json(text)?;
        let limit = self.config.max_downloaded_calls;
        if let Some(calls) = body.as_array().map(Vec::len).filter(|calls| *calls > limit) {
            return Err(ApiError::TooManyCalls { limit, calls });
        }
        let batch = DownloadedBatch::from_json(&body, route)?;
        let mut session = DownloadedSession::new(
            batch,
            &body,
            key.as_ref(),
            ids.stored().to_owned(),
            exchange.received_at,
            self.config.session_ttl_days,
        );
        if let Some(at) = exchange.replayed_at {
            session.mark_replayed(at);
        }
        drop(body);

        let deadline = exchange.deadline.map_or_else(
            || Instant::now() + NO_DEADLINE_BUDGET,
            |deadline| deadline.checked_sub(ANSWER_MARGIN).unwrap_or(deadline),
        );
        let stored = exchange.timed(self.store.create_downloaded(&session, deadline)).await;
        let replayed = replayed(stored, ids.stored())?;
        Ok(Answer::Downloaded {
            session_id: session.record.session_id,
            replayed,
            events: if replayed { 0 } else { session.events.len() as u64 },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_in_the_past_is_no_deadline() {
        let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
        assert!(invocation_deadline(now_ms - 1_000).is_none());
        assert!(invocation_deadline(0).is_none());
        let deadline = invocation_deadline(now_ms + 5_000).unwrap();
        let remaining = deadline - Instant::now();
        assert!(remaining > Duration::from_millis(4_000) && remaining <= Duration::from_millis(5_000));
    }
}
