//! The events route side by side: every function that stores events
//! (naive's `TransactWriteItems` alone, media-collector's consistent `GetItem`
//! then `TransactWriteItems`, and any `--also` build) answers pings
//! (`POST /api/v1/sessions/{id}/events`, 204) to sessions it created first.
//! Measured as the start rows are: a first event after init (the ping is
//! queued as the process starts), then warm pings in batches that
//! interleave the functions, CPU time from `/proc/PID/task/*/schedstat`,
//! the median of the batches.
//!
//! Every ping is a new event (its `playerTime.ts` 10 s after the previous
//! one, its playhead 10 s further), never a retry, so each one is written.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use crate::function::{CpuSample, Function, Launch, Running, Store, peak_rss};
use crate::knobs::Knobs;
use crate::load::viewers::{Templates, session_of};
use crate::ms;
use crate::report::Figures;
use crate::scenarios::{self, WarmBatches};
use crate::services::ddb_local::DynamoDbLocal;

/// The sessions table of this phase; its events go to `<table>-events`.
const TABLE: &str = "media-collector-bench-events";
/// The warm pings are split into this many batches per function.
const WARM_BATCHES: usize = 10;
/// Player time between two pings: one every 10 s of content.
const PING_EVERY_MS: u64 = 10_000;
/// The player clock of the sessions' starts.
const EPOCH_MS: u64 = 1_795_435_200_000;

/// One session's pings, each 10 s of player time after the last.
pub struct Pinger {
    session_id: String,
    ts: u64,
    playhead_s: u64,
}

impl Pinger {
    pub fn new(session_id: String) -> Self {
        Self {
            session_id,
            ts: EPOCH_MS,
            playhead_s: 0,
        }
    }

    /// The next ping of the session.
    pub fn next(&mut self, templates: &Templates) -> Value {
        self.ts += PING_EVERY_MS;
        self.playhead_s += PING_EVERY_MS / 1000;
        templates.session_event(&self.session_id, "ping", self.playhead_s, self.ts)
    }
}

/// Whether a function takes part: bare stores nothing, so it has no events route.
pub fn stores_events(function: &Function) -> bool {
    function.label != "bare"
}

/// `count` sequential pings: their latencies, and the function's CPU time over them.
async fn batch(
    running: &Running,
    pinger: &mut Pinger,
    templates: &Templates,
    count: usize,
) -> anyhow::Result<(Vec<Duration>, crate::function::CpuUsed)> {
    let pid = running.pid()?;
    let events: Vec<Value> = (0..count).map(|_| pinger.next(templates)).collect();
    let before = CpuSample::take(pid)?;
    let mut latencies = Vec::with_capacity(count);
    for event in events {
        latencies.push(running.invoke_expecting(event, 204).await?.latency);
    }
    Ok((latencies, CpuSample::take(pid)?.since(&before)))
}

