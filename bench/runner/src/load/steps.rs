//! One step of the load test: calls sent at a fixed offered rate for a
//! fixed window, open loop (each call leaves at its due time, whether the
//! earlier ones were answered or not, as independent players do), with a
//! bound on the calls in flight so that an overloaded function cannot pile
//! up an unbounded queue: a call due while the bound is reached is shed
//! (counted, not sent). Latency runs from the call's due time to its
//! answer, so time spent queueing counts.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use media_collector_test_support::emulator::{EmulatorError, Invocation, Outcome};

use super::viewers::{Sent, Templates, Viewer, session_of};
use crate::function::Running;
use crate::scenarios::percentile;

/// The viewers between calls, carried from step to step, and every write
/// the function acknowledged, to look for in DynamoDB at the end.
pub struct Players {
    templates: Templates,
    ready: VecDeque<Viewer>,
    started: u64,
    /// Session ids answered 201.
    pub sessions: Vec<String>,
    /// (session id, event key) of the events answered 204.
    pub events: Vec<(String, String)>,
}

impl Players {
    pub fn new(templates: Templates) -> Self {
        Self {
            templates,
            ready: VecDeque::new(),
            started: 0,
            sessions: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A viewer whose next call can go out now: one between calls, else a
    /// new one (whose first call is its session's start).
    fn next_viewer(&mut self) -> Viewer {
        self.ready.pop_front().unwrap_or_else(|| {
            self.started += 1;
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64);
            Viewer::new(self.started, now_ms)
        })
    }

    /// Files an answer: the write it acknowledges, and the viewer back in
    /// line for its next call (or gone, its session over or failed).
    fn answered(&mut self, mut viewer: Viewer, sent: Sent, status: Option<u16>, answer: Option<&serde_json::Value>) {
        let keep = match (sent, status) {
            (Sent::Start, Some(201)) => match answer.and_then(session_of) {
                Some(session_id) => {
                    self.sessions.push(session_id.clone());
                    viewer.started(session_id);
                    true
                }
                None => false,
            },
            (Sent::Event { session_id, event_key }, Some(204)) => {
                self.events.push((session_id, event_key));
                true
            }
            // A failed event is lost; the player goes on with the next one.
            (Sent::Event { .. }, Some(500..)) => true,
            // A failed start, an unexpected answer, no answer: the viewer leaves.
            _ => false,
        };
        if keep && viewer.advance() {
            self.ready.push_back(viewer);
        }
    }
}

/// What one step measured.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub offered_per_s: f64,
    pub window: Duration,
    /// Calls sent, and calls due but shed (the bound on calls in flight reached).
    pub sent: usize,
    pub shed: usize,
    /// Successful answers (201, 204) received within the window, per second.
    pub answers_per_s: f64,
    /// Due time → answer, every answered call of the step (sorted).
    pub latencies: Vec<Duration>,
    /// HTTP status → count, every answer of the step.
    pub statuses: BTreeMap<u16, usize>,
    /// Lambda errors (API Gateway would answer 502) and calls never answered.
    pub lambda_errors: usize,
    pub no_answer: usize,
    /// The first few answers that were neither 201, 204 nor 500.
    pub unexpected: Vec<String>,
}

impl Step {
    pub fn p50(&self) -> Duration {
        percentile(&self.latencies, 50.0)
    }

    pub fn p99(&self) -> Duration {
        percentile(&self.latencies, 99.0)
    }

    /// 5xx answers, Lambda errors and calls never answered.
    pub fn failures(&self) -> usize {
        self.statuses.range(500..).map(|(_, n)| n).sum::<usize>() + self.lambda_errors + self.no_answer
    }
}

/// Offers `rate` calls a second for `window`, then waits for the last answers.
pub async fn run(running: &Running, players: &mut Players, rate: f64, window: Duration, in_flight_max: usize) -> Step {
    let mut step = Step {
        offered_per_s: rate,
        window,
        ..Step::default()
    };
    let started = Instant::now();
    let window_end = started + window;
    let due_total = (rate * window.as_secs_f64()).round() as usize;
    let due_at = |k: usize| started + Duration::from_secs_f64(k as f64 / rate);
    let mut in_flight = FuturesUnordered::new();
    let mut answered_in_window = 0usize;
    let mut next = 0usize;
    while next < due_total || !in_flight.is_empty() {
        let wake = if next < due_total {
            due_at(next)
        } else {
            window_end + Duration::from_secs(3600)
        };
        tokio::select! {
            Some((viewer, sent, due, result)) = in_flight.next(), if !in_flight.is_empty() => {
                let result: Result<Invocation, EmulatorError> = result;
                let (status, answer) = match result {
                    Ok(invocation) => {
                        let in_window = invocation.answered_at <= window_end;
                        step.latencies.push(invocation.answered_at.saturating_duration_since(due));
                        match invocation.outcome {
                            Outcome::Response(answer) => {
                                let status = answer["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
                                *step.statuses.entry(status).or_default() += 1;
                                if in_window && matches!(status, 201 | 204) {
                                    answered_in_window += 1;
                                }
                                if !matches!(status, 201 | 204 | 500) && step.unexpected.len() < 5 {
                                    step.unexpected.push(format!("{status}: {}", answer["body"]));
                                }
                                (Some(status), Some(answer))
                            }
                            Outcome::Error(_) => {
                                step.lambda_errors += 1;
                                (None, None)
                            }
                        }
                    }
                    Err(_) => {
                        step.no_answer += 1;
                        (None, None)
                    }
                };
                players.answered(viewer, sent, status, answer.as_ref());
            }
            _ = tokio::time::sleep_until(wake.into()) => {
                let now = Instant::now();
                while next < due_total && due_at(next) <= now {
                    let due = due_at(next);
                    next += 1;
                    if in_flight.len() >= in_flight_max {
                        step.shed += 1;
                        continue;
                    }
                    let viewer = players.next_viewer();
                    let (event, sent) = viewer.next_call(&players.templates);
                    step.sent += 1;
                    in_flight.push(async move {
                        let result = running.invoke(event).await;
                        (viewer, sent, due, result)
                    });
                }
            }
        }
    }
    step.answers_per_s = answered_in_window as f64 / window.as_secs_f64();
    step.latencies.sort_unstable();
    step
}
