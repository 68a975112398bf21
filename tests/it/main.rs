//! The integration tests, as one binary: each module is one subject (see
//! docs/architecture.md, "The tests"), and `support` is what they share.
//! One binary links the AWS SDK and compiles `support` once; the modules
//! run in one process, so a test that needs isolation takes it itself
//! (fresh tables, its own ports, its own child processes), never from
//! process-wide state.
//!
//! Run one module with `make test ARGS='--test it session_metrics'` (a
//! filter on the test's path, `module::test_name`).

mod adobe_sdks;
mod browser;
mod capacity;
mod concurrency;
mod corpus;
mod credentials;
mod deployment;
mod downloaded;
mod dynamodb;
mod dynamodb_events;
mod end_to_end;
mod envelopes;
mod event_validation;
mod events_api;
mod front_doors;
mod handler;
mod idempotency;
mod links;
mod metrics;
mod raw_payloads;
mod real_players;
mod refused_calls;
mod schemas;
mod session_metrics;
mod support;
mod validation;
