//! Lambda Managed Instances: the function's own binary, under a local Lambda
//! Runtime API with `AWS_LAMBDA_MAX_CONCURRENCY=8`, serves overlapping
//! invocations in one process against DynamoDB Local: every 201 is stored,
//! the ids are distinct, each request logs exactly one line with its own
//! request id, overlapping events of one session are each stored and counted,
//! and a hanging store still answers 500 within the budget.

use std::time::{Duration, Instant};

use crate::support::function::{Function, command, created_session_id, started, with_local_credentials};
use crate::support::{
    dynamodb_client, dynamodb_endpoint, event_items, event_json, fresh_table, fresh_tables, session_item,
};
use futures_util::future::join_all;
use media_collector_test_support::emulator::{Emulator, Outcome};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CONCURRENCY: usize = 8;

/// The function in concurrent mode, logging JSON.
fn spawn(emulator: &Emulator, table: &str, endpoint: &str, store_timeout_ms: u32) -> Function {
    spawn_with_log_format(emulator, table, endpoint, store_timeout_ms, "JSON")
}

fn spawn_with_log_format(
    emulator: &Emulator,
    table: &str,
    endpoint: &str,
    store_timeout_ms: u32,
    log_format: &str,
) -> Function {
    Function::spawn(
        with_local_credentials(&mut command(emulator, table, endpoint))
            .env("AWS_LAMBDA_MAX_CONCURRENCY", CONCURRENCY.to_string())
            .env("AWS_LAMBDA_LOG_FORMAT", log_format)
            .env("STORE_TIMEOUT_MS", store_timeout_ms.to_string()),
    )
}

/// A TCP proxy to `upstream` that holds every chunk the client sends for
/// `delay`: each DynamoDB call then takes at least that long, so calls that
/// overlap finish far sooner than calls made one after another.
async fn delaying_proxy(upstream: String, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let requests = async {
                    let mut buffer = vec![0; 64 * 1024];
                    while let Ok(read) = client_read.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        tokio::time::sleep(delay).await;
                        if server_write.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                };
                let answers = tokio::io::copy(&mut server_read, &mut client_write);
                let _ = tokio::join!(requests, answers);
            });
        }
    });
    url
}

/// An endpoint that accepts connections and never answers.
async fn hanging_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    url
}

