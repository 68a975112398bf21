//! One function process under its own Runtime API emulator: spawned fresh
//! with the environment Lambda would give it (and nothing of the caller's),
//! its output in a log file, killed when dropped. The helpers check every
//! answer has the status expected (a 201 for a start, a 204 for an event),
//! so a broken function cannot produce pretty numbers.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use media_collector_test_support::emulator::{Emulator, EmulatorConfig, EmulatorError, Invocation, Outcome};
use media_collector_test_support::function::{command, with_local_credentials};
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::services::log_tail;

/// How long a cold start or an invocation may take before the bench gives up.
/// (A downloaded session of 1,000 events on DynamoDB Local takes seconds.)
const TIMEOUT: Duration = Duration::from_secs(40);

/// A function binary under test.
#[derive(Debug, Clone)]
pub struct Function {
    /// Its column in the table.
    pub label: String,
    pub binary: PathBuf,
}

/// Where a function's DynamoDB is, and the CA file to trust when it is TLS.
#[derive(Debug, Clone)]
pub struct Store {
    pub endpoint: String,
    pub ca_file: Option<PathBuf>,
}

/// What the bench needs to start a function.
pub struct Launch<'a> {
    pub store: &'a Store,
    pub table: &'a str,
    pub max_concurrency: Option<u32>,
    pub log: PathBuf,
}

pub struct Running {
    pub label: String,
    child: Child,
    emulator: Emulator,
    pub spawned_at: Instant,
    log: PathBuf,
    event: Value,
    /// The status every answer to `event` must have (201 unless set).
    expected: u16,
}

