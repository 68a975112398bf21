//! The bench's scenario sizes, from the environment (`BENCH_*`, so that
//! `make bench BENCH_QUICK=1` works) and then the command line, which wins.
//! A quick run keeps every scenario but shrinks the counts and the load
//! test's steps (about a minute once everything is built).

use std::time::Duration;

use anyhow::{Context, bail};

pub const HELP: &str = "\
usage: media-collector-bench [options]

Measures media-collector against the bench-bare and bench-naive baselines,
then media-collector alone under a player workload at increasing load, and
prints markdown tables (also written to target/bench/latest.md).

options (each also read from the environment variable in brackets):
  --quick                 small counts, for a quick look               [BENCH_QUICK=1]
  --cold-starts N         processes started per function and store     [BENCH_COLD_STARTS] (7; quick 3)
  --warmup N              warm-up requests before timing warm ones     [BENCH_WARMUP] (20; quick 10)
  --warm-requests N       timed sequential warm requests               [BENCH_WARM_REQUESTS] (300; quick 100)
  --throughput-secs S     length of each throughput window             [BENCH_THROUGHPUT_SECS] (2; quick 1)
  --throughput-max N      most requests in a throughput window         [BENCH_THROUGHPUT_MAX] (2000)
  --load-step-secs S      length of each step of the load test         [BENCH_LOAD_STEP_SECS] (3; quick 1.5)
  --no-load               skip the load test                           [BENCH_LOAD=0]
  --load-only             only the load test (media-collector alone)   [BENCH_LOAD_ONLY=1]
  --no-build              use the release binaries already in target/  [BENCH_NO_BUILD=1]
  --levers                also build and measure media-collector with one release
                          setting changed each (bench/runner/src/levers.rs)  [BENCH_LEVERS=1]
  --also LABEL=PATH       one more column: another build of media-collector (repeatable)
  -h, --help              this text
";

