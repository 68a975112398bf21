//! The comparison: media-collector and the baselines side by side, cold
//! (plain HTTP and TLS), warm, and throughput against a stub, each process
//! spawned fresh, the rounds interleaved so that a noisy neighbour weighs
//! on every function alike.

use std::path::Path;

use anyhow::bail;
use serde_json::Value;

use crate::function::{Function, Launch, Running, Store, peak_rss};
use crate::knobs::Knobs;
use crate::report::Figures;
use crate::services::ddb_local::DynamoDbLocal;
use crate::services::stub::Stub;
use crate::services::tls_front::TlsFront;
use crate::{ms, scenarios};

const TABLE: &str = "media-collector-bench-sessions";
/// The warm requests are split into this many batches per function.
const WARM_BATCHES: usize = 10;

/// Every figure of the comparison table, one `Figures` per function.
pub async fn measure(
    knobs: &Knobs,
    functions: &[Function],
    ddb: &DynamoDbLocal,
    event: &Value,
    log_dir: &Path,
    out_dir: &Path,
) -> anyhow::Result<Vec<Figures>> {
    ddb.prepare(TABLE, if knobs.quick { 100 } else { 300 }).await?;
    let tls = TlsFront::start(([127, 0, 0, 1], ddb.port).into(), out_dir).await?;
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
    for function in functions {
        let mut running = Running::spawn(
            function,
            launch(&plain, None, format!("{}-prime", function.label)),
            event,
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
            let mut running = Running::spawn(function, launch(&plain, None, name), event).await?;
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
            let mut running = Running::spawn(function, launch(&with_tls, None, name), event).await?;
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
            let mut running = Running::spawn(function, launch(&stubbed, concurrency, name), event).await?;
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
    drop((tls, stub));
    Ok(figures)
}
