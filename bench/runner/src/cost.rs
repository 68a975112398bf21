//! What a viewer-hour ([`crate::viewer_hour`]) costs at list prices, per
//! front door, for each build of media-collector in the run: its requests
//! (API Gateway, Lambda), Lambda's duration at the template's `MemorySize`
//! on arm64 with the warm durations measured in the same run, and DynamoDB's
//! on-demand write and read units ([`crate::units`]). The prices are in
//! [`PRICES`], the one place they are written.

use std::fmt::Write;

use crate::units::{Source, Units, by_kind};
use crate::viewer_hour::{self, Kind};

/// List prices, us-east-1, as assumed for December 2026 (check the AWS pricing
/// pages). Left out: DynamoDB storage, CloudWatch Logs, data transfer, free tiers.
pub struct Prices {
    pub date: &'static str,
    /// API Gateway HTTP API, per request (first 300 million a month).
    pub http_api_request: f64,
    /// API Gateway REST API, per request (first 333 million a month).
    pub rest_api_request: f64,
    /// Lambda, per request.
    pub lambda_request: f64,
    /// Lambda, per GB-second on arm64 (first 7.5 billion GB-s a month).
    pub lambda_gb_second_arm64: f64,
    /// DynamoDB on-demand, per write request unit.
    pub write_unit: f64,
    /// DynamoDB on-demand, per read request unit.
    pub read_unit: f64,
}

pub const PRICES: Prices = Prices {
    date: "2026-12",
    http_api_request: 1.00 / 1e6,
    rest_api_request: 3.50 / 1e6,
    lambda_request: 0.20 / 1e6,
    lambda_gb_second_arm64: 0.000_013_333_4,
    write_unit: 0.625 / 1e6,
    read_unit: 0.125 / 1e6,
};

/// The function's set-up in `template.yaml`: its memory (classic Lambda) and
/// the front doors the template creates.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub memory_mb: u32,
    pub arm64: bool,
    pub http_api: bool,
    pub rest_api: bool,
    pub function_url: bool,
    pub alb: bool,
}

impl Template {
    /// Reads the first `MemorySize:` (its last number: the value off Managed
    /// Instances), the architecture, and the kinds of event sources.
    pub fn parse(yaml: &str) -> anyhow::Result<Self> {
        let memory = yaml
            .lines()
            .find(|line| line.trim_start().starts_with("MemorySize:"))
            .and_then(|line| line.split(|c: char| !c.is_ascii_digit()).rfind(|s| !s.is_empty()))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("template.yaml has no MemorySize"))?;
        let has = |needle: &str| yaml.lines().any(|line| line.trim() == needle);
        Ok(Self {
            memory_mb: memory,
            arm64: has("- arm64"),
            http_api: has("Type: HttpApi"),
            rest_api: has("Type: Api"),
            function_url: yaml.contains("FunctionUrlConfig:"),
            alb: yaml.contains("AWS::ElasticLoadBalancingV2::LoadBalancer"),
        })
    }
}

/// One build's viewer-hour, in dollars, by item.
#[derive(Debug, Clone, Copy)]
pub struct HourCost {
    pub calls: f64,
    pub lambda_requests: f64,
    pub lambda_duration: f64,
    pub writes: f64,
    pub reads: f64,
    /// Billed ms of a start and of an event (the warm p50, rounded up to the ms).
    pub billed_ms: (f64, f64),
}

impl HourCost {
    /// `start_ms` and `event_ms`: the warm p50 of a start and of an event.
    pub fn of(units: &Units, start_ms: f64, event_ms: f64, template: &Template) -> Self {
        let billed = (start_ms.ceil().max(1.0), event_ms.ceil().max(1.0));
        let gb = f64::from(template.memory_mb) / 1024.0;
        let seconds: f64 = units
            .calls
            .iter()
            .map(|call| if call.kind == Kind::Start { billed.0 } else { billed.1 } / 1000.0)
            .sum();
        let (write_units, read_units) = units.hour();
        let calls = units.calls.len() as f64;
        Self {
            calls,
            lambda_requests: calls * PRICES.lambda_request,
            lambda_duration: seconds * gb * PRICES.lambda_gb_second_arm64,
            writes: write_units * PRICES.write_unit,
            reads: read_units * PRICES.read_unit,
            billed_ms: billed,
        }
    }

    /// Everything but the front door.
    pub fn behind_the_door(&self) -> f64 {
        self.lambda_requests + self.lambda_duration + self.writes + self.reads
    }
}

