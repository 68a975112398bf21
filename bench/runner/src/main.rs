//! `make bench`: media-collector next to two baselines, `bench-bare` (the
//! floor: the runtime alone) and `bench-naive` (the function as a typical
//! user writes it), each process spawned fresh under its own local Lambda
//! Runtime API, against DynamoDB Local (plain and behind TLS) and a stub.
//! Prints one markdown table and writes it to `target/bench/latest.md`.
//! Every process it starts is killed when it ends, fails or is interrupted.
#![forbid(unsafe_code)]

mod downloaded;
mod function;
mod knobs;
mod levers;
mod report;
mod scenarios;
mod services;

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::process::Command;

use function::{Function, Launch, Running, Store, peak_rss};
use knobs::Knobs;
use report::Figures;
use services::ddb_local::DynamoDbLocal;
use services::stub::Stub;
use services::tls_front::TlsFront;

const TABLE: &str = "media-collector-bench-sessions";
const EVENT_FILE: &str = "events/apigw-http-session-start.json";
/// The function compared with the baseline "naive" in the ratio column.
/// The warm requests are split into this many batches per function.
const WARM_BATCHES: usize = 10;
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
    let functions = [
        ("bare", "bench-bare", Some(&baselines_target)),
        ("naive", "bench-naive", Some(&baselines_target)),
        (SUBJECT, "media-collector", None),
    ];
    if knobs.build {
        for (_, package, target) in functions {
            build(&paths.root, package, target.map(PathBuf::as_path), &[], &[]).await?;
        }
    }
    if knobs.levers && knobs.build {
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
    if knobs.levers {
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

    let ddb = DynamoDbLocal::start(&paths.tools, &log_dir).await?;
    ddb.prepare(TABLE, if knobs.quick { 100 } else { 300 }).await?;
    let tls = TlsFront::start(([127, 0, 0, 1], ddb.port).into(), &out_dir).await?;
    let stub = Stub::start(knobs.stub_delay).await?;
    let plain = Store {
        endpoint: ddb.url(),
        ca_file: None,
    };
    let with_tls = Store {
        endpoint: tls.url(),
        ca_file: Some(tls.ca_file.clone()),
    };
    let stubbed = Store {
        endpoint: stub.url(),
        ca_file: None,
    };
    let launch = |store, max_concurrency, name: String| Launch {
        store,
        table: TABLE,
        max_concurrency,
        log: log_dir.join(format!("{name}.log")),
    };

    let mut figures: Vec<Figures> = vec![Figures::default(); functions.len()];
    eprintln!("==> priming: one unmeasured start of each function (page cache, DynamoDB Local's JIT)");
    for function in &functions {
        let mut running = Running::spawn(
            function,
            launch(&plain, None, format!("{}-prime", function.label)),
            &event,
        )
        .await?;
        scenarios::cold_start(&mut running).await?;
        scenarios::batch(&running, 5).await?;
        running.stop().await;
    }

    // Rounds interleave the functions, so that any drift of the machine hits all alike.
    let mut warm_processes = Vec::with_capacity(functions.len());
    for round in 1..=knobs.cold_starts {
        for (function, figures) in functions.iter().zip(figures.iter_mut()) {
            let name = format!("{}-cold-{round}", function.label);
            let mut running = Running::spawn(function, launch(&plain, None, name), &event).await?;
            let cold = scenarios::cold_start(&mut running).await?;
            figures.init_ms.push(ms(cold.init));
            figures.first_invocation_ms.push(ms(cold.first_invocation));
            eprintln!(
                "==> cold start {round}/{}, plain HTTP, {:<15} init {:>7.2} ms, first invocation {:>7.2} ms",
                knobs.cold_starts,
                function.label,
                ms(cold.init),
                ms(cold.first_invocation)
            );
            if round == knobs.cold_starts {
                // Kept for the warm phase below, run with every function alive.
                warm_processes.push(running);
                continue;
            }
            running.stop().await;
        }
    }
    // The warm phase: the processes of the last plain round take their
    // requests in batches, each function's batch in turn.
    for running in &warm_processes {
        scenarios::batch(running, knobs.warmup).await?;
    }
    let batch_count = knobs.warm_requests.clamp(1, WARM_BATCHES);
    let mut warm_batches: Vec<scenarios::WarmBatches> = functions.iter().map(|_| Default::default()).collect();
    for batch in 0..batch_count {
        // Every batch the same size but for the remainder, spread over the first ones.
        let count = knobs.warm_requests / batch_count + usize::from(batch < knobs.warm_requests % batch_count);
        for (running, batches) in warm_processes.iter().zip(warm_batches.iter_mut()) {
            batches.add(scenarios::batch(running, count).await?);
        }
    }
    for ((running, batches), figures) in warm_processes.into_iter().zip(warm_batches).zip(figures.iter_mut()) {
        let warm = batches.figures(peak_rss(running.pid()?)?);
        figures.warm_p50_ms = Some(ms(warm.p50));
        figures.warm_p99_ms = Some(ms(warm.p99));
        figures.cpu_us_per_request = Some(warm.cpu_per_request.as_secs_f64() * 1e6);
        figures.cpu_coarse = warm.cpu_coarse;
        figures.peak_rss_mib = Some(warm.peak_rss as f64 / 1_048_576.0);
        eprintln!(
            "==> warm, {:<15} p50 {:.2} ms, p99 {:.2} ms, CPU {:.0} µs/request (median of {batch_count} batches), peak RSS {:.2} MiB",
            running.label,
            ms(warm.p50),
            ms(warm.p99),
            warm.cpu_per_request.as_secs_f64() * 1e6,
            warm.peak_rss as f64 / 1_048_576.0
        );
        running.stop().await;
    }
    for round in 1..=knobs.cold_starts {
        for (function, figures) in functions.iter().zip(figures.iter_mut()) {
            let name = format!("{}-tls-{round}", function.label);
            let mut running = Running::spawn(function, launch(&with_tls, None, name), &event).await?;
            let cold = scenarios::cold_start(&mut running).await?;
            figures.tls_cold_ms.push(ms(cold.total));
            figures.tls_first_invocation_ms.push(ms(cold.first_invocation));
            eprintln!(
                "==> cold start {round}/{}, TLS,        {:<15} spawn → 201 {:>7.2} ms, first invocation {:>7.2} ms",
                knobs.cold_starts,
                function.label,
                ms(cold.total),
                ms(cold.first_invocation)
            );
            running.stop().await;
        }
    }
    for (function, figures) in functions.iter().zip(figures.iter_mut()) {
        for (concurrency, callers) in [(None, 1), (Some(knobs.max_concurrency), knobs.callers)] {
            let name = format!("{}-throughput-{callers}", function.label);
            let mut running = Running::spawn(function, launch(&stubbed, concurrency, name), &event).await?;
            scenarios::cold_start(&mut running).await?;
            scenarios::batch(&running, knobs.warmup + 1).await?;
            let puts_before = stub.puts();
            let (rate, answered) =
                scenarios::throughput(&running, callers, knobs.throughput_window, knobs.throughput_max).await?;
            let puts = stub.puts() - puts_before;
            running.stop().await;
            if function.label != "bare" && puts != answered as u64 {
                bail!(
                    "{} answered {answered} requests but wrote {puts} items to the stub",
                    function.label
                );
            }
            eprintln!(
                "==> throughput, {callers:>2} caller(s), {:<15} {rate:>6.0} answers/s ({answered} in the window)",
                function.label
            );
            match concurrency {
                None => figures.sequential_rps = Some(rate),
                Some(_) => figures.concurrent_rps = Some(rate),
            }
        }
    }
    // A downloaded session against the same events one by one (media-collector only).
    let mut downloaded_section = String::new();
    if let Some(subject) = functions.iter().find(|f| f.label == SUBJECT) {
        let events_table = format!("{TABLE}-events");
        media_collector::table::create_events_table_if_missing(&ddb.client(), &events_table)
            .await
            .map_err(|error| anyhow::anyhow!("create table {events_table} in DynamoDB Local: {error}"))?;
        let mut running =
            Running::spawn(subject, launch(&plain, None, format!("{SUBJECT}-downloaded")), &event).await?;
        scenarios::cold_start(&mut running).await?;
        scenarios::batch(&running, knobs.warmup).await?;
        let figures = downloaded::measure(&running, &event, &ddb.client(), &events_table).await?;
        running.stop().await;
        eprintln!(
            "==> downloaded session of {} events: one by one {:.0} ms ({:.0} events/s), one call {:.0} ms ({:.0} events/s): {:.1}x",
            figures.events,
            figures.one_by_one.as_secs_f64() * 1000.0,
            figures.one_by_one_per_second(),
            figures.batch.as_secs_f64() * 1000.0,
            figures.batch_per_second(),
            figures.ratio()
        );
        downloaded_section = figures.render();
    }
    drop((tls, stub));
    ddb.stop().await;

    let zip = paths.target.join("lambda/media-collector/bootstrap.zip");
    if let (Some(figures), Ok(meta)) = (
        functions
            .iter()
            .position(|f| f.label == SUBJECT)
            .map(|i| &mut figures[i]),
        std::fs::metadata(&zip),
    ) {
        figures.zip_mib = Some(meta.len() as f64 / 1_048_576.0);
    }

    let caption = caption(&knobs).await;
    let columns: Vec<(&str, &Figures)> = functions.iter().map(|f| f.label.as_str()).zip(figures.iter()).collect();
    let table = report::render(&knobs, &caption, &columns, SUBJECT, BASELINE) + &downloaded_section;
    print!("{table}");
    let latest = out_dir.join("latest.md");
    std::fs::write(&latest, &table).with_context(|| format!("write {}", latest.display()))?;
    eprintln!("==> written to {}", latest.display());
    Ok(())
}

fn ms(duration: std::time::Duration) -> f64 {
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
        if name.starts_with("CARGO_PKG_")
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
