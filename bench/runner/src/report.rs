//! The one table the bench prints: a row per figure, a column per function,
//! and media-collector ÷ naive, all from the same run. Kept apart from the
//! measuring so that the wording and the number formats live in one place.

use std::fmt::Write;

use crate::knobs::Knobs;
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
                "warm p50, ms ({} sequential after {} warm-ups, DynamoDB Local)",
                knobs.warm_requests, knobs.warmup
            ),
            value: |f| f.warm_p50_ms,
            format: ms,
        },
        Row {
            name: "warm p99, ms".to_owned(),
            value: |f| f.warm_p99_ms,
            format: ms,
        },
        Row {
            name: "CPU per warm request, µs".to_owned(),
            value: |f| f.cpu_us_per_request,
            format: whole,
        },
        Row {
            name: "peak RSS, MiB (VmHWM)".to_owned(),
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
        assert_eq!(table.lines().filter(|line| line.starts_with("| ")).count(), 12);
    }
}
