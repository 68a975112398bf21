//! Start-up: read the configuration, build the DynamoDB client once and open
//! its connection, then hand Lambda events to the HTTP adapter until Lambda
//! stops the process: one at a time, or `AWS_LAMBDA_MAX_CONCURRENCY` at once
//! on Lambda Managed Instances.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Diagnostic, LambdaEvent, Runtime, service_fn};
use media_collector::config::Config;
use media_collector::http::{App, RepairLayer, invocation_deadline};
use media_collector::logging;
use media_collector::store::Stores;
use media_collector::store::dynamodb::{DynamoDbEventStore, DynamoDbRefusedStore, DynamoDbSessionStore, client};
use serde_json::Value;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The longest start-up waits for the DynamoDB connection.
const WARM_UP_LIMIT: Duration = Duration::from_millis(1_500);

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // Lambda reports the exit as an init failure, with this line in the logs.
            eprintln!("media-collector cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config.log);

    // One request at a time needs no thread pool: a single-threaded runtime
    // starts faster and spends less CPU per request. Concurrent requests
    // (Managed Instances) get a worker thread per CPU.
    let runtime = if config.max_concurrency > 1 {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(serve(config)),
        Err(error) => {
            eprintln!("media-collector cannot start: no async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    let client = client::connect(config.store_timeout).await;
    client::warm_up(&client, &config.table_name, WARM_UP_LIMIT.min(config.store_timeout)).await;
    let refused = match &config.rejected_table_name {
        Some(table) => Some(DynamoDbRefusedStore::new(client.clone(), table, config.store_timeout)),
        None => {
            tracing::warn!("REJECTED_TABLE_NAME is not set: refused calls are not kept");
            None
        }
    };
    let store = Stores::new(
        DynamoDbSessionStore::new(client.clone(), config.table_name.clone()),
        DynamoDbEventStore::new(
            client,
            config.table_name.clone(),
            config.events_table_name.clone(),
            config.store_timeout,
        ),
    )
    .keeping(refused);
    let app = Arc::new(App::new(config, store));

    let handler = service_fn(move |event: LambdaEvent<Value>| {
        let app = Arc::clone(&app);
        async move {
            let deadline = invocation_deadline(event.context.deadline);
            app.invoke_until(&event.payload, &event.context.request_id, deadline)
                .await
                .map_err(|not_http| Diagnostic {
                    error_type: "NotAnHttpRequest".to_owned(),
                    error_message: not_http.to_string(),
                })
        }
    });
    // As lambda_runtime::run_concurrent, with the payload mended before the
    // runtime parses it: bytes that are not UTF-8 in an HTTP event must get
    // an HTTP answer, not a Lambda error. Sequential unless
    // AWS_LAMBDA_MAX_CONCURRENCY is above 1.
    let runtime = Runtime::new(handler).layer(RepairLayer).layer(TracingLayer::new());
    match runtime.run_concurrent().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}
