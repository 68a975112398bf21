//! The Lambda adapter: turns an API Gateway, Function URL, ALB or VPC
//! Lattice request into a call on the domain and the store, and the outcome into an HTTP
//! answer with CORS headers. It never panics out and never returns a Lambda
//! error (API Gateway would turn that into a 502).

mod body;
mod cors;
mod downloaded;
mod envelope;
mod exchange;
mod keep;
mod layers;
mod outcome;
mod payload;
mod problem;
mod replay;
mod response;
mod routes;
mod routing;
mod schemas;

use std::time::Instant;

use lambda_runtime::tower::{Service, ServiceBuilder};
use serde_json::Value;

use crate::config::Config;
use crate::metrics::MetricsSink;
use crate::store::{DownloadedStore, EventStore, RefusedStore, SessionStore, capacity};
use exchange::Exchange;
use keep::KeepRefused;
use layers::{CatchPanics, Wrap};
use routes::Routes;

pub use downloaded::{ANSWER_MARGIN, invocation_deadline};
pub use envelope::{ApiRequest, NotHttp, RawBody, Source};
pub use keep::{Keep, KeepSettings};
pub use outcome::{Outcome, RouteKind};
pub use payload::{RepairLayer, Repaired, repair};
pub use problem::{ApiError, IDEMPOTENCY_KEY};
pub use response::{LambdaResponse, LatticeResponse};
pub use routing::Route;
pub use schemas::{event_types, schema};

/// What every request needs: the settings, the stores of sessions, events
/// and refused calls, and the metrics sink, built once.
#[derive(Debug)]
pub struct App<S> {
    pub config: Config,
    pub store: S,
    metrics: MetricsSink,
    keep: KeepSettings,
}

impl<S: SessionStore + EventStore + DownloadedStore + RefusedStore> App<S> {
    /// An app whose metrics records go to stdout.
    pub fn new(config: Config, store: S) -> Self {
        Self::with_metrics(config, store, MetricsSink::stdout())
    }

    pub fn with_metrics(config: Config, store: S, metrics: MetricsSink) -> Self {
        let keep = KeepSettings {
            ttl_days: config.rejected_ttl_days,
            function_version: config.function_version.clone(),
        };
        Self {
            config,
            store,
            metrics,
            keep,
        }
    }

    /// Answers one Lambda invocation. Every HTTP request gets an HTTP answer
    /// in its source's shape; only an event that is no HTTP request is refused.
    pub async fn invoke(&self, event: &Value, lambda_request_id: &str) -> Result<LambdaResponse, NotHttp> {
        self.invoke_until(event, lambda_request_id, None).await
    }

    /// [`App::invoke`] for an invocation that must be answered before
    /// `deadline` (Lambda's; see [`invocation_deadline`]): a downloaded
    /// session's writes stop in time to answer 500.
    pub async fn invoke_until(
        &self,
        event: &Value,
        lambda_request_id: &str,
        deadline: Option<Instant>,
    ) -> Result<LambdaResponse, NotHttp> {
        let request = match ApiRequest::from_event(event, lambda_request_id) {
            Ok(request) => request,
            Err(not_http) => {
                tracing::error!(request_id = %lambda_request_id, error = %not_http, "event refused");
                return Err(not_http);
            }
        };
        let source = request.source;
        Ok(LambdaResponse::new(source, self.handle_until(request, deadline).await))
    }

    /// Answers one request, and logs one line about it.
    pub async fn handle(&self, request: ApiRequest) -> lambda_http::Response<lambda_http::Body> {
        self.handle_until(request, None).await
    }

    /// [`App::handle`] before `deadline`, as [`App::invoke_until`]: the
    /// routes inside the layers every request goes through (outermost
    /// first): the log line and metrics record, the keeper of refused
    /// calls, CORS, the panic guard.
    pub async fn handle_until(
        &self,
        request: ApiRequest,
        deadline: Option<Instant>,
    ) -> lambda_http::Response<lambda_http::Body> {
        let exchange = Exchange::new(&request, deadline);
        let mut stack = ServiceBuilder::new()
            .layer(Wrap(&self.metrics))
            .layer(KeepRefused {
                store: &self.store,
                settings: &self.keep,
            })
            .layer(Wrap(&self.config.allowed_origins))
            .layer(CatchPanics)
            .service(Routes { app: self });
        // The request's DynamoDB calls report what they consumed to this
        // request's meter; `Observe` reads it for the metrics record.
        match capacity::metered(stack.call(&exchange)).await.0 {
            Ok(handled) => handled.response,
            Err(never) => match never {},
        }
    }
}
