//! The one table the bench prints: a row per figure, a column per function,
//! and media-collector ÷ naive, all from the same run. Kept apart from the
//! measuring so that the wording and the number formats live in one place.

use std::fmt::Write;

use crate::knobs::Knobs;
use crate::load::{IN_FLIGHT_MAX, LoadFigures, MAX_CONCURRENCY, Step};
use crate::scenarios::median;

/// Everything measured for one function (empty where not measured).
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub init_ms: Vec<f64>,
    pub first_invocation_ms: Vec<f64>,
    pub tls_cold_ms: Vec<f64>,
    pub tls_first_invocation_ms: Vec<f64>,
    pub warm_p50_ms: Option<f64>,
    pub warm_p99_ms: Option<f64>,
    pub cpu_us_per_request: Option<f64>,
    pub cpu_coarse: bool,
    /// The events route: first event after init (plain HTTP), warm pings.
    pub first_event_ms: Vec<f64>,
    pub event_p50_ms: Option<f64>,
    pub event_p99_ms: Option<f64>,
    pub cpu_us_per_event: Option<f64>,
    pub peak_rss_mib: Option<f64>,
    pub sequential_rps: Option<f64>,
    pub concurrent_rps: Option<f64>,
    pub zip_mib: Option<f64>,
}

struct Row {
    name: String,
    value: fn(&Figures) -> Option<f64>,
    format: fn(f64) -> String,
}

fn rows(knobs: &Knobs) -> Vec<Row> {
    let n = knobs.cold_starts;
    let stub_ms = knobs.stub_delay.as_millis();
    vec![
        Row {
            name: format!("init, ms (spawn → first poll; median of {n})"),
            value: |f| median(&f.init_ms),
            format: ms,
        },
        Row {
            name: "first invocation, ms (DynamoDB Local, plain HTTP)".to_owned(),
            value: |f| median(&f.first_invocation_ms),
            format: ms,
        },
        Row {
            name: format!("cold start with TLS, ms (spawn → 201; median of {n})"),
            value: |f| median(&f.tls_cold_ms),
            format: ms,
        },
        Row {
            name: "first invocation after init with TLS, ms".to_owned(),
            value: |f| median(&f.tls_first_invocation_ms),
            format: ms,
        },
        Row {
            name: format!(
                "start warm p50, ms ({} sequential after {} warm-ups, DynamoDB Local)",
                knobs.warm_requests, knobs.warmup
            ),
            value: |f| f.warm_p50_ms,
            format: ms,
        },
        Row {
            name: "start warm p99, ms".to_owned(),
            value: |f| f.warm_p99_ms,
            format: ms,
        },
        Row {
            name: "CPU per warm start, µs".to_owned(),
            value: |f| f.cpu_us_per_request,
            format: whole,
        },
        Row {
            name: "first event after init, ms (ping, DynamoDB Local, plain HTTP; median)".to_owned(),
            value: |f| median(&f.first_event_ms),
            format: ms,
        },
        Row {
            name: format!(
                "event warm p50, ms ({} sequential pings after {} warm-ups)",
                knobs.warm_requests, knobs.warmup
            ),
            value: |f| f.event_p50_ms,
            format: ms,
        },
        Row {
            name: "event warm p99, ms".to_owned(),
            value: |f| f.event_p99_ms,
            format: ms,
        },
        Row {
            name: "CPU per warm event, µs".to_owned(),
            value: |f| f.cpu_us_per_event,
            format: whole,
        },
        Row {
            name: "peak RSS, MiB (VmHWM, the larger of the warm start and event processes)".to_owned(),
            value: |f| f.peak_rss_mib,
            format: two_decimals,
        },
        Row {
            name: format!("answers/s, 1 caller (stub PutItem {stub_ms} ms)"),
            value: |f| f.sequential_rps,
            format: whole,
        },
        Row {
            name: format!(
                "answers/s, {} callers, AWS_LAMBDA_MAX_CONCURRENCY={}",
                knobs.callers, knobs.max_concurrency
            ),
            value: |f| f.concurrent_rps,
            format: whole,
        },
        Row {
            name: "arm64 zip, MiB (make build)".to_owned(),
            value: |f| f.zip_mib,
            format: two_decimals,
        },
    ]
}

