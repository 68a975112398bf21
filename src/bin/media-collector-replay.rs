//! `media-collector-replay`: replays the refused calls the function kept,
//! through today's rules and stores, once the cause of the refusals is
//! fixed (a rule loosened, a limit raised, a player bug understood).
//!
//! ```text
//! media-collector-replay --since <RFC 3339> [--until <RFC 3339>] [--status <code>]
//!                        [--route sessions|events|downloaded] [--dry-run]
//! ```
//!
//! It reads the kept calls that arrived in `[since, until)` (until: now) from
//! `REJECTED_TABLE_NAME`, in arrival order, and runs each through the
//! function's own routes as if it arrived then: a start as a start, an event
//! into its session (open to it at its arrival, late arrivals included), a
//! downloaded session as one. A call stored gets `replayedAt` and its kept
//! copy is removed; one still refused stays kept. It prints a summary table
//! and, last, `replay: N kept, S stored, R still refused, K skipped`.
//! `--dry-run` says what would happen and writes nothing. It exits 0 unless
//! it could not read or write the tables. Settings: the function's own
//! (`TABLE_NAME`, `EVENTS_TABLE_NAME`, `REJECTED_TABLE_NAME`, the session
//! limits, `AWS_ENDPOINT_URL_DYNAMODB`…), credentials from the standard chain.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use media_collector::config::Config;
use media_collector::http::{App, Outcome};
use media_collector::store::dynamodb::dry_run::DryRun;
use media_collector::store::dynamodb::refused::KeptCall;
use media_collector::store::dynamodb::{DynamoDbEventStore, DynamoDbRefusedStore, DynamoDbSessionStore, client};
use media_collector::store::{DownloadedStore, EventStore, RefusedStore, SessionStore, Stores};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const USAGE: &str = "usage: media-collector-replay --since <RFC 3339> [--until <RFC 3339>] [--status <code>] \
                     [--route sessions|events|downloaded] [--dry-run]";

/// What the command line asks for.
struct Arguments {
    since: OffsetDateTime,
    until: Option<OffsetDateTime>,
    status: Option<u16>,
    route: Option<String>,
    dry_run: bool,
}

