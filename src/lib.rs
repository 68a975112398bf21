//! media-collector: the `POST /api/v1/sessions` endpoint of a streaming-media
//! collection API, as an AWS Lambda function behind API Gateway.
//!
//! Read it in this order: [`domain`] turns a request body into a valid
//! [`domain::SessionStart`] (or every reason it is not one); [`store`] holds
//! the ports that keep sessions and events, and its DynamoDB adapter (with the
//! tables' schema); [`http`] is the thin
//! Lambda adapter that routes, answers and logs; [`config`] is read once at
//! start-up and `main.rs` wires it all together.
#![forbid(unsafe_code)]

pub mod config;
pub mod domain;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod store;
