//! `make bench`: media-collector next to two baselines, `bench-bare` (the
//! floor: the runtime alone) and `bench-naive` (the function as a typical
//! user writes it), each process spawned fresh under its own local Lambda
//! Runtime API, against DynamoDB Local (plain and behind TLS) and a stub:
//! the session start, then the events route (`events`). Then each build of
//! media-collector plays a viewer-hour for its DynamoDB units per call kind
//! (`units`) and what the hour costs at list prices (`cost`). Then a load test of media-collector alone (`load/`): a player workload
//! at increasing offered load, every acknowledged write checked in
//! DynamoDB Local afterwards. Prints the markdown tables and writes them to
//! `target/bench/latest.md`.
//! Every process it starts is killed when it ends, fails or is interrupted.
#![forbid(unsafe_code)]

mod comparison;
mod cost;
mod downloaded;
mod events;
mod function;
mod item_size;
mod knobs;
mod levers;
mod load;
mod report;
mod scenarios;
mod services;
mod units;
mod viewer_hour;

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::process::Command;

use function::Function;
use knobs::Knobs;
use report::Figures;
use services::ddb_local::DynamoDbLocal;

const EVENT_FILE: &str = "events/apigw-http-session-start.json";
/// The events route's request, made a ping to a session the bench created.
const SESSION_EVENT_FILE: &str = "events/apigw-http-event-play.json";
/// The function compared with the baseline "naive" in the ratio column.
const SUBJECT: &str = "media-collector";
const BASELINE: &str = "naive";