#[derive(Debug, Clone)]
pub struct Knobs {
    pub quick: bool,
    /// Fresh processes per function with each of the plain and the TLS store.
    pub cold_starts: usize,
    pub warmup: usize,
    pub warm_requests: usize,
    pub throughput_window: Duration,
    pub throughput_max: usize,
    /// Callers at once in the concurrent throughput scenario.
    pub callers: usize,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` in the concurrent throughput scenario.
    pub max_concurrency: u32,
    /// How long the stub DynamoDB takes to answer a PutItem.
    pub stub_delay: Duration,
    /// Run the load test (bench/runner/src/load/): a player workload at
    /// increasing offered load against DynamoDB Local.
    pub load: bool,
    /// Only the load test: no baselines, no cold, warm or throughput rows.
    pub load_only: bool,
    /// How long each offered rate of the load test's ramp is held (the two
    /// measured rates after it are held twice as long).
    pub load_step: Duration,
    pub build: bool,
    /// Build and measure the variants of `levers::LEVERS` too.
    pub levers: bool,
    /// More builds of media-collector to measure alongside (label, binary).
    pub also: Vec<(String, std::path::PathBuf)>,
}

impl Knobs {
    fn defaults(quick: bool) -> Self {
        Self {
            quick,
            cold_starts: if quick { 3 } else { 7 },
            warmup: if quick { 10 } else { 20 },
            warm_requests: if quick { 100 } else { 300 },
            throughput_window: Duration::from_secs(if quick { 1 } else { 2 }),
            throughput_max: 2000,
            callers: 16,
            max_concurrency: 8,
            stub_delay: Duration::from_millis(10),
            load: true,
            load_only: false,
            load_step: Duration::from_secs_f64(if quick { 1.5 } else { 3.0 }),
            build: true,
            levers: false,
            also: Vec::new(),
        }
    }

    /// `None` when `--help` was asked for.
    pub fn from_env_and_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Option<Self>> {
        let args: Vec<String> = args.into_iter().collect();
        if args.iter().any(|arg| arg == "-h" || arg == "--help") {
            return Ok(None);
        }
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let quick = args.iter().any(|arg| arg == "--quick") || env("BENCH_QUICK").is_some_and(|v| v != "0");
        let mut knobs = Self::defaults(quick);
        if let Some(value) = env("BENCH_COLD_STARTS") {
            knobs.cold_starts = count("BENCH_COLD_STARTS", &value)?;
        }
        if let Some(value) = env("BENCH_WARMUP") {
            knobs.warmup = count("BENCH_WARMUP", &value)?;
        }
        if let Some(value) = env("BENCH_WARM_REQUESTS") {
            knobs.warm_requests = count("BENCH_WARM_REQUESTS", &value)?;
        }
        if let Some(value) = env("BENCH_THROUGHPUT_SECS") {
            knobs.throughput_window = seconds("BENCH_THROUGHPUT_SECS", &value)?;
        }
        if let Some(value) = env("BENCH_THROUGHPUT_MAX") {
            knobs.throughput_max = count("BENCH_THROUGHPUT_MAX", &value)?;
        }
        if let Some(value) = env("BENCH_LOAD_STEP_SECS") {
            knobs.load_step = seconds("BENCH_LOAD_STEP_SECS", &value)?;
        }
        if env("BENCH_LOAD").is_some_and(|v| v == "0") {
            knobs.load = false;
        }
        if env("BENCH_LOAD_ONLY").is_some_and(|v| v != "0") {
            knobs.load_only = true;
        }
        if env("BENCH_LEVERS").is_some_and(|v| v != "0") {
            knobs.levers = true;
        }
        if env("BENCH_NO_BUILD").is_some_and(|v| v != "0") {
            knobs.build = false;
        }

        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--quick" => {}
                "--no-build" => knobs.build = false,
                "--levers" => knobs.levers = true,
                "--no-load" => knobs.load = false,
                "--load-only" => knobs.load_only = true,
                "--load-step-secs" => knobs.load_step = seconds(&arg, &value()?)?,
                "--cold-starts" => knobs.cold_starts = count(&arg, &value()?)?,
                "--warmup" => knobs.warmup = count(&arg, &value()?)?,
                "--warm-requests" => knobs.warm_requests = count(&arg, &value()?)?,
                "--throughput-secs" => knobs.throughput_window = seconds(&arg, &value()?)?,
                "--throughput-max" => knobs.throughput_max = count(&arg, &value()?)?,
                "--also" => {
                    let value = value()?;
                    let Some((label, path)) = value.split_once('=') else {
                        bail!("--also takes LABEL=PATH, not {value:?}");
                    };
                    knobs.also.push((label.to_owned(), path.into()));
                }
                other => bail!("unknown option {other:?}\n\n{HELP}"),
            }
        }
        if knobs.load_only && !knobs.load {
            bail!("--load-only and --no-load (BENCH_LOAD_ONLY=1 and BENCH_LOAD=0) leave nothing to measure");
        }
        Ok(Some(knobs))
    }
}

/// A whole number from 1 to 100,000: every loop of the bench stays bounded.
fn count(name: &str, value: &str) -> anyhow::Result<usize> {
    match value.parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => bail!("{name}={value:?}: expected a whole number from 1 to 100000"),
    }
}

/// Seconds, more than 0 and at most 60.
fn seconds(name: &str, value: &str) -> anyhow::Result<Duration> {
    match value.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 60.0 => Ok(Duration::from_secs_f64(s)),
        _ => bail!("{name}={value:?}: expected seconds, more than 0 and at most 60"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Option<Knobs>> {
        Knobs::from_env_and_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn flags_override_the_defaults() {
        let knobs = parse(&["--cold-starts", "2", "--warm-requests", "50", "--no-build"])
            .unwrap()
            .unwrap();
        assert_eq!(knobs.cold_starts, 2);
        assert_eq!(knobs.warm_requests, 50);
        assert!(!knobs.build);
        let quick = parse(&["--quick"]).unwrap().unwrap();
        assert!(quick.quick && quick.cold_starts < 7);
        assert!(quick.load && quick.load_step < knobs.load_step);
        let load_only = parse(&["--load-only", "--load-step-secs", "2"]).unwrap().unwrap();
        assert!(load_only.load_only && load_only.load);
        assert_eq!(load_only.load_step, Duration::from_secs(2));
        assert!(!parse(&["--no-load"]).unwrap().unwrap().load);
    }

    #[test]
    fn bad_values_and_options_are_refused() {
        assert!(parse(&["--cold-starts", "0"]).is_err());
        assert!(parse(&["--cold-starts"]).is_err());
        assert!(parse(&["--throughput-secs", "600"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--load-only", "--no-load"]).is_err());
        assert!(parse(&["--load-step-secs", "0"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
