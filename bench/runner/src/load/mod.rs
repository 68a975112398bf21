//! The load test: media-collector's release binary under the local Runtime
//! API with `AWS_LAMBDA_MAX_CONCURRENCY=8`, writing to DynamoDB Local, fed a
//! mixed player workload (`viewers`) at an offered rate that grows step by
//! step (`steps`) until the answers per second stop growing. The peak found,
//! the rate is held at 50 % and 90 % of it for the latency figures, and at
//! the end every acknowledged write is looked for in the tables (`audit`).
//!
//! What it shows: how much one process serves before it saturates, that
//! below that it answers without 5xx, and that nothing it acknowledged is
//! lost, however loaded. The whole phase is bounded: at most
//! [`MAX_RAMP_STEPS`] steps of `--load-step-secs`, then two steps twice as
//! long.

mod audit;
mod steps;
pub mod viewers;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::function::{Function, Launch, Running, Store};
use crate::knobs::Knobs;
use crate::scenarios;
use crate::services::ddb_local::DynamoDbLocal;
pub use audit::Audit;
pub use steps::Step;

/// The load test's own tables, fresh for each run, so the audit reads only its writes.
const SESSIONS_TABLE: &str = "media-collector-bench-load";
const START_FILE: &str = "events/apigw-http-session-start.json";
const EVENT_FILE: &str = "events/apigw-http-event-play.json";
/// `AWS_LAMBDA_MAX_CONCURRENCY` of the process under load.
pub const MAX_CONCURRENCY: u32 = 8;
/// Calls in flight at most (the rest is shed): 8 per concurrent slot, so an
/// overloaded process shows a queue, not an unbounded one.
pub const IN_FLIGHT_MAX: usize = 8 * MAX_CONCURRENCY as usize;
/// The first offered rate, and the factor from one step to the next.
const FIRST_RATE: f64 = 10.0;
const RATE_FACTOR: f64 = 1.5;
/// The answers per second "stop growing" when a step adds less than this
/// share to the best so far.
const GROWTH: f64 = 0.05;
pub const MAX_RAMP_STEPS: usize = 14;

/// Everything the load test measured.
#[derive(Debug, Clone)]
pub struct LoadFigures {
    pub step: Duration,
    pub ramp: Vec<Step>,
    /// The most answers per second of any ramp step.
    pub peak_per_s: f64,
    pub at_half: Step,
    pub at_ninety: Step,
    pub audit: Audit,
}

impl LoadFigures {
    /// The steps offered less than the peak: none of them should see a 5xx.
    pub fn below_peak(&self) -> impl Iterator<Item = &Step> {
        self.ramp
            .iter()
            .filter(|step| step.offered_per_s < self.peak_per_s)
            .chain([&self.at_half, &self.at_ninety])
    }

    /// 5xx answers, Lambda errors and calls never answered below the peak.
    pub fn failures_below_peak(&self) -> usize {
        self.below_peak().map(Step::failures).sum()
    }

    /// Fails when an acknowledged write is missing or an answer was one no
    /// player call should get (a 4xx: a bug of the workload or the function).
    pub fn verdict(&self) -> anyhow::Result<()> {
        if self.audit.lost() > 0 {
            bail!("the load test lost acknowledged writes: {:?}", self.audit);
        }
        let unexpected: Vec<&String> = self
            .ramp
            .iter()
            .chain([&self.at_half, &self.at_ninety])
            .flat_map(|step| &step.unexpected)
            .collect();
        if !unexpected.is_empty() {
            bail!("the load test got answers no player call should get: {unexpected:?}");
        }
        Ok(())
    }
}

fn read_event(root: &Path, file: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(root.join(file)).with_context(|| format!("read {file}"))?;
    serde_json::from_str(&text).with_context(|| format!("parse {file}"))
}

