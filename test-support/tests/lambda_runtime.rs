//! The emulator against the real `lambda_runtime` crate, in a real process:
//! sequential polling (`lambda_runtime::run`) and the concurrent polling of
//! Lambda Managed Instances (`Runtime::run_concurrent` with
//! `AWS_LAMBDA_MAX_CONCURRENCY`). The function is this test binary itself,
//! re-run with `EMULATOR_TEST_FUNCTION` set (see [`function_process`]): the
//! runtime reads its settings from the environment, which a test must not
//! change in its own process.
#![forbid(unsafe_code)]

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::future::join_all;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use lambda_runtime::{LambdaEvent, service_fn};
use media_collector_test_support::emulator::{Emulator, EmulatorConfig, EmulatorError, Invocation, Outcome};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// Set in the function process: `sequential` or `concurrent`.
const ROLE: &str = "EMULATOR_TEST_FUNCTION";
const INIT_TIMEOUT: Duration = Duration::from_secs(20);

/// Not a test of its own: the body of the function processes the other tests
/// spawn. Without `EMULATOR_TEST_FUNCTION` it returns at once.
#[test]
fn function_process() {
    let Ok(mode) = std::env::var(ROLE) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = runtime.block_on(async {
        match mode.as_str() {
            "concurrent" => lambda_runtime::Runtime::new(service_fn(handler)).run_concurrent().await,
            _ => lambda_runtime::run(service_fn(handler)).await,
        }
    });
    // The runtime only returns when it fails.
    eprintln!("the runtime stopped: {result:?}");
    std::process::exit(1);
}

/// Echoes the event and its context; `sleep_ms` delays the answer, `fail` makes it an error.
async fn handler(event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let (payload, context) = event.into_parts();
    if let Some(ms) = payload["sleep_ms"].as_u64() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if payload["fail"] == json!(true) {
        return Err("asked to fail".into());
    }
    Ok(json!({
        "echo": payload,
        "request_id": context.request_id,
        "deadline_ms": context.deadline,
        "arn": context.invoked_function_arn,
        "trace_id": context.xray_trace_id,
        "function_name": context.env_config.function_name,
        "memory": context.env_config.memory,
    }))
}

fn spawn_function(emulator: &Emulator, mode: &str, max_concurrency: Option<u32>) -> Child {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args(["function_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, mode)
        .envs(emulator.lambda_env())
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true);
    if let Some(n) = max_concurrency {
        command.env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string());
    }
    command.spawn().expect("spawn the function process")
}

fn response(invocation: &Invocation) -> &Value {
    match &invocation.outcome {
        Outcome::Response(value) => value,
        Outcome::Error(error) => panic!("expected a response, got the error {error}"),
    }
}

/// `count` invocations at once, each sleeping `sleep_ms`; returns them and the total time.
async fn invoke_at_once(emulator: &Emulator, count: usize, sleep_ms: u64) -> (Vec<Invocation>, Duration) {
    let started = Instant::now();
    let calls = (0..count).map(|n| emulator.invoke(json!({ "n": n, "sleep_ms": sleep_ms })));
    let invocations = join_all(calls)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .expect("every invocation is answered");
    (invocations, started.elapsed())
}

