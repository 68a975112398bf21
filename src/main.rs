//! Start-up: read the configuration, build the DynamoDB client once, and
//! hand requests to the HTTP adapter until Lambda stops the process.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use lambda_http::{Request, service_fn};
use media_collector::config::Config;
use media_collector::http::App;
use media_collector::logging;
use media_collector::store::dynamodb::{self, DynamoDbSessionStore};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // Lambda reports the exit as an init failure, with this line in the logs.
            eprintln!("media-collector cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config.log);

    let client = dynamodb::connect(config.store_timeout).await;
    let store = DynamoDbSessionStore::new(client, config.table_name.clone());
    let app = App::new(config, store);

    let handler = service_fn(|request: Request| {
        let app = &app;
        async move { Ok::<_, std::convert::Infallible>(app.handle(request).await) }
    });
    match lambda_http::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}