pub async fn measure(
    function: &Function,
    ddb: &DynamoDbLocal,
    root: &Path,
    log_dir: &Path,
    knobs: &Knobs,
) -> anyhow::Result<LoadFigures> {
    let events_table = format!("{SESSIONS_TABLE}-events");
    let client = ddb.client();
    media_collector::store::dynamodb::schema::create_if_missing(&client, SESSIONS_TABLE)
        .await
        .map_err(|error| anyhow::anyhow!("create {SESSIONS_TABLE} in DynamoDB Local: {error}"))?;
    media_collector::store::dynamodb::schema::create_events_table_if_missing(&client, &events_table)
        .await
        .map_err(|error| anyhow::anyhow!("create {events_table} in DynamoDB Local: {error}"))?;

    let templates = viewers::Templates::new(read_event(root, START_FILE)?, read_event(root, EVENT_FILE)?)?;
    let first = templates.start.clone();
    let mut players = steps::Players::new(templates);
    let store = Store {
        endpoint: ddb.url(),
        ca_file: None,
    };
    let launch = Launch {
        store: &store,
        table: SESSIONS_TABLE,
        max_concurrency: Some(MAX_CONCURRENCY),
        log: log_dir.join(format!("{}-load.log", function.label)),
    };
    let mut running = Running::spawn(function, launch, &first).await?;
    scenarios::cold_start(&mut running).await?;
    // Unmeasured: the process's connections and DynamoDB Local's JIT for
    // transactions, warmed the way the steps will use them.
    steps::run(
        &running,
        &mut players,
        FIRST_RATE * 2.0,
        Duration::from_secs(1),
        IN_FLIGHT_MAX,
    )
    .await;

    let window = knobs.load_step;
    let mut ramp: Vec<Step> = Vec::new();
    let mut rate = FIRST_RATE;
    let mut best = 0.0f64;
    while ramp.len() < MAX_RAMP_STEPS {
        let step = steps::run(&running, &mut players, rate, window, IN_FLIGHT_MAX).await;
        eprintln!(
            "==> load, offered {:>6.0}/s: {:>6.0} answers/s, p50 {:>7.2} ms, p99 {:>7.2} ms, shed {}, 5xx/errors {}",
            step.offered_per_s,
            step.answers_per_s,
            crate::ms(step.p50()),
            crate::ms(step.p99()),
            step.shed,
            step.failures()
        );
        let grew = step.answers_per_s > best * (1.0 + GROWTH);
        best = best.max(step.answers_per_s);
        ramp.push(step);
        if !grew {
            break;
        }
        rate *= RATE_FACTOR;
    }
    let peak_per_s = best;
    let at_half = hold(&running, &mut players, peak_per_s, 0.5, window * 2).await;
    let at_ninety = hold(&running, &mut players, peak_per_s, 0.9, window * 2).await;
    running.stop().await;

    let audit = audit::check(
        &client,
        SESSIONS_TABLE,
        &events_table,
        &players.sessions,
        &players.events,
    )
    .await?;
    eprintln!(
        "==> load audit: {} of {} sessions and {} of {} events acknowledged are in DynamoDB Local",
        audit.sessions_acknowledged - audit.sessions_missing,
        audit.sessions_acknowledged,
        audit.events_acknowledged - audit.events_missing,
        audit.events_acknowledged
    );
    Ok(LoadFigures {
        step: window,
        ramp,
        peak_per_s,
        at_half,
        at_ninety,
        audit,
    })
}

/// The offered rate held at `share` of the peak for `window`.
async fn hold(running: &Running, players: &mut steps::Players, peak_per_s: f64, share: f64, window: Duration) -> Step {
    let rate = (peak_per_s * share).max(1.0);
    let step = steps::run(running, players, rate, window, IN_FLIGHT_MAX).await;
    eprintln!(
        "==> load at {:.0} % of the peak ({rate:.0}/s): {:.0} answers/s, p50 {:.2} ms, p99 {:.2} ms, 5xx/errors {}",
        share * 100.0,
        step.answers_per_s,
        crate::ms(step.p50()),
        crate::ms(step.p99()),
        step.failures()
    );
    step
}
