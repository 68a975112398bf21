//! The function's own binary under the local Lambda Runtime API emulator,
//! with the environment a test chooses, its stdout collected line by line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use runtime_api_emulator::Emulator;
use serde_json::Value;

/// The binary under test: this build's, or another one named by
/// `MEDIA_COLLECTOR_BIN` (e.g. `target/release/media-collector`, to check the
/// release build).
pub fn function_binary() -> String {
    std::env::var("MEDIA_COLLECTOR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_media-collector").to_owned())
}

/// The binary with an empty environment but for the emulator's Lambda
/// variables, the two tables, the region and `endpoint`: add credentials and
/// settings, then [`Function::spawn`] it.
pub fn command(emulator: &Emulator, table: &str, endpoint: &str) -> Command {
    let mut command = Command::new(function_binary());
    command
        .env_clear()
        .envs(emulator.lambda_env())
        .env("TABLE_NAME", table)
        .env("EVENTS_TABLE_NAME", format!("{table}-events"))
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .env("AWS_REGION", "us-east-1");
    command
}

/// Credentials from the environment, as Lambda gives them (any values do for
/// DynamoDB Local).
pub fn with_local_credentials(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
}

/// The running function; killed when dropped.
pub struct Function {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Function {
    pub fn spawn(command: &mut Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the media-collector binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let collected = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().unwrap_or_else(PoisonError::into_inner).push(line);
            }
        });
        Self { child, lines }
    }

    /// Whether the process is still there (it has not exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn all_lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The JSON log lines (`AWS_LAMBDA_LOG_FORMAT=JSON`) whose message is `message`.
    pub fn json_lines(&self, message: &str) -> Vec<Value> {
        self.all_lines()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["fields"]["message"] == message)
            .collect()
    }

    /// The `request` log lines (one per request), as JSON.
    pub fn request_lines(&self) -> Vec<Value> {
        self.json_lines("request")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The id of the session a 201 answer (the Lambda response, as JSON) created.
pub fn created_session_id(answer: &Value) -> String {
    let location = answer["headers"]["location"].as_str().expect("a Location header");
    location
        .strip_prefix("/api/v1/sessions/")
        .expect("a session URL")
        .to_owned()
}

/// Waits for the function's first poll of the Runtime API: its init is done.
pub async fn started(emulator: &Emulator) {
    emulator
        .first_poll(Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("the function did not start: {e}"));
}