fn ms(value: f64) -> String {
    match value {
        v if v < 10.0 => format!("{v:.2}"),
        v if v < 100.0 => format!("{v:.1}"),
        v => format!("{v:.0}"),
    }
}

fn whole(value: f64) -> String {
    format!("{value:.0}")
}

fn two_decimals(value: f64) -> String {
    format!("{value:.2}")
}

/// The markdown: a caption line, the table, and a line on how to read the ratios.
/// `columns` are (label, figures); the ratio is `ratio_of` ÷ `ratio_to`.
pub fn render(knobs: &Knobs, caption: &str, columns: &[(&str, &Figures)], ratio_of: &str, ratio_to: &str) -> String {
    let find = |label: &str| columns.iter().find(|(name, _)| *name == label).map(|(_, f)| *f);
    let (of, to) = (find(ratio_of), find(ratio_to));
    let mut out = String::new();
    let _ = writeln!(out, "{caption}\n");
    let mut header = String::from("| figure |");
    let mut rule = String::from("|---|");
    for (label, _) in columns {
        let _ = write!(header, " {label} |");
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{header} {ratio_of} ÷ {ratio_to} |");
    let _ = writeln!(out, "{rule}---:|");
    for row in rows(knobs) {
        let _ = write!(out, "| {} |", row.name);
        for (_, figures) in columns {
            let cell = match (row.value)(figures) {
                Some(value) if figures.cpu_coarse && row.name.starts_with("CPU") => format!("~{}", (row.format)(value)),
                Some(value) => (row.format)(value),
                None => "n/a".to_owned(),
            };
            let _ = write!(out, " {cell} |");
        }
        let ratio = match (of.and_then(row.value), to.and_then(row.value)) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(out, " {ratio} |");
    }
    let _ = writeln!(
        out,
        "\nA ratio above 1 means {ratio_of} takes more time, CPU, memory or space than {ratio_to}, \
         or serves more answers per second."
    );
    if columns.iter().any(|(_, f)| f.cpu_coarse) {
        let _ = writeln!(
            out,
            "~: a thread ended during the warm phase, so that CPU figure has the 10 ms resolution of /proc/PID/stat."
        );
    }
    out
}

/// The load test's tables: the ramp, the peak, the latency at 50 % and 90 %
/// of it, and the audit of the acknowledged writes.
pub fn render_load(load: &LoadFigures) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Load test: media-collector alone, one process under the local Runtime API with \
         `AWS_LAMBDA_MAX_CONCURRENCY={MAX_CONCURRENCY}`, writing to DynamoDB Local (plain HTTP, same machine). \
         Each viewer starts a session and reports it call by call: 80 calls, 1 start, 69 pings \
         (one every 10 s of content, one a second in the ad), 10 play, pause and ad events ending with \
         sessionEnd. Calls leave open loop at the offered rate, at most {IN_FLIGHT_MAX} in flight (the rest \
         shed); answers/s counts the 201 and 204 received within a step, latency runs from a call's due time \
         to its answer. Steps of {:.1} s, the rate ×1.5 each, \
         until the answers per second stop growing (< 5 % more).\n",
        load.step.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| offered/s | sent | shed | answers/s | p50, ms | p99, ms | 201 | 204 | 5xx, errors |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let status = |step: &Step, code: u16| step.statuses.get(&code).copied().unwrap_or(0);
    for step in &load.ramp {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            whole(step.offered_per_s),
            step.sent,
            step.shed,
            whole(step.answers_per_s),
            ms(step.p50().as_secs_f64() * 1000.0),
            ms(step.p99().as_secs_f64() * 1000.0),
            status(step, 201),
            status(step, 204),
            step.failures()
        );
    }
    let _ = writeln!(out, "\nPeak: **{} answers/s**.\n", whole(load.peak_per_s));
    let _ = writeln!(
        out,
        "| load | offered/s | answers/s | p50, ms | p99, ms | 5xx, errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (name, step) in [
        ("50 % of the peak", &load.at_half),
        ("90 % of the peak", &load.at_ninety),
    ] {
        let _ = writeln!(
            out,
            "| {name} ({:.0} s) | {} | {} | {} | {} | {} |",
            step.window.as_secs_f64(),
            whole(step.offered_per_s),
            whole(step.answers_per_s),
            ms(step.p50().as_secs_f64() * 1000.0),
            ms(step.p99().as_secs_f64() * 1000.0),
            step.failures()
        );
    }
    let audit = &load.audit;
    let _ = writeln!(
        out,
        "\nAcknowledged and found in DynamoDB Local afterwards (Scan): {} of {} sessions (201), {} of {} events \
         (204){}. 5xx answers, Lambda errors or unanswered calls below the peak: {}.",
        audit.sessions_acknowledged - audit.sessions_missing,
        audit.sessions_acknowledged,
        audit.events_acknowledged - audit.events_missing,
        audit.events_acknowledged,
        if audit.counts_short == 0 {
            ", every session's eventCount at least its acknowledged events".to_owned()
        } else {
            format!(
                ", {} sessions with an eventCount short of their acknowledged events",
                audit.counts_short
            )
        },
        load.failures_below_peak()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_row_per_figure_with_the_ratio() {
        let knobs = Knobs::from_env_and_args(Vec::new()).unwrap().unwrap();
        let naive = Figures {
            init_ms: vec![10.0, 20.0, 30.0],
            sequential_rps: Some(80.0),
            ..Figures::default()
        };
        let ours = Figures {
            init_ms: vec![15.0, 5.0, 25.0],
            sequential_rps: Some(100.0),
            zip_mib: Some(3.25),
            ..Figures::default()
        };
        let table = render(
            &knobs,
            "caption",
            &[("naive", &naive), ("media-collector", &ours)],
            "media-collector",
            "naive",
        );
        assert!(table.contains("| figure | naive | media-collector | media-collector ÷ naive |"));
        assert!(table.contains("| 20.0 | 15.0 | 0.75× |"), "{table}");
        assert!(table.contains("| 80 | 100 | 1.25× |"), "{table}");
        assert!(table.contains("| n/a | 3.25 | n/a |"), "{table}");
        assert_eq!(table.lines().filter(|line| line.starts_with("| ")).count(), 16);
    }

    #[test]
    fn renders_the_load_test_with_its_peak_and_audit() {
        use std::time::Duration;
        let step = |offered: f64, answers: f64, fivexx: usize| {
            let mut step = Step {
                offered_per_s: offered,
                window: Duration::from_secs(3),
                sent: (offered * 3.0) as usize,
                answers_per_s: answers,
                latencies: vec![Duration::from_millis(4), Duration::from_millis(9)],
                ..Step::default()
            };
            step.statuses.insert(204, step.sent);
            if fivexx > 0 {
                step.statuses.insert(500, fivexx);
            }
            step
        };
        let load = LoadFigures {
            step: Duration::from_secs(3),
            ramp: vec![step(25.0, 25.0, 0), step(37.5, 37.0, 0), step(56.25, 38.0, 3)],
            peak_per_s: 38.0,
            at_half: step(19.0, 19.0, 0),
            at_ninety: step(34.2, 34.0, 0),
            audit: crate::load::Audit {
                sessions_acknowledged: 2,
                events_acknowledged: 100,
                ..Default::default()
            },
        };
        let table = render_load(&load);
        assert!(
            table.contains("| 56 | 168 | 0 | 38 | 4.00 | 9.00 | 0 | 168 | 3 |"),
            "{table}"
        );
        assert!(table.contains("Peak: **38 answers/s**"), "{table}");
        assert!(
            table.contains("| 90 % of the peak (3 s) | 34 | 34 | 4.00 | 9.00 | 0 |"),
            "{table}"
        );
        assert!(
            table.contains("2 of 2 sessions (201), 100 of 100 events (204)"),
            "{table}"
        );
        // The 5xx of the saturated step (offered above the peak) do not count.
        assert!(table.ends_with("below the peak: 0.\n"), "{table}");
        assert!(load.verdict().is_ok());
    }
}
