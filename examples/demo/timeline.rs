//! The end of `make demo`: the session it played, drawn in the terminal as
//! a timeline (a row each for ad, playing, buffering, paused and stalled;
//! time across; the calls marked), with the metrics the session record holds
//! beside it, so that a newcomer sees at a glance what the calls meant.
//!
//! Which row an interval between two calls belongs to is read from the
//! function's own metrics computation (`media_collector::domain::metrics`):
//! the calls are applied one at a time, and the bucket whose time grew is
//! the interval's (a confirmed stall also takes back the interval before it).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use media_collector::domain::metrics::Metrics;
use media_collector::domain::{SessionEvent, SessionStart, call_of, start_tracker};
use serde_json::Value;

/// Columns of the time axis.
const WIDTH: usize = 64;

/// The rows, each with the metric it adds up to.
const ROWS: [(&str, &str); 5] = [
    ("ad", "adTimePlayed"),
    ("playing", "timePlayed"),
    ("buffering", "bufferTime"),
    ("paused", "pauseTime"),
    ("stalled", "stallTime"),
];

/// Prints the timeline of `start` and `calls` (in the order sent) and the
/// stored `record`'s metrics; an error if the calls do not parse.
pub fn draw(start: &Value, calls: &[Value], record: &HashMap<String, AttributeValue>) -> Result<(), String> {
    let start = SessionStart::parse(&start.to_string()).map_err(|error| format!("the demo's start: {error:?}"))?;
    let events: Vec<SessionEvent> = calls
        .iter()
        .map(|call| SessionEvent::parse(&call.to_string()).map_err(|error| format!("a demo call: {error:?}")))
        .collect::<Result<_, _>>()?;
    let t0 = start.player_time.ts_millis();

    // The metrics after the start, then after each call.
    let mut tracker = start_tracker(&start);
    let mut after = vec![tracker.metrics()];
    for event in &events {
        tracker.accept(call_of(event));
        after.push(tracker.metrics());
    }
    let times: Vec<i64> = std::iter::once(0)
        .chain(events.iter().map(|event| event.player_time.ts_millis() - t0))
        .collect();
    let rows = intervals(&after);
    let end = times.last().copied().unwrap_or_default().max(1);
    let column = |at: i64| (usize::try_from(at).unwrap_or(0) * (WIDTH - 1)) / usize::try_from(end).unwrap_or(1);

    let stored = record.get("metrics").and_then(|value| value.as_m().ok());
    let shown = |name: &str| {
        stored
            .and_then(|metrics| metrics.get(name))
            .map(|value| match value {
                AttributeValue::N(number) => number.clone(),
                AttributeValue::Bool(flag) => flag.to_string(),
                other => format!("{other:?}"),
            })
            .unwrap_or_else(|| "-".to_owned())
    };

    println!("\n6. what the calls meant: the session's timeline and the metrics in its record");
    println!(
        "   {:<10} 0 s{:>width$}",
        "",
        format!("{} s", end as f64 / 1000.0),
        width = WIDTH - 3
    );
    for (row, (label, metric)) in ROWS.iter().enumerate() {
        let mut line = vec!['·'; WIDTH];
        for (interval, bucket) in rows.iter().enumerate() {
            if *bucket == Some(row) {
                let (from, to) = (column(times[interval]), column(times[interval + 1]));
                for cell in &mut line[from..to.max(from + 1)] {
                    *cell = '█';
                }
            }
        }
        let line: String = line.into_iter().collect();
        println!("   {label:<10} {line}  {metric} {} s", shown(metric));
    }
    let mut marks = vec![' '; WIDTH];
    for at in &times[1..] {
        marks[column(*at)] = '▲';
    }
    println!(
        "   {:<10} {}  ({} calls)",
        "calls",
        marks.into_iter().collect::<String>(),
        events.len()
    );
    let mut names: Vec<String> = Vec::new();
    for (event, at) in events.iter().zip(&times[1..]) {
        let name = event.event_type.name();
        if !matches!(name, "ping") {
            names.push(format!("{name} {:.1}", *at as f64 / 1000.0));
        }
    }
    println!("   {:<10} {}", "", names.join(", "));
    println!();
    for names in [
        &["elapsedTime", "otherTime", "totalTimePlayed", "startupTime"][..],
        &[
            "adCount",
            "adBreakCount",
            "adCompleteCount",
            "chapterCount",
            "chapterCompleteCount",
        ],
        &[
            "pauseCount",
            "bufferCount",
            "stallCount",
            "errorCount",
            "bitrateChangeCount",
        ],
        &[
            "isPlayed",
            "isCompleted",
            "hasProgress25",
            "hasProgress50",
            "hasProgress95",
        ],
        &[
            "bitrate",
            "bitrateAverage",
            "framesPerSecond",
            "averageMinuteAudience",
            "lateEventCount",
        ],
    ] {
        let line: Vec<String> = names.iter().map(|name| format!("{name} {}", shown(name))).collect();
        println!("   {}", line.join(" · "));
    }
    if let Some(Metrics(computed)) = after.last() {
        let differs: Vec<&str> = computed
            .keys()
            .filter(|name| stored.is_none_or(|metrics| !metrics.contains_key(**name)))
            .copied()
            .collect();
        if !differs.is_empty() {
            return Err(format!("the record lacks the metrics {differs:?}"));
        }
    }
    Ok(())
}

/// For each interval between two calls (the start counts as the first), the
/// row its time went to, if any: the bucket whose time grew by it. A
/// confirmed stall moves the interval before it to the stalled row too.
fn intervals(after: &[Metrics]) -> Vec<Option<usize>> {
    let millis = |metrics: &Metrics, name: &str| {
        metrics
            .number(name)
            .and_then(|seconds| seconds.parse::<f64>().ok())
            .map_or(0, |seconds| (seconds * 1000.0).round() as i64)
    };
    let mut rows: Vec<Option<usize>> = Vec::with_capacity(after.len().saturating_sub(1));
    for pair in after.windows(2) {
        let grew = ROWS
            .iter()
            .enumerate()
            .map(|(row, (_, metric))| (row, millis(&pair[1], metric) - millis(&pair[0], metric)))
            .max_by_key(|(_, delta)| *delta)
            .filter(|(_, delta)| *delta > 0)
            .map(|(row, _)| row);
        let stalled = ROWS.len() - 1;
        let played = 1;
        if grew == Some(stalled) && millis(&pair[1], ROWS[played].1) < millis(&pair[0], ROWS[played].1) {
            if let Some(previous) = rows.last_mut() {
                *previous = Some(stalled);
            }
        }
        rows.push(grew);
    }
    rows
}
