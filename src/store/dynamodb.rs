//! The DynamoDB adapter of [`SessionStore`]: one conditional `PutItem` per
//! session, within the time budget of `STORE_TIMEOUT_MS`, retries included;
//! and the client it uses, built and warmed up once per process.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
#[cfg(not(feature = "aws-lc"))]
use aws_smithy_http_client::tls;

use super::item::{CREATED_AT, IDEMPOTENCY_FINGERPRINT, REQUEST_ID, to_item};
use super::{Created, SessionStore, StoreError};
use crate::domain::SessionRecord;

/// Attempts per write: the first and two retries, all within the budget.
const MAX_ATTEMPTS: u32 = 3;
/// Connecting should take milliseconds; a dead endpoint must leave budget for retries.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Builds the SDK client once, from the standard AWS environment
/// (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL_DYNAMODB`…), with `budget`
/// as the total time a call may take, retries included.
pub async fn connect(budget: Duration) -> Client {
    let attempt_budget = budget / MAX_ATTEMPTS;
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(budget)
        .operation_attempt_timeout(attempt_budget)
        .connect_timeout(attempt_budget.min(MAX_CONNECT_TIMEOUT))
        .build();
    let loader = aws_config::defaults(BehaviorVersion::latest());
    #[cfg(not(feature = "aws-lc"))]
    let loader = loader.http_client(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https(),
    );
    let sdk_config = loader
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        // The timeouts above already bound every call; the stalled-stream
        // monitor would only add work to each request for small bodies.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await;
    Client::new(&sdk_config)
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
/// one `DescribeTable` on the sessions table (free, and it tells whether the
/// table exists). Waits at most `limit` and never fails: the function
/// serves whatever the outcome, and the outcome is logged.
pub async fn warm_up(client: &Client, table_name: &str, limit: Duration) -> WarmUp {
    let started = Instant::now();
    let described = tokio::time::timeout(limit, client.describe_table().table_name(table_name).send()).await;
    let outcome = match described {
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

#[derive(Debug, Clone)]
pub struct DynamoDbSessionStore {
    client: Client,
    table_name: String,
}

impl DynamoDbSessionStore {
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }
}

impl SessionStore for DynamoDbSessionStore {
    async fn create(&self, record: &SessionRecord) -> Result<Created, StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(to_item(record)))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", crate::table::PARTITION_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written {
            Ok(_) => Ok(Created::New),
            Err(error) => classify(error, record),
        }
    }
}

fn classify(error: SdkError<PutItemError>, record: &SessionRecord) -> Result<Created, StoreError> {
    match &error {
        SdkError::ServiceError(service) => {
            if let PutItemError::ConditionalCheckFailedException(conflict) = service.err() {
                let Some(existing) = conflict.item() else {
                    return Err(StoreError::AlreadyExists);
                };
                // A retry after a write that landed but whose answer was lost
                // finds our own record: that is success, not a conflict.
                if is_same_write(existing, record) {
                    return Ok(Created::New);
                }
                let stored_fingerprint = existing
                    .get(IDEMPOTENCY_FINGERPRINT)
                    .and_then(|value| value.as_s().ok());
                return match &record.fingerprint {
                    Some(ours) if stored_fingerprint.map(String::as_str) == Some(ours.as_str()) => {
                        Ok(Created::Replayed)
                    }
                    Some(_) => Err(StoreError::KeyReused),
                    None => Err(StoreError::AlreadyExists),
                };
            }
            Err(StoreError::Failed(DisplayErrorContext(&error).to_string()))
        }
        SdkError::TimeoutError(_) => Err(StoreError::TimedOut),
        _ => Err(StoreError::Failed(DisplayErrorContext(&error).to_string())),
    }
}

fn is_same_write(existing: &HashMap<String, AttributeValue>, record: &SessionRecord) -> bool {
    let text = |name: &str| existing.get(name).and_then(|value| value.as_s().ok()).cloned();
    text(CREATED_AT) == Some(record.created_at_rfc3339()) && text(REQUEST_ID) == Some(record.request_id.clone())
}
