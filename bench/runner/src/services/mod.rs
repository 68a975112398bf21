//! The DynamoDB endpoints the functions write to during the bench: DynamoDB
//! Local itself, DynamoDB Local behind a TLS front (to time the TLS handshake
//! a real endpoint costs), and a stub that answers after a fixed delay (to
//! measure throughput without DynamoDB Local's own limits).

pub mod ddb_local;
pub mod stub;
pub mod tls_front;

use std::path::Path;

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
