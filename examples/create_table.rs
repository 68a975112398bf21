//! Creates the sessions table for local runs and tests, as `template.yaml`
//! declares it: `cargo run --example create_table` with `TABLE_NAME` and the
//! usual AWS environment (`AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).
//! Does nothing when the table exists.

use std::process::ExitCode;
use std::time::Duration;

use media_collector::store::dynamodb;
use media_collector::table;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(table_name) = std::env::var("TABLE_NAME") else {
        eprintln!("create_table: set TABLE_NAME to the table to create");
        return ExitCode::FAILURE;
    };
    let client = dynamodb::connect(Duration::from_secs(10)).await;
    match table::create_if_missing(&client, &table_name).await {
        Ok(()) => {
            println!("table {table_name} is ready");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "create_table: could not create {table_name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&*error)
            );
            ExitCode::FAILURE
        }
    }
}
