//! CloudWatch metrics without a CloudWatch call: every request writes one
//! record in Embedded Metric Format (EMF) to stdout, right after its log
//! line. CloudWatch Logs turns the record into metrics as it ingests the
//! function's logs, so a request pays for no extra network call. The format
//! is `metrique`'s, AWS's own library for such per-request records.
//!
//! Namespace [`NAMESPACE`]; each metric is published twice: with no
//! dimension (the totals that alarms watch) and by `Status` (the HTTP status,
//! so rejections can be read by status).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use metrique::emf::Emf;
use metrique::timers::Timestamp;
use metrique::unit::Millisecond;
use metrique::unit_of_work::metrics;
use metrique::writer::sink::FlushImmediately;
use metrique::writer::{BoxEntrySink, EntrySink, FormatExt};
use metrique::{CloseValue, RootEntry};

pub const NAMESPACE: &str = "MediaCollector";
/// The dimension sets every metric is published with.
pub const DIMENSIONS: [&[&str]; 2] = [&[], &["Status"]];

/// One request's record.
#[metrics(rename_all = "PascalCase")]
struct RequestRecord {
    #[metrics(timestamp)]
    timestamp: Timestamp,
    /// Lambda's request id, to find the request's log line.
    request_id: String,
    /// The HTTP status, as text: a dimension.
    status: String,
    requests: u64,
    sessions_created: u64,
    events_accepted: u64,
    /// Downloaded sessions created (also counted in `SessionsCreated`).
    downloaded_sessions: u64,
    /// 1 for a 4xx answer.
    rejected: u64,
    store_errors: u64,
    #[metrics(unit = Millisecond)]
    store_latency: Option<Duration>,
    /// A refused call kept (by `Status`); absent when nothing is kept.
    rejected_kept: Option<u64>,
    /// A refused call that could not be kept; absent when nothing is kept.
    rejected_not_kept: Option<u64>,
    /// DynamoDB write units the request consumed, as DynamoDB reported them.
    write_units: Option<f64>,
    /// DynamoDB read units the request consumed.
    read_units: Option<f64>,
}

/// What a request did, as far as the metrics are concerned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestOutcome {
    pub request_id: String,
    pub status: u16,
    pub session_created: bool,
    pub event_accepted: bool,
    /// A downloaded session was created: one session, counted apart too.
    pub downloaded_session: bool,
    /// The events the downloaded session stored, each an event accepted.
    pub downloaded_events: u64,
    /// The store was called and failed (timed out, refused, unreachable…).
    pub store_failed: bool,
    /// How long the store call took, when there was one.
    pub store_latency: Option<Duration>,
    /// A refusal that is kept: whether it was (`None`: not one, or no table).
    pub kept: Option<bool>,
    /// The DynamoDB write and read units the request consumed, when it
    /// made DynamoDB calls.
    pub write_units: Option<f64>,
    pub read_units: Option<f64>,
}

/// Where the records go: stdout in production, a buffer in tests.
#[derive(Clone)]
pub struct MetricsSink(BoxEntrySink);

impl std::fmt::Debug for MetricsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsSink")
    }
}

impl MetricsSink {
    /// Writes each record to stdout as one line, at once (Lambda may freeze
    /// the process as soon as the answer is sent: nothing waits in a queue).
    pub fn stdout() -> Self {
        Self::to_writer(|| std::io::stdout().lock())
    }

    /// Writes each record into a shared buffer; for tests.
    pub fn buffer() -> (Self, SharedBuffer) {
        let buffer = SharedBuffer::default();
        let writer = buffer.clone();
        (Self::to_writer(move || writer.clone()), buffer)
    }

    fn to_writer<W: Write + 'static>(make_writer: impl Fn() -> W + Send + Sync + 'static) -> Self {
        let dimensions = DIMENSIONS
            .iter()
            .map(|set| set.iter().map(|name| (*name).to_owned()).collect())
            .collect();
        let format = Emf::builder(NAMESPACE.to_owned(), dimensions).build();
        Self(FlushImmediately::new_boxed(format.output_to_makewriter(make_writer)))
    }

    pub fn record(&self, outcome: &RequestOutcome) {
        let record = RequestRecord {
            timestamp: Timestamp::now(),
            request_id: outcome.request_id.clone(),
            status: outcome.status.to_string(),
            requests: 1,
            sessions_created: outcome.session_created.into(),
            events_accepted: u64::from(outcome.event_accepted) + outcome.downloaded_events,
            downloaded_sessions: outcome.downloaded_session.into(),
            rejected: (400..500).contains(&outcome.status).into(),
            store_errors: outcome.store_failed.into(),
            store_latency: outcome.store_latency,
            rejected_kept: outcome.kept.map(u64::from),
            rejected_not_kept: outcome.kept.map(|kept| u64::from(!kept)),
            write_units: outcome.write_units,
            read_units: outcome.read_units,
        };
        self.0.append(RootEntry::new(record.close()));
    }
}

/// A byte buffer that [`MetricsSink::buffer`] writes into.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