fn main() -> ExitCode {
    let arguments = match parse_arguments() {
        Ok(arguments) => arguments,
        Err(error) => {
            eprintln!("media-collector-replay: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("media-collector-replay: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(rejected_table) = config.rejected_table_name.clone() else {
        eprintln!("media-collector-replay: REJECTED_TABLE_NAME is required: the table of the kept calls");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("media-collector-replay: no async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(arguments, config, rejected_table))
}

async fn run(arguments: Arguments, config: Config, rejected_table: String) -> ExitCode {
    let client = client::connect_operator(config.store_timeout).await;
    let kept_store = DynamoDbRefusedStore::new(client.clone(), &rejected_table, config.store_timeout);
    let until = arguments.until.unwrap_or_else(OffsetDateTime::now_utc);
    let kept = match kept_store.kept_between(arguments.since, until).await {
        Ok(kept) => kept,
        Err(error) => {
            eprintln!("media-collector-replay: cannot read {rejected_table}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let kept: Vec<KeptCall> = kept
        .into_iter()
        .filter(|kept| arguments.status.is_none_or(|status| kept.call.status == status))
        .filter(|kept| arguments.route.as_deref().is_none_or(|route| kept.call.route == route))
        .collect();
    let events = DynamoDbEventStore::new(
        client.clone(),
        &config.table_name,
        &config.events_table_name,
        config.store_timeout,
    );
    let sessions = DynamoDbSessionStore::new(client, &config.table_name);
    let summary = if arguments.dry_run {
        replay_all(&App::new(config, DryRun(events)), &kept, None).await
    } else {
        replay_all(
            &App::new(config, Stores::new(sessions, events)),
            &kept,
            Some(&kept_store),
        )
        .await
    };
    summary.print(&arguments, until);
    if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What became of the kept calls.
#[derive(Default)]
struct Summary {
    kept: usize,
    stored: usize,
    skipped: usize,
    /// Still refused, by reason.
    refused: BTreeMap<String, usize>,
    /// Calls that could not be written or removed, with why.
    failures: Vec<String>,
}

async fn replay_all<S>(app: &App<S>, kept: &[KeptCall], remove_from: Option<&DynamoDbRefusedStore>) -> Summary
where
    S: SessionStore + EventStore + DownloadedStore + RefusedStore,
{
    let mut summary = Summary {
        kept: kept.len(),
        ..Summary::default()
    };
    let now = OffsetDateTime::now_utc();
    for call in kept {
        let (outcome, answer) = app.replay(&call.call, now).await;
        match verdict(&outcome, &answer) {
            Verdict::Stored | Verdict::Skipped if call.truncated => {
                // Only a prefix was kept: what it stored is not the call.
                *summary
                    .refused
                    .entry("body truncated when kept".to_owned())
                    .or_default() += 1;
                continue;
            }
            Verdict::Stored => summary.stored += 1,
            Verdict::Skipped => summary.skipped += 1,
            Verdict::StillRefused(reason) => {
                *summary.refused.entry(reason).or_default() += 1;
                continue;
            }
            Verdict::Failed(why) => {
                summary.failures.push(format!("{}: {why}", call.arrival));
                continue;
            }
        }
        if let Some(store) = remove_from {
            if let Err(error) = store.remove(call).await {
                summary
                    .failures
                    .push(format!("{}: stored, but its kept copy stays: {error}", call.arrival));
            }
        }
    }
    summary
}

enum Verdict {
    Stored,
    /// Already stored (an earlier replay, or a retry of a stored call).
    Skipped,
    StillRefused(String),
    Failed(String),
}

fn verdict(outcome: &Outcome, answer: &str) -> Verdict {
    match outcome.status.as_u16() {
        201 if outcome.replayed => Verdict::Skipped,
        204 if outcome.duplicate => Verdict::Skipped,
        201 | 204 => Verdict::Stored,
        400..=499 => {
            let kind = outcome.error_kind.unwrap_or("refused");
            let reason = serde_json::from_str::<serde_json::Value>(answer)
                .ok()
                .and_then(|problem| problem["reason"].as_str().map(str::to_owned));
            Verdict::StillRefused(match reason {
                Some(reason) => format!("{} {kind}: {reason}", outcome.status.as_u16()),
                None => format!("{} {kind}", outcome.status.as_u16()),
            })
        }
        _ => Verdict::Failed(
            outcome
                .store_error
                .clone()
                .unwrap_or_else(|| format!("answered {}", outcome.status.as_u16())),
        ),
    }
}

impl Summary {
    fn print(&self, arguments: &Arguments, until: OffsetDateTime) {
        let time = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
        let mode = if arguments.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        };
        println!("kept calls from {} to {}{mode}", time(arguments.since), time(until));
        println!();
        println!("| outcome | calls |");
        println!("|---|---|");
        let stored = if arguments.dry_run {
            "would be stored"
        } else {
            "replayed and stored"
        };
        println!("| {stored} | {} |", self.stored);
        for (reason, count) in &self.refused {
            println!("| still refused: {reason} | {count} |");
        }
        println!("| skipped (already stored) | {} |", self.skipped);
        if !self.failures.is_empty() {
            println!("| could not be written | {} |", self.failures.len());
        }
        for failure in &self.failures {
            eprintln!("media-collector-replay: {failure}");
        }
        println!();
        let refused: usize = self.refused.values().sum();
        println!(
            "replay: {} kept, {} stored, {refused} still refused, {} skipped",
            self.kept, self.stored, self.skipped
        );
    }
}

fn parse_arguments() -> Result<Arguments, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut since, mut until, mut status, mut route, mut dry_run) = (None, None, None, None, false);
    let time = |value: String| {
        OffsetDateTime::parse(&value, &Rfc3339).map_err(|error| format!("{value:?} is not an RFC 3339 time: {error}"))
    };
    while let Some(argument) = parser.next().map_err(|error| error.to_string())? {
        let name = match argument {
            Long(name) => name.to_owned(),
            Short('h') => "help".to_owned(),
            other => return Err(other.unexpected().to_string()),
        };
        let mut value = || -> Result<String, String> {
            parser
                .value()
                .map_err(|error| error.to_string())?
                .into_string()
                .map_err(|_| "an argument is not text".to_owned())
        };
        match name.as_str() {
            "since" => since = Some(time(value()?)?),
            "until" => until = Some(time(value()?)?),
            "status" => {
                let text = value()?;
                status = Some(
                    text.parse::<u16>()
                        .map_err(|_| format!("--status {text:?} is not an HTTP status"))?,
                );
            }
            "route" => {
                let text = value()?;
                if !matches!(text.as_str(), "sessions" | "events" | "downloaded") {
                    return Err(format!("--route {text:?}: expected sessions, events or downloaded"));
                }
                route = Some(text);
            }
            "dry-run" => dry_run = true,
            "help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option --{other}")),
        }
    }
    let since = since.ok_or("--since is required")?;
    if until.is_some_and(|until| until <= since) {
        return Err("--until must come after --since".to_owned());
    }
    Ok(Arguments {
        since,
        until,
        status,
        route,
        dry_run,
    })
}
