//! The function's own binary under the local Lambda Runtime API emulator
//! (`media-collector-test-support`'s, which also gives it the Lambda
//! environment), with the environment a test chooses.

use std::process::Command;
use std::time::Duration;

use media_collector_test_support::emulator::Emulator;
pub use media_collector_test_support::function::{Function, with_local_credentials};
use serde_json::Value;

/// The binary under test: this build's, or another one named by
/// `MEDIA_COLLECTOR_BIN` (e.g. `target/release/media-collector`, to check the
/// release build).
pub fn function_binary() -> String {
    std::env::var("MEDIA_COLLECTOR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_media-collector").to_owned())
}

/// The binary with the Lambda environment of `emulator`, the two tables
/// (`table` and `{table}-events`), the region and `endpoint`: add
/// credentials and settings, then [`Function::spawn`] it.
pub fn command(emulator: &Emulator, table: &str, endpoint: &str) -> Command {
    media_collector_test_support::function::command(function_binary(), emulator, table, endpoint)
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
