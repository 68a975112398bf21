//! The DynamoDB client, built once per process from what Lambda sets, and
//! its warm-up: the connection (TLS included) and the credentials made
//! ready during init, so that the first request pays for neither.

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider};
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::ProvideRegion;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{SharedCredentialsProvider, SharedHttpClient};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::tls;

use super::endpoint::RememberedEndpoints;
use super::schema::PARTITION_KEY;
use crate::config::{
    AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_USE_DUALSTACK_ENDPOINT, AWS_USE_FIPS_ENDPOINT, flag,
};

/// Attempts per write: the first and two retries, all within the budget.
const MAX_ATTEMPTS: u32 = 3;
/// Connecting should take milliseconds; a dead endpoint must leave budget for retries.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The key the warm-up reads: never a session id (64 hexadecimal digits).
const WARM_UP_KEY: &str = "warm-up";

/// Builds the SDK client once, with `budget` as the total time a call may
/// take, retries included. It reads what Lambda provides and nothing else:
/// the region from `AWS_REGION` (or `AWS_DEFAULT_REGION`), credentials from
/// the environment (`AWS_ACCESS_KEY_ID`…) or else from the container
/// credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or
/// `…_RELATIVE_URI`), and the endpoint from `AWS_ENDPOINT_URL_DYNAMODB` or
/// `AWS_ENDPOINT_URL` (or, with `AWS_USE_FIPS_ENDPOINT` /
/// `AWS_USE_DUALSTACK_ENDPOINT`, the regional FIPS or dual-stack endpoint).
/// Shared config and credentials files (`~/.aws`) are
/// not read: a Lambda function has none, and the providers that read them
/// (SSO, STS web identity, IMDS…) made a ninth of the binary.
pub async fn connect(budget: Duration) -> Client {
    let credentials = CredentialsProviderChain::first_try("Environment", EnvironmentVariableCredentialsProvider::new())
        .or_else("ContainerEndpoint", container_credentials(budget));
    connect_with(budget, SharedCredentialsProvider::new(credentials)).await
}

/// A client for an operator's command (`media-collector-replay`): as
/// [`connect`], with the SDK's standard credential chain (the environment,
/// the shared config and credentials files with their profiles, web
/// identity, the container endpoint, the instance metadata service) and
/// the region from the environment or the profile. The function itself never
/// uses it, so the Lambda binary does not carry those providers.
pub async fn connect_operator(budget: Duration) -> Client {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .sleep_impl(TokioSleep::new())
        .load()
        .await;
    let credentials = shared
        .credentials_provider()
        .unwrap_or_else(|| SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()));
    let mut client = connect_with(budget, credentials).await;
    if client.config().region().is_none() {
        if let Some(region) = shared.region() {
            client = Client::from_conf(client.config().to_builder().region(region.clone()).build());
        }
    }
    client
}

fn container_credentials(budget: Duration) -> EcsCredentialsProvider {
    let attempt_budget = budget / MAX_ATTEMPTS;
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(budget)
        .operation_attempt_timeout(attempt_budget)
        .connect_timeout(attempt_budget.min(MAX_CONNECT_TIMEOUT))
        .build();
    EcsCredentialsProvider::builder()
        .configure(
            &ProviderConfig::empty()
                .with_http_client(https_client())
                .with_sleep_impl(TokioSleep::new())
                .with_timeout_config(timeouts),
        )
        .build()
}

async fn connect_with(budget: Duration, credentials: SharedCredentialsProvider) -> Client {
    let attempt_budget = budget / MAX_ATTEMPTS;
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(budget)
        .operation_attempt_timeout(attempt_budget)
        .connect_timeout(attempt_budget.min(MAX_CONNECT_TIMEOUT))
        .build();
    let http_client = https_client();
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(EnvironmentVariableRegionProvider::new().region().await)
        .credentials_provider(credentials)
        .http_client(http_client)
        .sleep_impl(TokioSleep::new())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        // The timeouts above already bound every call; the stalled-stream
        // monitor would only add work to each request for small bodies.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .endpoint_resolver(RememberedEndpoints::default());
    let lookup = |name: &str| std::env::var(name).ok();
    if let Some(url) = endpoint_url(lookup) {
        config = config.endpoint_url(url);
    }
    let switch = |name| lookup(name).as_deref().and_then(flag);
    config.set_use_fips(switch(AWS_USE_FIPS_ENDPOINT));
    config.set_use_dual_stack(switch(AWS_USE_DUALSTACK_ENDPOINT));
    Client::from_conf(config.build())
}