#[tokio::main]
async fn main() -> ExitCode {
    let knobs = match Knobs::from_env_and_args(std::env::args().skip(1)) {
        Ok(Some(knobs)) => knobs,
        Ok(None) => {
            print!("{}", knobs::HELP);
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("media-collector-bench: {error:#}");
            return ExitCode::from(2);
        }
    };
    // Dropping `run` kills every child process it started (kill_on_drop).
    let outcome = tokio::select! {
        outcome = run(knobs) => outcome,
        signal = interrupted() => Err(anyhow::anyhow!("{signal}: stopped every process the bench had started")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("media-collector-bench failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hangup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
        let _ = tokio::signal::ctrl_c().await;
        return "interrupted";
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted (Ctrl-C)",
        _ = term.recv() => "terminated (SIGTERM)",
        _ = hangup.recv() => "hung up (SIGHUP)",
    }
}

/// The repository's root, its target folder and its tools folder (`TOOLS_DIR`).
struct Paths {
    root: PathBuf,
    target: PathBuf,
    tools: PathBuf,
}

impl Paths {
    fn find() -> anyhow::Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .context("find the repository's root")?;
        let under_root = |var: &str, default: &str| match std::env::var_os(var).filter(|v| !v.is_empty()) {
            Some(dir) => root.join(dir), // an absolute path replaces the root
            None => root.join(default),
        };
        Ok(Self {
            target: under_root("CARGO_TARGET_DIR", "target"),
            tools: under_root("TOOLS_DIR", ".tools"),
            root,
        })
    }
}

async fn run(knobs: Knobs) -> anyhow::Result<()> {
    let paths = Paths::find()?;
    let out_dir = paths.target.join("bench");
    let log_dir = out_dir.join("logs");
    std::fs::create_dir_all(&log_dir).with_context(|| format!("create {}", log_dir.display()))?;

    // The baselines are built as their users would build them, in a target
    // folder of their own (so that no build setting of a variant below
    // rebuilds them).
    let baselines_target = paths.target.join("bench-baselines");
    let all = [
        ("bare", "bench-bare", Some(&baselines_target)),
        ("naive", "bench-naive", Some(&baselines_target)),
        (SUBJECT, "media-collector", None),
    ];
    // The load test alone needs media-collector alone.
    let functions = if knobs.load_only { &all[2..] } else { &all[..] };
    if knobs.build {
        for (label, package, target) in functions.iter().copied() {
            // The baselines keep the release settings they have always been
            // measured with (opt-level "s", fat LTO, one codegen unit,
            // stripped), whatever media-collector's own profile says.
            let env: &[(&str, &str)] = if label == SUBJECT {
                &[]
            } else {
                &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")]
            };
            build(&paths.root, package, target.map(PathBuf::as_path), env, &[]).await?;
        }
    }
    let levers = knobs.levers && !knobs.load_only;
    if levers && knobs.build {
        for lever in levers::LEVERS {
            let target = lever.target_dir(&paths.target);
            build(&paths.root, "media-collector", Some(&target), lever.env, lever.features).await?;
        }
    }
    let mut functions: Vec<Function> = functions
        .iter()
        .map(|(label, package, target)| Function {
            label: (*label).to_owned(),
            binary: target.unwrap_or(&paths.target).join("release").join(package),
        })
        .collect();
    // Builds of media-collector with other settings, measured in the same run.
    if levers {
        functions.extend(levers::LEVERS.iter().map(|lever| Function {
            label: lever.label.to_owned(),
            binary: lever.binary(&paths.target),
        }));
    }
    functions.extend(knobs.also.iter().map(|(label, binary)| Function {
        label: label.clone(),
        binary: binary.clone(),
    }));
    for function in &functions {
        if !function.binary.is_file() {
            bail!(
                "{} is missing: build it with `cargo build --release -p <package>` (or run without --no-build)",
                function.binary.display()
            );
        }
    }
    let event_text =
        std::fs::read_to_string(paths.root.join(EVENT_FILE)).with_context(|| format!("read {EVENT_FILE}"))?;
    let event: Value = serde_json::from_str(&event_text).with_context(|| format!("parse {EVENT_FILE}"))?;

    let templates = load::viewers::Templates::new(event.clone(), read_json(&paths.root, SESSION_EVENT_FILE)?)?;

    let ddb = DynamoDbLocal::start(&paths.tools, &log_dir).await?;
    let mut figures = if knobs.load_only {
        Vec::new()
    } else {
        comparison::measure(&knobs, &functions, &ddb, &event, &log_dir, &out_dir).await?
    };
    // Units per call kind: media-collector and the other builds of it (--also),
    // before the events phase, while DynamoDB Local has run few transactions
    // (it slows down as they pile up: docs/benchmark.md).
    let mut measured_units = Vec::new();
    if !knobs.load_only {
        for function in &functions {
            if function.label != SUBJECT && !knobs.also.iter().any(|(label, _)| *label == function.label) {
                continue;
            }
            let units = units::measure(function, &ddb, &templates, &log_dir).await?;
            eprintln!(
                "==> units, {:<15} the viewer-hour: {:.0} write and {:.0} read units",
                function.label,
                units.hour().0,
                units.hour().1
            );
            measured_units.push((function.label.clone(), units));
        }
        events::measure(&knobs, &functions, &ddb, &templates, &log_dir, &mut figures).await?;
    }
    // The cost needs each build's warm start and event p50.
    let priced: Vec<(String, units::Units, f64, f64)> = measured_units
        .into_iter()
        .filter_map(|(label, units)| {
            let figures = functions
                .iter()
                .position(|f| f.label == label)
                .and_then(|i| figures.get(i))?;
            Some((
                label,
                units,
                figures.warm_p50_ms.unwrap_or_default(),
                figures.event_p50_ms.unwrap_or_default(),
            ))
        })
        .collect();
    // A downloaded session against the same events one by one (media-collector only).
    let downloaded_section = match functions.iter().find(|f| f.label == SUBJECT) {
        Some(subject) if !knobs.load_only => downloaded::run(subject, &ddb, &event, &log_dir, &knobs).await?,
        _ => String::new(),
    };
    let load = match functions.iter().find(|f| f.label == SUBJECT) {
        Some(subject) if knobs.load => Some(load::measure(subject, &ddb, &paths.root, &log_dir, &knobs).await?),
        _ => None,
    };
    ddb.stop().await;

    let zip = paths.target.join("lambda/media-collector/bootstrap.zip");
    if let (Some(figures), Ok(meta)) = (
        functions
            .iter()
            .position(|f| f.label == SUBJECT)
            .and_then(|i| figures.get_mut(i)),
        std::fs::metadata(&zip),
    ) {
        figures.zip_mib = Some(meta.len() as f64 / 1_048_576.0);
    }

    let caption = caption(&knobs).await;
    let mut table = if knobs.load_only {
        format!("{caption}\n")
    } else {
        let columns: Vec<(&str, &Figures)> = functions.iter().map(|f| f.label.as_str()).zip(figures.iter()).collect();
        report::render(&knobs, &caption, &columns, SUBJECT, BASELINE)
    };
    if !priced.is_empty() {
        let yaml = std::fs::read_to_string(paths.root.join("template.yaml")).context("read template.yaml")?;
        let template = cost::Template::parse(&yaml)?;
        let builds: Vec<(&str, &units::Units, f64, f64)> = priced
            .iter()
            .map(|(label, units, start, event)| (label.as_str(), units, *start, *event))
            .collect();
        table.push_str(&cost::render(&builds, &template));
    }
    table.push_str(&downloaded_section);
    if let Some(load) = &load {
        table.push('\n');
        table.push_str(&report::render_load(load));
    }
    print!("{table}");
    let latest = out_dir.join("latest.md");
    std::fs::write(&latest, &table).with_context(|| format!("write {}", latest.display()))?;
    eprintln!("==> written to {}", latest.display());
    if let Some(load) = &load {
        load.verdict()?;
    }
    Ok(())
}

fn read_json(root: &Path, file: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(root.join(file)).with_context(|| format!("read {file}"))?;
    serde_json::from_str(&text).with_context(|| format!("parse {file}"))
}

pub(crate) fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `cargo build --release --locked -p PACKAGE`: alone, so that the package
/// keeps its own dependency features; with `target`, in that folder; `env`
/// and `features` change the build (a lever).
async fn build(
    root: &Path,
    package: &str,
    target: Option<&Path>,
    env: &[(&str, &str)],
    features: &[&str],
) -> anyhow::Result<()> {
    eprintln!("==> cargo build --release --locked -p {package} {env:?} {features:?}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    // `cargo run` gave this process the bench package's CARGO_MANIFEST_DIR,
    // CARGO_PKG_NAME…; some build scripts (ring's) track them, so passing them
    // on would rebuild those crates here and again in a plain `cargo build`.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        // Nor the runner's own profile settings (make bench builds it with
        // opt-level "s"): only `env` changes a build.
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_PROFILE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    if let Some(target) = target {
        command.env("CARGO_TARGET_DIR", target);
    }
    command.envs(env.iter().copied());
    command.args(["build", "--release", "--locked", "-p", package]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let status = command
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .status()
        .await
        .context("run cargo build")?;
    if !status.success() {
        bail!("cargo build -p {package} failed ({status})");
    }
    Ok(())
}

/// What the run was: when, on what, and its sizes.
async fn caption(knobs: &Knobs) -> String {
    let when = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .await
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|version| version.trim().to_owned())
        .unwrap_or_default();
    if knobs.load_only {
        let quick = if knobs.quick { ", quick" } else { "" };
        return format!("`make bench` (load test only{quick}), {when}, {cores} cores, {rustc}.");
    }
    format!(
        "`make bench`{}, {when}, {cores} cores, {rustc}: {} cold starts per function and store, \
         {} warm requests after {} warm-ups, throughput windows of {:?} (at most {} requests).",
        if knobs.quick { " (quick)" } else { "" },
        knobs.cold_starts,
        knobs.warm_requests,
        knobs.warmup,
        knobs.throughput_window,
        knobs.throughput_max
    )
}
