//! The measurements themselves, one function process at a time: a cold start
//! (spawn → first poll → first 201), the warm phase (latency, CPU time and
//! memory over many sequential requests, in batches that the runner
//! interleaves across functions) and throughput (answers per second for a
//! bounded window, one caller or many). Every loop is bounded in count and
//! time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::function::{CpuSample, CpuUsed, Running};

/// One cold start: the event is queued as the process starts, as when a
/// request causes a cold start in Lambda.
#[derive(Debug, Clone, Copy)]
pub struct ColdStart {
    /// Spawn → the runtime's first `/next`.
    pub init: Duration,
    /// First `/next` → the 201 received.
    pub first_invocation: Duration,
    /// Spawn → the 201 received.
    pub total: Duration,
}

pub async fn cold_start(running: &mut Running) -> anyhow::Result<ColdStart> {
    // The emulator's own timestamps: the runner's task may run late on a busy machine.
    let (init_done, invocation) = running.first_invocation().await?;
    let answered_at = invocation.answered_at;
    Ok(ColdStart {
        init: init_done.saturating_duration_since(running.spawned_at),
        first_invocation: answered_at.saturating_duration_since(init_done),
        total: answered_at.saturating_duration_since(running.spawned_at),
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Warm {
    pub p50: Duration,
    pub p99: Duration,
    /// On-CPU time of the function per timed request.
    pub cpu_per_request: Duration,
    /// The CPU figure has the 10 ms resolution of /proc/PID/stat (a thread ended meanwhile).
    pub cpu_coarse: bool,
    /// Peak resident memory of the process at the end, in bytes.
    pub peak_rss: u64,
}

/// `count` sequential requests: their latencies, and the function's CPU
/// time over them.
pub async fn batch(running: &Running, count: usize) -> anyhow::Result<(Vec<Duration>, CpuUsed)> {
    let pid = running.pid()?;
    let before = CpuSample::take(pid)?;
    let mut latencies = Vec::with_capacity(count);
    for _ in 0..count {
        latencies.push(running.invoke_created().await?.latency);
    }
    Ok((latencies, CpuSample::take(pid)?.since(&before)))
}

/// The warm figures of one function from its batches: latency percentiles
/// over every request, and the median of the batches' CPU time per request.
/// The runner gives each function its batches in turn, so that a machine
/// slowed for a while (a noisy neighbour) weighs on every function alike and
/// the median sets such a spell aside.
#[derive(Debug, Default)]
pub struct WarmBatches {
    latencies: Vec<Duration>,
    cpu_ns_per_request: Vec<f64>,
    coarse: bool,
}

impl WarmBatches {
    pub fn add(&mut self, (latencies, cpu): (Vec<Duration>, CpuUsed)) {
        if !latencies.is_empty() {
            self.cpu_ns_per_request.push(cpu.ns as f64 / latencies.len() as f64);
        }
        self.coarse |= cpu.coarse;
        self.latencies.extend(latencies);
    }

    pub fn figures(mut self, peak_rss: u64) -> Warm {
        self.latencies.sort_unstable();
        Warm {
            p50: percentile(&self.latencies, 50.0),
            p99: percentile(&self.latencies, 99.0),
            cpu_per_request: Duration::from_nanos(median(&self.cpu_ns_per_request).unwrap_or(0.0) as u64),
            cpu_coarse: self.coarse,
            peak_rss,
        }
    }
}

/// Answers per second from `callers` callers at once, until `window` has
/// passed or `max` requests have been sent; returns the rate and the count.
pub async fn throughput(
    running: &Running,
    callers: usize,
    window: Duration,
    max: usize,
) -> anyhow::Result<(f64, usize)> {
    let claimed = AtomicUsize::new(0);
    let started = Instant::now();
    let deadline = started + window;
    let caller = || async {
        let mut answered = 0usize;
        while Instant::now() < deadline && claimed.fetch_add(1, Ordering::Relaxed) < max {
            running.invoke_created().await?;
            answered += 1;
        }
        anyhow::Ok(answered)
    };
    let mut answered = 0;
    for result in join_all((0..callers).map(|_| caller())).await {
        answered += result?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok((answered as f64 / elapsed, answered))
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some figures (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&values, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&values[..3], 99.0), Duration::from_millis(3));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
