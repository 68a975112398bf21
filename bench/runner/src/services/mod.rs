//! The DynamoDB endpoints the functions write to during the bench: DynamoDB
//! Local itself, DynamoDB Local behind a TLS front (to time the TLS handshake
//! a real endpoint costs), and a stub that answers after a fixed delay (to
//! measure throughput without DynamoDB Local's own limits).

pub mod ddb_local;
pub mod stub;
pub mod tls_front;

/// From the crate the tests share: a free port of 127.0.0.1, a log's tail.
pub use media_collector_test_support::{free_port, log_tail};
