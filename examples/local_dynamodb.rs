//! DynamoDB Local for `make run` and `make test`: started from `.tools/` by
//! `media-collector-test-support` (the Java and the jar `make tools`
//! installs, in memory) on the port given, with the sessions and events
//! tables (and, when `REJECTED_TABLE_NAME` is set, the refused calls table)
//! created as `template.yaml` declares them, by the function's own
//! schema. Prints `ready http://127.0.0.1:PORT` once both tables exist, then
//! serves until it is stopped (Ctrl-C, SIGTERM), or fails if DynamoDB Local
//! exits.
//!
//! ```sh
//! TABLE_NAME=sessions EVENTS_TABLE_NAME=events \
//!   cargo run --example local_dynamodb -- 8000 target/run-services/dynamodb-local-java.log
//! ```
//!
//! `TOOLS_DIR` says where the tools are (default `.tools`); the second
//! argument is DynamoDB Local's own log.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use media_collector::store::dynamodb::{client, schema};
use media_collector_test_support::DynamoDbLocal;
use media_collector_test_support::function::REGION;
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: TABLE_NAME=... EVENTS_TABLE_NAME=... local_dynamodb PORT JAVA_LOG";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("local_dynamodb: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(java_log), None) = (args.next(), args.next(), args.next()) else {
        return Err(USAGE.to_owned());
    };
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port; {USAGE}"))?;
    let table = |variable: &str| std::env::var(variable).map_err(|_| format!("{variable} is not set; {USAGE}"));
    let (sessions, events) = (table("TABLE_NAME")?, table("EVENTS_TABLE_NAME")?);
    let mut terminate = signal(SignalKind::terminate()).map_err(|error| format!("SIGTERM: {error}"))?;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tools = media_collector_test_support::tools_dir(&root);
    let mut local = DynamoDbLocal::start(&tools, port, &PathBuf::from(java_log))
        .await
        .map_err(|error| error_chain(&error))?;
    let client = local_client(&local.url()).await;
    let mut created = vec![
        (sessions.clone(), schema::create_if_missing(&client, &sessions).await),
        (
            events.clone(),
            schema::create_events_table_if_missing(&client, &events).await,
        ),
    ];
    // The table of refused calls, when the function is to keep them.
    if let Ok(rejected) = std::env::var("REJECTED_TABLE_NAME") {
        let made = schema::create_rejected_table_if_missing(&client, &rejected).await;
        created.push((rejected, made));
    }
    for (name, made) in created {
        made.map_err(|error| format!("could not create table {name}: {}", DisplayErrorContext(&*error)))?;
        println!("table {name} is ready");
    }
    println!("ready {}", local.url());

    tokio::select! {
        exited = local.exited() => Err(error_chain(&exited)),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = terminate.recv() => Ok(()),
    }
    // Dropping `local` stops DynamoDB Local.
}

/// A client of DynamoDB Local, built as the function builds its own, with
/// the local region and credentials whatever the environment says.
async fn local_client(url: &str) -> Client {
    let base = client::connect(Duration::from_secs(10)).await;
    let config = base
        .config()
        .to_builder()
        .endpoint_url(url)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "local_dynamodb"))
        .build();
    Client::from_conf(config)
}

/// An error and its sources, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
