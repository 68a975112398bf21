//! One request on its way through the layers: the decoded request, the ids
//! that tie it to its logs, its deadline, and the clock of its store call.
//! Every layer and route reads it; none owns it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::envelope::ApiRequest;

/// A request, as every layer sees it.
#[derive(Debug)]
pub(crate) struct Exchange<'a> {
    pub request: &'a ApiRequest,
    pub ids: RequestIds<'a>,
    /// When the invocation must be answered by (Lambda's deadline), if known.
    pub deadline: Option<Instant>,
    /// When the request reached the function.
    pub started: Instant,
    /// When the call arrived, on the server's clock: now, or for a replayed
    /// call its original arrival.
    pub received_at: OffsetDateTime,
    /// When a kept call is replayed: the replay's time (`replayedAt`).
    pub replayed_at: Option<OffsetDateTime>,
    store: StoreClock,
}

impl<'a> Exchange<'a> {
    pub fn new(request: &'a ApiRequest, deadline: Option<Instant>) -> Self {
        Self {
            request,
            ids: RequestIds::of(request),
            deadline,
            started: Instant::now(),
            received_at: OffsetDateTime::now_utc(),
            replayed_at: None,
            store: StoreClock::default(),
        }
    }

    /// A kept call replayed at `replayed_at` as if it arrived at `received_at`.
    pub fn replaying(request: &'a ApiRequest, received_at: OffsetDateTime, replayed_at: OffsetDateTime) -> Self {
        Self {
            received_at,
            replayed_at: Some(replayed_at),
            ..Self::new(request, None)
        }
    }

    /// Runs a store call, and remembers how long it took.
    pub async fn timed<T>(&self, call: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let result = call.await;
        self.store.add(started.elapsed());
        result
    }

    /// How long the request's store calls took, if it made any.
    pub fn store_latency(&self) -> Option<Duration> {
        self.store.total()
    }
}

/// The ids that tie a request to its logs: Lambda's, and API Gateway's
/// when the event came through it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestIds<'a> {
    pub lambda: &'a str,
    pub api: Option<&'a str>,
}

impl<'a> RequestIds<'a> {
    fn of(request: &'a ApiRequest) -> Self {
        Self {
            lambda: &request.lambda_request_id,
            api: request.api_request_id.as_deref(),
        }
    }

    /// The id stored with the session and shown in a 500: API Gateway's, the
    /// one its client and access logs see, else Lambda's.
    pub fn stored(&self) -> &'a str {
        self.api.unwrap_or(self.lambda)
    }
}

/// The time spent in store calls, in nanoseconds plus one (0: no call), so
/// that concurrent layers need no lock.
#[derive(Debug, Default)]
struct StoreClock(AtomicU64);

impl StoreClock {
    fn add(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |total| {
            Some(total.max(1).saturating_add(nanos))
        });
    }

    fn total(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            total => Some(Duration::from_nanos(total - 1)),
        }
    }
}