/// Fills the event rows of `figures` (one per function; bare's stay empty).
pub async fn measure(
    knobs: &Knobs,
    functions: &[Function],
    ddb: &DynamoDbLocal,
    templates: &Templates,
    log_dir: &Path,
    figures: &mut [Figures],
) -> anyhow::Result<()> {
    let client = ddb.client();
    media_collector::store::dynamodb::schema::create_if_missing(&client, TABLE)
        .await
        .map_err(|error| anyhow::anyhow!("create {TABLE} in DynamoDB Local: {error}"))?;
    let events_table = format!("{TABLE}-events");
    media_collector::store::dynamodb::schema::create_events_table_if_missing(&client, &events_table)
        .await
        .map_err(|error| anyhow::anyhow!("create {events_table} in DynamoDB Local: {error}"))?;
    ddb.prime_transactions(TABLE, &events_table, if knobs.quick { 300 } else { 600 })
        .await?;
    let store = Store {
        endpoint: ddb.url(),
        ca_file: None,
    };
    let launch = |name: String| Launch {
        store: &store,
        table: TABLE,
        max_concurrency: None,
        log: log_dir.join(format!("{name}.log")),
    };
    let start = templates.start_event(EPOCH_MS);
    let taking_part: Vec<(usize, &Function)> = functions.iter().enumerate().filter(|(_, f)| stores_events(f)).collect();

    // Each function creates its own sessions, one per cold start, in a
    // process of its own (which also primes the page cache and DynamoDB
    // Local's transactions), so that each measured process starts on an event.
    let mut pingers: Vec<Vec<Pinger>> = Vec::new();
    for (_, function) in &taking_part {
        let mut running = Running::spawn(function, launch(format!("{}-events-setup", function.label)), &start).await?;
        scenarios::cold_start(&mut running).await?;
        let mut sessions = Vec::with_capacity(knobs.cold_starts + 1);
        for _ in 0..=knobs.cold_starts {
            let answer = running.invoke_status(start.clone(), 201).await?;
            let id = session_of(&answer)
                .or_else(|| location_id(&answer))
                .with_context(|| format!("{}: a 201 without a session id: {answer}", function.label))?;
            sessions.push(Pinger::new(id));
        }
        // Unmeasured: the events route's first calls (and DynamoDB Local's JIT for transactions).
        let mut primer = sessions.pop().context("no session")?;
        batch(&running, &mut primer, templates, 5).await?;
        running.stop().await;
        pingers.push(sessions);
    }

    let mut warm: Vec<(Running, Pinger)> = Vec::new();
    for round in 0..knobs.cold_starts {
        for ((index, function), sessions) in taking_part.iter().zip(pingers.iter_mut()) {
            let mut pinger = std::mem::replace(&mut sessions[round], Pinger::new(String::new()));
            let first = pinger.next(templates);
            let name = format!("{}-event-cold-{}", function.label, round + 1);
            let mut running = Running::spawn(function, launch(name), &first).await?;
            running.expect_status(204);
            let cold = scenarios::cold_start(&mut running).await?;
            figures[*index].first_event_ms.push(ms(cold.first_invocation));
            eprintln!(
                "==> cold start {}/{}, first event, {:<15} init {:>7.2} ms, first event {:>7.2} ms",
                round + 1,
                knobs.cold_starts,
                function.label,
                ms(cold.init),
                ms(cold.first_invocation)
            );
            if round + 1 == knobs.cold_starts {
                warm.push((running, pinger));
            } else {
                running.stop().await;
            }
        }
    }

    for (running, pinger) in &mut warm {
        batch(running, pinger, templates, knobs.warmup).await?;
    }
    let batch_count = knobs.warm_requests.clamp(1, WARM_BATCHES);
    let mut batches: Vec<WarmBatches> = warm.iter().map(|_| WarmBatches::default()).collect();
    for n in 0..batch_count {
        let count = knobs.warm_requests / batch_count + usize::from(n < knobs.warm_requests % batch_count);
        for ((running, pinger), batches) in warm.iter_mut().zip(batches.iter_mut()) {
            batches.add(batch(running, pinger, templates, count).await?);
        }
    }
    for (((running, _), batches), (index, _)) in warm.into_iter().zip(batches).zip(&taking_part) {
        let figures = &mut figures[*index];
        let warm = batches.figures(peak_rss(running.pid()?)?);
        figures.event_p50_ms = Some(ms(warm.p50));
        figures.event_p99_ms = Some(ms(warm.p99));
        figures.cpu_us_per_event = Some(warm.cpu_per_request.as_secs_f64() * 1e6);
        figures.cpu_coarse |= warm.cpu_coarse;
        let rss = warm.peak_rss as f64 / 1_048_576.0;
        figures.peak_rss_mib = Some(figures.peak_rss_mib.map_or(rss, |start| start.max(rss)));
        eprintln!(
            "==> warm events, {:<15} p50 {:.2} ms, p99 {:.2} ms, CPU {:.0} µs/event (median of {batch_count} batches)",
            running.label,
            ms(warm.p50),
            ms(warm.p99),
            warm.cpu_per_request.as_secs_f64() * 1e6,
        );
        running.stop().await;
    }
    Ok(())
}

/// The last segment of a 201's `Location` (naive's ids are UUIDs, not 64 hex digits).
pub fn location_id(answer: &Value) -> Option<String> {
    let (_, location) = answer["headers"]
        .as_object()?
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))?;
    location.as_str()?.rsplit('/').next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pings_move_on_in_time_and_playhead() {
        let templates = Templates::new(
            json!({ "headers": {}, "body": r#"{"eventType":"sessionStart","params":{},"playerTime":{"playhead":0,"ts":1}}"#, "requestContext": { "http": { "method": "POST" } } }),
            json!({ "headers": {}, "body": "{}", "requestContext": { "http": { "method": "POST", "path": "/" } } }),
        )
        .unwrap();
        let mut pinger = Pinger::new("a".repeat(64));
        let first: Value = serde_json::from_str(pinger.next(&templates)["body"].as_str().unwrap()).unwrap();
        let second: Value = serde_json::from_str(pinger.next(&templates)["body"].as_str().unwrap()).unwrap();
        assert_eq!(first["eventType"], "ping");
        assert_eq!(
            second["playerTime"]["ts"].as_u64().unwrap() - first["playerTime"]["ts"].as_u64().unwrap(),
            PING_EVERY_MS
        );
        assert_eq!(second["playerTime"]["playhead"], 20);
    }

    #[test]
    fn a_location_gives_its_last_segment() {
        let answer = json!({ "headers": { "Location": "/api/v1/sessions/abc-1" } });
        assert_eq!(location_id(&answer).as_deref(), Some("abc-1"));
    }
}