/// Dollars per 1,000 viewer-hours, three significant digits.
fn dollars(per_hour: f64) -> String {
    let value = per_hour * 1000.0;
    match value {
        v if v >= 100.0 => format!("${v:.0}"),
        v if v >= 10.0 => format!("${v:.1}"),
        v if v >= 1.0 => format!("${v:.2}"),
        v if v >= 0.1 => format!("${v:.3}"),
        v => format!("${v:.4}"),
    }
}

fn ratio(now: f64, before: f64) -> String {
    if before > 0.0 {
        format!("{:.2}×", now / before)
    } else {
        "n/a".to_owned()
    }
}

fn units_cell(write: f64, read: f64) -> String {
    let number = |n: f64| {
        if (n - n.round()).abs() < 1e-9 {
            format!("{n:.0}")
        } else {
            format!("{n:.3}")
        }
    };
    format!("{} W + {} R", number(write), number(read))
}

fn source(source: Source) -> &'static str {
    match source {
        Source::Emf => "EMF",
        Source::ItemSize => "item size",
    }
}

/// The markdown: units per call kind, then the viewer-hour's cost. `builds`
/// are (label, units, warm start p50 ms, warm event p50 ms), the first one
/// the "now" the ratios divide.
pub fn render(builds: &[(&str, &Units, f64, f64)], template: &Template) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = builds.iter().map(|b| b.0).collect();
    let _ = writeln!(
        out,
        "\n### Units per call kind\n\nDynamoDB capacity units of each call of the viewer-hour below \
         (mean over the calls of that kind; W write units, R read units), played through each build \
         against DynamoDB Local. Source: the function's EMF records (`WriteUnits`, `ReadUnits`) where \
         they carry them, else DynamoDB's item-size rules on the items stored after each call.\n"
    );
    let _ = writeln!(
        out,
        "| call kind | calls per viewer-hour | {} | source |",
        labels.join(" | ")
    );
    let _ = writeln!(out, "|---|---:|{}---|", "---:|".repeat(labels.len()));
    let kinds: Vec<_> = builds.iter().map(|b| by_kind(b.1)).collect();
    for kind in [Kind::Start, Kind::Ping, Kind::State, Kind::End] {
        let mut row = format!("| {} | {} |", kind.name(), viewer_hour::count(kind));
        let mut sources = Vec::new();
        for (label, figures) in labels.iter().zip(&kinds) {
            match figures.get(&kind) {
                Some(&(w, r, _, _, s)) => {
                    let _ = write!(row, " {} |", units_cell(w, r));
                    sources.push(format!("{label}: {}", source(s)));
                }
                None => row.push_str(" n/a |"),
            }
        }
        let _ = writeln!(out, "{row} {} |", sources.join("; "));
    }
    let mut row = "| a downloaded session, per event (the hour in one call) | n/a |".to_owned();
    let mut sources = Vec::new();
    for (label, units, _, _) in builds {
        let d = units.downloaded;
        let n = d.events as f64;
        let _ = write!(row, " {} |", units_cell(d.write / n, d.read / n));
        sources.push(format!("{label}: {}", source(d.source)));
    }
    let _ = writeln!(out, "{row} {} |", sources.join("; "));
    let mut row = format!("| the viewer-hour, call by call | {} |", viewer_hour::calls().len());
    for (_, units, _, _) in builds {
        let (w, r) = units.hour();
        let _ = write!(row, " {} |", units_cell(w, r));
    }
    let _ = writeln!(out, "{row} |");
    let sizes: Vec<String> = builds
        .iter()
        .zip(&kinds)
        .map(|((label, ..), figures)| {
            let record = figures.values().map(|f| f.2).max().unwrap_or(0);
            let event = figures.values().map(|f| f.3).max().unwrap_or(0);
            format!("{label} {record} B and {event} B")
        })
        .collect();
    let _ = writeln!(
        out,
        "\nLargest session record and event item in the hour: {}.",
        sizes.join("; ")
    );

    // The cost.
    let costs: Vec<HourCost> = builds
        .iter()
        .map(|(_, units, start, event)| HourCost::of(units, *start, *event, template))
        .collect();
    let _ = writeln!(
        out,
        "\n### Cost per viewer-hour\n\nList prices of {} (us-east-1; `bench/runner/src/cost.rs`): API Gateway \
         HTTP API $1.00 and REST API $3.50 per million requests, Lambda $0.20 per million requests and \
         $0.0000133334 per GB-second on arm64, DynamoDB on-demand $0.625 per million write and $0.125 per \
         million read request units. Lambda at the template's {} MB{}, billed per ms: each call's billed \
         duration is the build's warm p50 of this run (start or event) rounded up to the ms. Left out: \
         storage, logs, data transfer, free tiers. Dollars per **1,000** viewer-hours.\n",
        PRICES.date,
        template.memory_mb,
        if template.arm64 { " (arm64)" } else { "" }
    );
    let ratio_header = if builds.len() > 1 {
        format!(" {} ÷ {} |", labels[0], labels[1])
    } else {
        String::new()
    };
    let _ = writeln!(out, "| per 1,000 viewer-hours | {} |{ratio_header}", labels.join(" | "));
    let _ = writeln!(
        out,
        "|---|{}{}",
        "---:|".repeat(labels.len()),
        if builds.len() > 1 { "---:|" } else { "" }
    );
    let line = |out: &mut String, name: &str, value: &dyn Fn(&HourCost) -> f64| {
        let mut row = format!("| {name} |");
        for cost in &costs {
            let _ = write!(row, " {} |", dollars(value(cost)));
        }
        if costs.len() > 1 {
            let _ = write!(row, " {} |", ratio(value(&costs[0]), value(&costs[1])));
        }
        let _ = writeln!(out, "{row}");
    };
    let billed: Vec<String> = costs
        .iter()
        .zip(&labels)
        .map(|(c, label)| format!("{label} {:.0}/{:.0}", c.billed_ms.0, c.billed_ms.1))
        .collect();
    line(&mut out, "Lambda requests", &|c| c.lambda_requests);
    line(
        &mut out,
        &format!("Lambda duration (billed ms per start/event: {})", billed.join(", ")),
        &|c| c.lambda_duration,
    );
    line(&mut out, "DynamoDB write units", &|c| c.writes);
    line(&mut out, "DynamoDB read units", &|c| c.reads);
    line(&mut out, "**behind the front door**", &|c| c.behind_the_door());
    let doors: [(&str, bool, f64); 3] = [
        ("HTTP API", template.http_api, PRICES.http_api_request),
        ("REST API", template.rest_api, PRICES.rest_api_request),
        ("Function URL", template.function_url, 0.0),
    ];
    for (door, offered, price) in doors {
        let name = format!(
            "**total behind {door}**{}",
            if offered {
                " (the template's)"
            } else {
                " (the function serves it; the template has none)"
            }
        );
        line(&mut out, &name, &|c| c.behind_the_door() + c.calls * price);
    }
    let _ = writeln!(
        out,
        "\nAn ALB{} is priced by the hour and by load-balancer capacity units, not per request: not in this table.",
        if template.alb {
            " (in the template)"
        } else {
            " (the function serves one; the template has none)"
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{CallUnits, DownloadedUnits};

    #[test]
    fn reads_the_templates_memory_and_front_doors() {
        let yaml = "      Architectures:\n        - arm64\n      MemorySize: !If [OnManagedInstances, 2048, 256]\n          Type: HttpApi\n";
        let template = Template::parse(yaml).unwrap();
        assert_eq!(template.memory_mb, 256);
        assert!(template.arm64 && template.http_api);
        assert!(!template.rest_api && !template.function_url && !template.alb);
    }

    #[test]
    fn an_hour_of_pings_costs_its_units_requests_and_billed_ms() {
        let call = |kind, write, read| CallUnits {
            kind,
            write,
            read,
            source: Source::ItemSize,
            record_bytes: 0,
            event_bytes: 0,
        };
        let units = Units {
            calls: vec![call(Kind::Start, 2.0, 0.0), call(Kind::Ping, 6.0, 1.0)],
            downloaded: DownloadedUnits {
                events: 1,
                write: 1.0,
                read: 1.0,
                source: Source::ItemSize,
            },
        };
        let template = Template::parse("MemorySize: 1024\n").unwrap();
        let cost = HourCost::of(&units, 2.2, 3.7, &template);
        assert_eq!(cost.billed_ms, (3.0, 4.0));
        assert!((cost.lambda_duration - 0.007 * PRICES.lambda_gb_second_arm64).abs() < 1e-15);
        assert!((cost.writes - 8.0 * 0.625e-6).abs() < 1e-15);
        assert!((cost.reads - 0.125e-6).abs() < 1e-15);
        assert!((cost.lambda_requests - 0.4e-6).abs() < 1e-15);
        assert_eq!(dollars(0.0015), "$1.50");
    }
}