fn session_start_event() -> Value {
    event_json("apigw-http-session-start.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_invocations_are_each_stored_answered_and_logged_once() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let delay = Duration::from_millis(150);
    let endpoint = delaying_proxy(dynamodb_endpoint(), delay).await;
    let emulator = Emulator::start().await.unwrap();
    let function = spawn(&emulator, &table, &endpoint, 3_000);
    started(&emulator).await;

    let count = 3 * CONCURRENCY;
    let began = Instant::now();
    let invocations = join_all((0..count).map(|_| emulator.invoke(session_start_event()))).await;
    let elapsed = began.elapsed();
    // One after another, each write would take at least `delay`.
    let one_at_a_time = delay * u32::try_from(count).unwrap();
    assert!(
        elapsed < one_at_a_time / 2,
        "{count} invocations took {elapsed:?}: they did not overlap (one at a time: at least {one_at_a_time:?})"
    );

    let mut session_of_request = std::collections::HashMap::new();
    for invocation in invocations {
        let invocation = invocation.expect("an answer");
        let Outcome::Response(answer) = &invocation.outcome else {
            panic!("a Lambda error: {:?}", invocation.outcome)
        };
        assert_eq!(answer["statusCode"], 201, "{answer}");
        session_of_request.insert(invocation.request_id.clone(), created_session_id(answer));
    }
    let distinct: std::collections::HashSet<&String> = session_of_request.values().collect();
    assert_eq!(distinct.len(), count, "session ids are distinct");
    for id in distinct {
        let item = session_item(&client, &table, id).await;
        assert!(item.is_some(), "a 201 names session {id}, which is not stored");
    }

    let lines = function.request_lines();
    assert_eq!(lines.len(), count, "one request line per invocation");
    for line in lines {
        let fields = &line["fields"];
        let request_id = fields["request_id"].as_str().expect("a request id");
        let session = session_of_request
            .remove(request_id)
            .unwrap_or_else(|| panic!("a line for an unknown or already logged request: {line}"));
        assert_eq!(fields["status"], 201, "{line}");
        assert_eq!(fields["session_id"].as_str(), Some(session.as_str()), "{line}");
    }
    assert!(session_of_request.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_store_answers_500_within_the_budget_in_concurrent_mode() {
    let endpoint = hanging_endpoint().await;
    let emulator = Emulator::start().await.unwrap();
    let budget = Duration::from_millis(600);
    let _function = spawn(&emulator, "sessions", &endpoint, 600);
    started(&emulator).await;

    let began = Instant::now();
    let invocations = join_all((0..CONCURRENCY).map(|_| emulator.invoke(session_start_event()))).await;
    let elapsed = began.elapsed();
    for invocation in invocations {
        let invocation = invocation.expect("an answer");
        let Outcome::Response(answer) = &invocation.outcome else {
            panic!("a Lambda error: {:?}", invocation.outcome)
        };
        assert_eq!(answer["statusCode"], 500, "{answer}");
        assert_eq!(answer["headers"]["content-type"], "application/problem+json");
        assert!(
            invocation.latency < budget + Duration::from_millis(900),
            "{:?}",
            invocation.latency
        );
    }
    assert!(
        elapsed < budget * 2 + Duration::from_millis(900),
        "{CONCURRENCY} concurrent answers took {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_carry_no_colour_codes() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let table = fresh_table(&client).await;
    let emulator = Emulator::start().await.unwrap();
    let function = spawn_with_log_format(&emulator, &table, &dynamodb_endpoint(), 3_000, "Text");
    started(&emulator).await;
    let invocation = emulator.invoke(session_start_event()).await.expect("an answer");
    assert!(matches!(invocation.outcome, Outcome::Response(_)));
    let request_line = || {
        function
            .all_lines()
            .into_iter()
            .find(|line| line.contains(&invocation.request_id) && line.contains("status=201"))
    };
    let began = Instant::now();
    while request_line().is_none() && began.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let line = request_line().unwrap_or_else(|| panic!("no request line in {:?}", function.all_lines()));
    assert!(!line.contains('\u{1b}'), "an ANSI escape in: {line:?}");
    assert!(function.all_lines().iter().all(|line| !line.contains('\u{1b}')));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_events_of_one_session_are_each_stored_and_counted() {
    let client = dynamodb_client(Duration::from_secs(3)).await;
    // The binary is given `{table}-events`, the name fresh_tables gives it.
    let (table, events_table) = fresh_tables(&client).await;
    let endpoint = delaying_proxy(dynamodb_endpoint(), Duration::from_millis(20)).await;
    let emulator = Emulator::start().await.unwrap();
    let function = spawn(&emulator, &table, &endpoint, 3_000);
    started(&emulator).await;

    let start = emulator.invoke(session_start_event()).await.expect("an answer");
    let Outcome::Response(answer) = &start.outcome else {
        panic!("a Lambda error: {:?}", start.outcome)
    };
    let id = created_session_id(answer);

    let count = 2 * CONCURRENCY;
    let events = (0..count).map(|index| {
        let ts = 1_763_870_881_336_i64 + 10_000 * i64::try_from(index).unwrap();
        emulator.invoke(crate::support::event_post_json(
            &id,
            &crate::support::event_body_at("ping", ts),
        ))
    });
    for invocation in join_all(events).await {
        let invocation = invocation.expect("an answer");
        let Outcome::Response(answer) = &invocation.outcome else {
            panic!("a Lambda error: {:?}", invocation.outcome)
        };
        assert_eq!(answer["statusCode"], 204, "{answer}");
    }

    let session = session_item(&client, &table, &id).await.expect("the session");
    assert_eq!(
        session["eventCount"].as_n().unwrap(),
        &count.to_string(),
        "no lost update of the count"
    );
    assert_eq!(event_items(&client, &events_table, &id).await.len(), count);
    let lines = function.request_lines();
    assert_eq!(lines.len(), count + 1, "one request line per invocation");
    assert!(
        lines[1..].iter().all(|line| line["fields"]["status"] == 204),
        "{lines:?}"
    );
}
