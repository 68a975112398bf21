//! media-collector-test-support: what media-collector's tests, its bench
//! (`bench/runner`) and `make run` / `make test` share to run the function
//! on this machine, so that each is written once:
//!
//! - [`emulator`]: a local AWS Lambda Runtime API;
//! - [`function`]: the function's binary under an emulator, with the
//!   environment Lambda gives it and nothing of the caller's;
//! - [`dynamodb_local`]: DynamoDB Local as `make tools` installs it (Java
//!   and the jar found, a port, waited for until it listens).
//!
//! It knows nothing of media-collector's code (the tables are created by
//! the callers, with the function's own schema), and links no AWS SDK.
#![forbid(unsafe_code)]

pub mod dynamodb_local;
pub mod emulator;
pub mod function;

use std::path::{Path, PathBuf};

pub use dynamodb_local::DynamoDbLocal;

/// A TCP port that was free on 127.0.0.1 a moment ago (for programs that
/// cannot be handed a listening socket, like DynamoDB Local).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// The last lines of a log file, indented, for error messages.
pub fn log_tail(path: &Path) -> String {
    const LINES: usize = 30;
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LINES)..];
            let mut out = format!("--- last {} lines of {} ---\n", tail.len(), path.display());
            for line in tail {
                out.push_str("  | ");
                out.push_str(line);
                out.push('\n');
            }
            out
        }
        Err(error) => format!("(no log: {}: {error})", path.display()),
    }
}

/// Where `make tools` installs the tools of the repository at `root`:
/// `TOOLS_DIR` (relative to `root` unless absolute), else `root/.tools`.
pub fn tools_dir(root: &Path) -> PathBuf {
    match std::env::var_os("TOOLS_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join(".tools"),
    }
}