/// The endpoint the SDK would take from the environment: the service's own
/// variable first, then the global one, unless endpoint variables are to be
/// ignored.
fn endpoint_url(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    if lookup("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").as_deref().and_then(flag) == Some(true) {
        return None;
    }
    [AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL]
        .into_iter()
        .find_map(|name| lookup(name).filter(|url| !url.is_empty()))
}

#[cfg(not(feature = "aws-lc"))]
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

#[cfg(feature = "aws-lc")]
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .build_https()
}

/// What the warm-up found, for the start-up log and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarmUp {
    /// The table answered: the connection (TLS included) and the
    /// credentials are ready for the first request.
    Ready,
    /// DynamoDB says the table does not exist.
    NoSuchTable,
    /// The call failed (permissions, network…); requests will try again.
    Failed(String),
    /// No answer within the limit; requests will try again.
    TimedOut,
}

/// Opens the connection to DynamoDB during init, so that the first request
/// does not pay for the TCP and TLS handshakes and the credential look-up:
/// one `GetItem` on the sessions table, for a key no session has (it tells
/// whether the table exists, needs no permission the function lacks, and,
/// unlike `DescribeTable`, is no control-plane call with its lower rate
/// limits when many environments start at once). Waits at most `limit` and
/// never fails: the function serves whatever the outcome, and the outcome
/// is logged.
pub async fn warm_up(client: &Client, table_name: &str, limit: Duration) -> WarmUp {
    let started = Instant::now();
    let read = client
        .get_item()
        .table_name(table_name)
        .key(PARTITION_KEY, AttributeValue::S(WARM_UP_KEY.to_owned()))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send();
    let outcome = match tokio::time::timeout(limit, read).await {
        Ok(Ok(_)) => WarmUp::Ready,
        Ok(Err(SdkError::ServiceError(error))) if error.err().is_resource_not_found_exception() => WarmUp::NoSuchTable,
        Ok(Err(error)) => WarmUp::Failed(DisplayErrorContext(&error).to_string()),
        Err(_) => WarmUp::TimedOut,
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &outcome {
        WarmUp::Ready => tracing::debug!(table = table_name, elapsed_ms, "DynamoDB connection ready"),
        WarmUp::NoSuchTable => tracing::error!(
            table = table_name,
            "the sessions table does not exist: every session start will answer 500 until it is created"
        ),
        WarmUp::Failed(error) => tracing::warn!(
            table = table_name,
            elapsed_ms,
            error = %error,
            "warming up the DynamoDB connection failed; serving anyway"
        ),
        WarmUp::TimedOut => tracing::warn!(
            table = table_name,
            limit_ms = limit.as_millis(),
            "warming up the DynamoDB connection took too long; serving anyway"
        ),
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(vars: &[(&str, &str)]) -> Option<String> {
        endpoint_url(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_dynamodb_endpoint_wins_over_the_global_one_unless_endpoints_are_ignored() {
        let both = [
            (AWS_ENDPOINT_URL_DYNAMODB, "http://dynamodb.local"),
            (AWS_ENDPOINT_URL, "http://global.local"),
        ];
        assert_eq!(endpoint(&both).as_deref(), Some("http://dynamodb.local"));
        assert_eq!(endpoint(&both[1..]).as_deref(), Some("http://global.local"));
        assert_eq!(endpoint(&[]), None);
        let ignored = [both[0], both[1], ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")];
        assert_eq!(endpoint(&ignored), None);
    }
}