#[tokio::test]
async fn sequential_runtime_gets_events_and_their_context() {
    let emulator = Emulator::start_with(EmulatorConfig {
        function_name: "echo".to_owned(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let mut function = spawn_function(&emulator, "sequential", None);
    let init_done = emulator.first_poll(INIT_TIMEOUT).await.expect("the runtime polls");

    for n in 0..3 {
        let asked = Instant::now();
        let invocation = emulator.invoke(json!({ "n": n })).await.unwrap();
        assert!(init_done < asked && asked <= invocation.answered_at && invocation.answered_at <= Instant::now());
        assert!(invocation.latency <= invocation.answered_at - asked);
        let answer = response(&invocation);
        assert_eq!(answer["echo"], json!({ "n": n }));
        assert_eq!(answer["request_id"], json!(invocation.request_id));
        assert_eq!(
            answer["arn"],
            json!("arn:aws:lambda:us-east-1:123456789012:function:echo")
        );
        assert_eq!(answer["function_name"], json!("echo"));
        assert_eq!(answer["memory"], json!(256));
        assert!(answer["trace_id"].as_str().unwrap().starts_with("Root=1-"));
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let deadline_ms = answer["deadline_ms"].as_u64().unwrap();
        assert!(
            (now_ms + 25_000..=now_ms + 30_000).contains(&deadline_ms),
            "deadline {deadline_ms}"
        );
    }

    let failed = emulator.invoke(json!({ "fail": true })).await.unwrap();
    match failed.outcome {
        Outcome::Error(error) => assert_eq!(error["errorMessage"], json!("asked to fail")),
        Outcome::Response(value) => panic!("expected an error, got {value}"),
    }

    // Three callers at once: one runtime poll at a time, so they queue.
    let (invocations, elapsed) = invoke_at_once(&emulator, 3, 200).await;
    assert_eq!(invocations.len(), 3);
    assert!(
        elapsed >= Duration::from_millis(600),
        "sequential, yet took {elapsed:?}"
    );
    assert!(emulator.init_error().is_none());
    function.kill().await.unwrap();
}

#[tokio::test]
async fn concurrent_runtime_keeps_several_polls_open() {
    let emulator = Emulator::start().await.unwrap();
    let mut function = spawn_function(&emulator, "concurrent", Some(4));
    emulator.first_poll(INIT_TIMEOUT).await.expect("the runtime polls");

    // Four events of 400 ms each overlap: well under the 1.6 s they take one by one.
    let (invocations, elapsed) = invoke_at_once(&emulator, 4, 400).await;
    assert!(elapsed < Duration::from_millis(1200), "not concurrent: {elapsed:?}");
    let mut ids: Vec<&str> = invocations.iter().map(|i| i.request_id.as_str()).collect();
    for invocation in &invocations {
        assert_eq!(response(invocation)["request_id"], json!(invocation.request_id));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every invocation has its own request id");

    // More callers than polls: the extra events wait for a free poll.
    let (invocations, _) = invoke_at_once(&emulator, 16, 20).await;
    for (n, invocation) in invocations.iter().enumerate() {
        assert_eq!(response(invocation)["echo"]["n"], json!(n));
    }
    function.kill().await.unwrap();
}

#[tokio::test]
async fn init_error_is_reported_to_first_poll() {
    let emulator = Emulator::start().await.unwrap();
    let stream = tokio::net::TcpStream::connect(emulator.runtime_api()).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let post = |path: &str, body: &'static str| {
        hyper::Request::post(path)
            .header("host", "localhost")
            .header("lambda-runtime-function-error-type", "Runtime.InitError")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    };

    let unknown = sender
        .send_request(post("/2018-06-01/runtime/invocation/nope/response", "{}"))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    unknown.into_body().collect().await.unwrap();

    let answer = sender
        .send_request(post(
            "/2018-06-01/runtime/init/error",
            r#"{"errorType":"Config","errorMessage":"TABLE_NAME is missing"}"#,
        ))
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);

    match emulator.first_poll(Duration::from_secs(1)).await {
        Err(EmulatorError::InitError(error)) => {
            assert_eq!(error["errorMessage"], json!("TABLE_NAME is missing"));
            assert_eq!(error["errorTypeHeader"], json!("Runtime.InitError"));
        }
        other => panic!("expected the init error, got {other:?}"),
    }
    assert!(emulator.init_error().is_some());
}

#[tokio::test]
async fn invoke_without_a_function_times_out() {
    let emulator = Emulator::start_with(EmulatorConfig {
        invoke_timeout: Duration::from_millis(200),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    match emulator.invoke(json!({})).await {
        Err(EmulatorError::InvokeTimeout { after, .. }) => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(matches!(
        emulator.first_poll(Duration::from_millis(50)).await,
        Err(EmulatorError::InitTimeout(_))
    ));
}
