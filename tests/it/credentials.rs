//! Where the function's AWS settings come from, checked on its own binary
//! under the Runtime API emulator against DynamoDB Local: credentials from
//! the environment or, when it has none, from the container credentials
//! endpoint (as on Lambda SnapStart and Managed Instances), fetched during
//! init; the endpoint from `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL`;
//! and no credentials at all still gives HTTP answers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::support::function::{Function, command, created_session_id, started, with_local_credentials};
use crate::support::{dynamodb_client, dynamodb_endpoint, event_json, fresh_tables, session_item};
use aws_sdk_dynamodb::Client;
use media_collector_test_support::emulator::{Emulator, Outcome};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "container-token-7f3a";

/// A container credentials endpoint: answers every request with
/// credentials, and keeps each request's `Authorization` header.
async fn credentials_endpoint() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v2/credentials/test", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let kept = Arc::clone(&kept);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0; 4096];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
                let authorization = head
                    .lines()
                    .find_map(|line| line.strip_prefix("authorization:"))
                    .map(|value| value.trim().to_owned())
                    .unwrap_or_default();
                kept.lock().unwrap_or_else(PoisonError::into_inner).push(authorization);
                let body = r#"{"AccessKeyId":"local","SecretAccessKey":"local","Token":"session-token","Expiration":"2099-01-01T00:00:00Z"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

/// One sessionStart through the emulator: its answer, which must be an HTTP one.
async fn start_session(emulator: &Emulator) -> Value {
    let invocation = emulator
        .invoke(event_json("apigw-http-session-start.json"))
        .await
        .expect("an answer");
    match invocation.outcome {
        Outcome::Response(answer) => answer,
        other => panic!("a Lambda error instead of an HTTP answer: {other:?}"),
    }
}

/// One session start through the emulator: a 201, and the session stored.
async fn a_session_is_started_and_stored(emulator: &Emulator, client: &Client, sessions: &str) {
    let answer = start_session(emulator).await;
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let id = created_session_id(&answer);
    assert!(
        session_item(client, sessions, &id).await.is_some(),
        "session {id} is stored"
    );
}

#[tokio::test]
async fn without_credentials_in_the_environment_the_container_endpoint_is_asked_during_init() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let (sessions, _events) = fresh_tables(&client).await;
    let (credentials_url, seen) = credentials_endpoint().await;
    let emulator = Emulator::start().await.unwrap();
    let _function = Function::spawn(
        command(&emulator, &sessions, &dynamodb_endpoint())
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &credentials_url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN),
    );
    started(&emulator).await;
    assert_eq!(
        seen.lock().unwrap_or_else(PoisonError::into_inner).as_slice(),
        [TOKEN],
        "the credentials are fetched once, during init, with the authorization token"
    );

    a_session_is_started_and_stored(&emulator, &client, &sessions).await;
    assert_eq!(
        seen.lock().unwrap_or_else(PoisonError::into_inner).len(),
        1,
        "the credentials are cached"
    );
}

#[tokio::test]
async fn the_global_endpoint_variable_serves_when_the_dynamodb_one_is_unset() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let (sessions, _events) = fresh_tables(&client).await;
    let emulator = Emulator::start().await.unwrap();
    let mut command = command(&emulator, &sessions, &dynamodb_endpoint());
    command
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env("AWS_ENDPOINT_URL", dynamodb_endpoint());
    let _function = Function::spawn(with_local_credentials(&mut command));
    started(&emulator).await;

    a_session_is_started_and_stored(&emulator, &client, &sessions).await;
}

#[tokio::test]
async fn with_no_credentials_at_all_the_function_starts_and_answers_500() {
    let emulator = Emulator::start().await.unwrap();
    let function = Function::spawn(
        command(&emulator, "sessions", &dynamodb_endpoint())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("STORE_TIMEOUT_MS", "1000"),
    );
    started(&emulator).await;
    let warnings = function.json_lines("warming up the DynamoDB connection failed; serving anyway");
    assert_eq!(warnings.len(), 1, "a WARN line says why: {:?}", function.all_lines());

    let began = Instant::now();
    let answer = start_session(&emulator).await;
    assert_eq!(answer["statusCode"], 500, "{answer}");
    let problem: Value = serde_json::from_str(answer["body"].as_str().expect("a body")).unwrap();
    assert!(problem["requestId"].is_string(), "{problem}");
    assert!(
        began.elapsed() < Duration::from_millis(1_500),
        "took {:?}",
        began.elapsed()
    );
}
