//! Creates the sessions and events tables for local runs and tests, as
//! `template.yaml` declares them: `cargo run --example create_table` with
//! `TABLE_NAME`, `EVENTS_TABLE_NAME` and the usual AWS environment
//! (`AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local). Does nothing for a
//! table that exists.

use std::process::ExitCode;
use std::time::Duration;

use media_collector::store::dynamodb::{client, schema};

#[tokio::main]
async fn main() -> ExitCode {
    let names = ["TABLE_NAME", "EVENTS_TABLE_NAME"].map(|variable| std::env::var(variable).map_err(|_| variable));
    let [Ok(sessions), Ok(events)] = names else {
        let missing: Vec<&str> = names.iter().filter_map(|name| name.as_ref().err().copied()).collect();
        eprintln!(
            "create_table: set {} to the table(s) to create (TABLE_NAME: sessions, EVENTS_TABLE_NAME: events)",
            missing.join(" and ")
        );
        return ExitCode::FAILURE;
    };
    let client = client::connect(Duration::from_secs(10)).await;
    let created = [
        (sessions.as_str(), schema::create_if_missing(&client, &sessions).await),
        (
            events.as_str(),
            schema::create_events_table_if_missing(&client, &events).await,
        ),
    ];
    let mut status = ExitCode::SUCCESS;
    for (table_name, outcome) in created {
        match outcome {
            Ok(()) => println!("table {table_name} is ready"),
            Err(error) => {
                eprintln!(
                    "create_table: could not create {table_name}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&*error)
                );
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
