//! The function's binary under a Runtime API [`Emulator`], with the
//! environment Lambda would give it and nothing of the caller's (no AWS
//! profile, no HOME): [`command`] builds it, and a test adds credentials
//! ([`with_local_credentials`]) and settings; [`Function`] runs it with its
//! stdout collected line by line, and kills it when dropped.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::emulator::Emulator;

/// The region every local run uses.
pub const REGION: &str = "us-east-1";

/// `binary` with an empty environment but for what Lambda sets (the
/// emulator's `AWS_LAMBDA_*` variables, `PATH`, `LANG`, `TZ`, the region),
/// and the function's settings: `TABLE_NAME` = `table`, `EVENTS_TABLE_NAME`
/// = `{table}-events`, and `AWS_ENDPOINT_URL_DYNAMODB` = `endpoint`. No
/// credentials: add them ([`with_local_credentials`]) or a credentials
/// endpoint. A `tokio::process::Command` is `From` it.
pub fn command(binary: impl AsRef<OsStr>, emulator: &Emulator, table: &str, endpoint: &str) -> Command {
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .envs(emulator.lambda_env())
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("TABLE_NAME", table)
        .env("EVENTS_TABLE_NAME", format!("{table}-events"))
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint);
    command
}

/// Credentials from the environment, as Lambda gives them (any values do for
/// DynamoDB Local).
pub fn with_local_credentials(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
}

/// The running function, its stdout collected line by line (its stderr is
/// the caller's); killed when dropped.
pub struct Function {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Function {
    /// Starts `command`. Panics if it cannot: for tests, where that is the
    /// failure to report.
    pub fn spawn(command: &mut Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("the function's binary {:?} starts: {error}", command.get_program()));
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