impl Running {
    /// Starts an emulator and the function under it; returns at once (the
    /// function's init runs on its own).
    pub async fn spawn(function: &Function, launch: Launch<'_>, event: &Value) -> anyhow::Result<Self> {
        let emulator = Emulator::start_with(EmulatorConfig {
            function_name: function.label.to_owned(),
            invoke_timeout: TIMEOUT,
            ..EmulatorConfig::default()
        })
        .await
        .context("start the Runtime API emulator")?;
        if let Some(dir) = launch.log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let output = std::fs::File::create(&launch.log).with_context(|| format!("create {}", launch.log.display()))?;

        // Only what Lambda provides: none of the caller's AWS settings or HOME.
        let mut lambda = command(&function.binary, &emulator, launch.table, &launch.store.endpoint);
        with_local_credentials(&mut lambda);
        let mut command = Command::from(lambda);
        command
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .kill_on_drop(true);
        if let Some(ca_file) = &launch.store.ca_file {
            command.env("SSL_CERT_FILE", ca_file);
        }
        if let Some(n) = launch.max_concurrency {
            command.env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string());
        }
        let spawned_at = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("start {}", function.binary.display()))?;
        Ok(Self {
            label: function.label.clone(),
            child,
            emulator,
            spawned_at,
            log: launch.log,
            event: event.clone(),
            expected: 201,
        })
    }

    /// The status the answers to the spawn's event must have (201 by default:
    /// a session start; 204 for an event).
    pub fn expect_status(&mut self, status: u16) {
        self.expected = status;
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().with_context(|| format!("{} has exited", self.label))
    }

    /// Queues the bench's event at once and waits for the runtime's first
    /// poll and the answer; fails if the process exits first.
    pub async fn first_invocation(&mut self) -> anyhow::Result<(Instant, Invocation)> {
        let Self {
            child,
            emulator,
            event,
            label,
            log,
            expected,
            ..
        } = self;
        let expected = *expected;
        let failure = |what: String| anyhow!("{label} {what}\n{}", log_tail(log));
        let both = async { tokio::join!(emulator.first_poll(TIMEOUT), emulator.invoke(event.clone())) };
        tokio::select! {
            (polled, invoked) = both => {
                let polled = polled.map_err(|error| failure(format!("did not finish its init: {error}")))?;
                let invocation = invoked.map_err(|error| failure(error.to_string()))?;
                check_status(invocation, expected).map(|invocation| (polled, invocation)).map_err(failure)
            }
            status = child.wait() => {
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                Err(failure(format!("exited ({status}) during its first invocation")))
            }
        }
    }

    /// One invocation with the bench's event; fails unless the answer has
    /// the expected status (201 unless set).
    pub async fn invoke_created(&self) -> anyhow::Result<Invocation> {
        self.invoke_expecting(self.event.clone(), self.expected).await
    }

    /// One invocation with any event; fails unless the answer's status is `status`.
    pub async fn invoke_expecting(&self, event: Value, status: u16) -> anyhow::Result<Invocation> {
        let invocation = self
            .emulator
            .invoke(event)
            .await
            .map_err(|error| self.failure(&error.to_string()))?;
        check_status(invocation, status).map_err(|what| self.failure(&what))
    }

    /// One invocation with any event: the answer as it came, unchecked.
    pub async fn invoke(&self, event: Value) -> Result<Invocation, EmulatorError> {
        self.emulator.invoke(event).await
    }

    /// Invokes the function with `event`; its answer, if its status is `status`.
    pub async fn invoke_status(&self, event: Value, status: u16) -> anyhow::Result<Value> {
        let invocation = self
            .emulator
            .invoke(event)
            .await
            .map_err(|error| self.failure(&error.to_string()))?;
        match invocation.outcome {
            Outcome::Response(answer) if answer["statusCode"] == status => Ok(answer),
            Outcome::Response(answer) => Err(self.failure(&format!("answered {answer} instead of a {status}"))),
            Outcome::Error(error) => Err(self.failure(&format!("failed the invocation: {error}"))),
        }
    }

    fn failure(&self, what: &str) -> anyhow::Error {
        anyhow!("{} {what}\n{}", self.label, log_tail(&self.log))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The invocation if the function answered `status`, else what it did instead.
fn check_status(invocation: Invocation, status: u16) -> Result<Invocation, String> {
    match &invocation.outcome {
        Outcome::Response(answer) if answer["statusCode"] == status => Ok(invocation),
        Outcome::Response(answer) => Err(format!("answered {answer} instead of a {status}")),
        Outcome::Error(error) => Err(format!("failed the invocation: {error}")),
    }
}

/// The function's on-CPU time so far, from the kernel's per-thread scheduler
/// statistics (nanoseconds), plus the coarse process total as a cross-check.
#[derive(Debug, Clone)]
pub struct CpuSample {
    per_thread_ns: std::collections::HashMap<String, u64>,
    /// utime + stime from /proc/PID/stat, in clock ticks.
    ticks: u64,
}

/// CPU time used between two samples.
#[derive(Debug, Clone, Copy)]
pub struct CpuUsed {
    pub ns: u64,
    /// A thread ended between the samples: its last slice is missing from `ns`,
    /// so `ns` is the coarse figure (10 ms resolution) instead.
    pub coarse: bool,
}

impl CpuSample {
    pub fn take(pid: u32) -> anyhow::Result<Self> {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let mut per_thread_ns = std::collections::HashMap::new();
        for entry in std::fs::read_dir(proc.join("task")).context("read /proc/PID/task")? {
            let entry = entry?;
            // A thread may end while we read: skip it.
            if let Ok(text) = std::fs::read_to_string(entry.path().join("schedstat"))
                && let Some(ns) = text.split_whitespace().next().and_then(|n| n.parse().ok())
            {
                per_thread_ns.insert(entry.file_name().to_string_lossy().into_owned(), ns);
            }
        }
        Ok(Self {
            per_thread_ns,
            ticks: stat_ticks(&proc)?,
        })
    }

    pub fn since(&self, earlier: &CpuSample) -> CpuUsed {
        let lost = earlier
            .per_thread_ns
            .keys()
            .any(|tid| !self.per_thread_ns.contains_key(tid));
        if lost {
            // Linux's USER_HZ is 100 on every architecture Lambda runs: 10 ms a tick.
            let ns = self.ticks.saturating_sub(earlier.ticks) * 10_000_000;
            return CpuUsed { ns, coarse: true };
        }
        let ns = self
            .per_thread_ns
            .iter()
            .map(|(tid, ns)| ns.saturating_sub(earlier.per_thread_ns.get(tid).copied().unwrap_or(0)))
            .sum();
        CpuUsed { ns, coarse: false }
    }
}

fn stat_ticks(proc: &Path) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(proc.join("stat")).context("read /proc/PID/stat")?;
    // Fields after the command name (which may hold spaces), from field 3 on:
    // utime and stime are fields 14 and 15.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|value| value.parse::<u64>().ok());
    match (field(14), field(15)) {
        (Some(utime), Some(stime)) => Ok(utime + stime),
        _ => bail!("unexpected /proc/PID/stat: {stat}"),
    }
}

/// The process's peak resident set (`VmHWM`), in bytes.
pub fn peak_rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("read /proc/PID/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .context("no VmHWM in /proc/PID/status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_cpu_time_and_peak_memory() {
        let pid = std::process::id();
        let before = CpuSample::take(pid).unwrap();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        std::hint::black_box(x);
        let used = CpuSample::take(pid).unwrap().since(&before);
        assert!(used.ns > 0, "{used:?}");
        assert!(peak_rss(pid).unwrap() > 1024 * 1024);
    }
}
