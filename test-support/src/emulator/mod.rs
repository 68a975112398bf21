//! A local AWS Lambda Runtime API, so that a Lambda function binary can run
//! on this machine as it runs in Lambda, and be timed.
//!
//! Start an [`Emulator`], spawn the function's binary with
//! [`Emulator::lambda_env`], then [`Emulator::invoke`] it with events. The
//! emulator answers the runtime's calls the way Lambda does
//! (`GET /2018-06-01/runtime/invocation/next` with the event and its
//! `Lambda-Runtime-*` headers, `POST …/{id}/response` and `…/{id}/error`,
//! `POST …/init/error`), including several long-polls at once, as the
//! runtime keeps open under Lambda Managed Instances
//! (`AWS_LAMBDA_MAX_CONCURRENCY=N`). [`Emulator::invoke`] may be called from
//! many tasks at once: events go to the runtime's polls first come, first
//! served.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use media_collector_test_support::emulator::{Emulator, Outcome};
//! let emulator = Emulator::start().await?;
//! let mut function = tokio::process::Command::new("target/release/my-function")
//!     .envs(emulator.lambda_env())
//!     .kill_on_drop(true)
//!     .spawn()?;
//! let init_done = emulator.first_poll(std::time::Duration::from_secs(10)).await?;
//! let invocation = emulator.invoke(serde_json::json!({ "hello": "world" })).await?;
//! if let Outcome::Response(answer) = invocation.outcome {
//!     println!("{answer} in {:?}", invocation.latency);
//! }
//! # function.kill().await?;
//! # let _ = init_done;
//! # Ok(())
//! # }
//! ```
mod server;
mod state;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use server::FunctionIdentity;
use state::{Queued, State};

/// How the emulated function presents itself, and how long an invocation may take.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// `AWS_LAMBDA_FUNCTION_NAME`, also in the function ARN and the log group name.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (informative: nothing enforces it).
    pub memory_mb: u32,
    /// How long [`Emulator::invoke`] waits for the function's answer.
    pub invoke_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            function_name: "emulated-function".to_owned(),
            memory_mb: 256,
            invoke_timeout: Duration::from_secs(30),
        }
    }
}

/// A local Lambda Runtime API on `127.0.0.1`, on a port of its own; it stops when dropped.
pub struct Emulator {
    address: std::net::SocketAddr,
    config: EmulatorConfig,
    state: Arc<State>,
    server: JoinHandle<()>,
    log_stream: String,
}

/// One answered invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The `Lambda-Runtime-Aws-Request-Id` the function was given.
    pub request_id: String,
    pub outcome: Outcome,
    /// From the event's queuing to the emulator's receipt of the answer
    /// (includes the wait for a free poll when the function is busy).
    pub latency: Duration,
    /// When the emulator received the answer: with [`Emulator::first_poll`]
    /// and the process's spawn time, it splits a cold start exactly, however
    /// late the caller's task gets to run.
    pub answered_at: Instant,
}

/// What the function posted for an invocation.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The body of `POST /invocation/{id}/response` (a non-JSON body becomes a string).
    Response(Value),
    /// The body of `POST /invocation/{id}/error` (`errorType`, `errorMessage`).
    Error(Value),
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("no answer from the function within {after:?} (request id {request_id})")]
    InvokeTimeout { request_id: String, after: Duration },
    #[error("the function did not poll for an event within {0:?}")]
    InitTimeout(Duration),
    #[error("the function reported an init error: {0}")]
    InitError(Value),
    #[error("the emulator stopped")]
    Stopped,
}

impl Emulator {
    /// Starts an emulator with the default [`EmulatorConfig`].
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts an emulator on `127.0.0.1` and a free port.
    pub async fn start_with(config: EmulatorConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(State::new());
        let identity = Arc::new(FunctionIdentity {
            arn: format!(
                "arn:aws:lambda:us-east-1:123456789012:function:{}",
                config.function_name
            ),
        });
        let server = tokio::spawn(server::serve(listener, state.clone(), identity));
        let log_stream = format!("2025/01/01/[$LATEST]{}", uuid::Uuid::new_v4().simple());
        Ok(Self {
            address,
            config,
            state,
            server,
            log_stream,
        })
    }

    /// `127.0.0.1:PORT`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.address.to_string()
    }

    /// The environment Lambda gives a function and `lambda_runtime` reads:
    /// `AWS_LAMBDA_RUNTIME_API`, the function's name, memory, version, log
    /// stream and group, and the initialization type. Region, credentials and
    /// `AWS_LAMBDA_MAX_CONCURRENCY` are the caller's to add.
    pub fn lambda_env(&self) -> Vec<(String, String)> {
        let name = &self.config.function_name;
        [
            ("AWS_LAMBDA_RUNTIME_API", self.runtime_api()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", self.config.memory_mb.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", self.log_stream.clone()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }

    /// Queues one event and waits for the function's response or error, at
    /// most [`EmulatorConfig::invoke_timeout`]. Callable from many tasks at once.
    pub async fn invoke(&self, event: Value) -> Result<Invocation, EmulatorError> {
        self.invoke_bytes(event.to_string()).await
    }

    /// [`Emulator::invoke`] with the payload's bytes as they are, even when
    /// they are not JSON or not UTF-8 (as Lambda may deliver them).
    pub async fn invoke_bytes(&self, payload: impl Into<Bytes>) -> Result<Invocation, EmulatorError> {
        if self.server.is_finished() {
            return Err(EmulatorError::Stopped);
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        let answer = self.state.register(&request_id);
        let queued_at = Instant::now();
        self.state.enqueue(Queued {
            request_id: request_id.clone(),
            body: payload.into(),
        });
        match tokio::time::timeout(self.config.invoke_timeout, answer).await {
            Ok(Ok((outcome, received_at))) => Ok(Invocation {
                request_id,
                outcome,
                latency: received_at.saturating_duration_since(queued_at),
                answered_at: received_at,
            }),
            Ok(Err(_)) => Err(EmulatorError::Stopped),
            Err(_) => {
                self.state.forget(&request_id);
                Err(EmulatorError::InvokeTimeout {
                    request_id,
                    after: self.config.invoke_timeout,
                })
            }
        }
    }

    /// When the runtime first asked for an event, i.e. when the function's
    /// init phase ended. Waits at most `timeout`; fails at once if the function
    /// reports an init error.
    pub async fn first_poll(&self, timeout: Duration) -> Result<Instant, EmulatorError> {
        let mut status = self.state.init_status();
        let seen = tokio::time::timeout(
            timeout,
            status.wait_for(|status| status.first_poll.is_some() || status.error.is_some()),
        )
        .await;
        match seen {
            Err(_) => Err(EmulatorError::InitTimeout(timeout)),
            Ok(Err(_)) => Err(EmulatorError::Stopped),
            Ok(Ok(status)) => match (&status.error, status.first_poll) {
                (Some(error), _) => Err(EmulatorError::InitError(error.clone())),
                (None, Some(at)) => Ok(at),
                (None, None) => Err(EmulatorError::Stopped),
            },
        }
    }

    /// The body of `POST /init/error`, if the function sent one.
    pub fn init_error(&self) -> Option<Value> {
        self.state.init_error()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}
