//! The keeper of refused calls, a layer: every `POST` on a route that
//! stores calls (a start, an event, a downloaded session) answered 400, 404
//! (an event for an unknown session), 410, 413 or 422 is kept in the
//! refused-calls store, with the answer it got, before the answer goes out.
//! The answer never changes: when keeping fails (throttled, down, too slow,
//! no table) the refusal is still answered as it was, and the outcome says
//! so for the log line and the metrics.

use std::convert::Infallible;
use std::task::{Context, Poll};

use lambda_http::Body;
use lambda_http::http::header::{CONTENT_TYPE, ORIGIN, USER_AGENT};
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_runtime::tower::{Layer, Service};

use super::envelope::{ApiRequest, RawBody};
use super::exchange::Exchange;
use super::outcome::{Outcome, RouteKind};
use super::problem::IDEMPOTENCY_KEY;
use super::routes::{Handled, Handling};
use super::routing::Route;
use crate::domain::RefusedCall;
use crate::store::RefusedStore;

/// Whether and how a request's refusal was kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keep {
    /// Not a refusal that is kept, or no refused-calls table is configured.
    #[default]
    NotApplicable,
    /// Durably kept.
    Kept,
    /// A refusal that should have been kept, and was not: why.
    NotKept(String),
}

impl Keep {
    /// For the log line: `kept` or `not_kept`, on refusals only.
    pub fn logged(&self) -> Option<&'static str> {
        match self {
            Self::NotApplicable => None,
            Self::Kept => Some("kept"),
            Self::NotKept(_) => Some("not_kept"),
        }
    }

    /// For the metrics record: kept (`true`) or not (`false`), on refusals only.
    pub fn metric(&self) -> Option<bool> {
        match self {
            Self::NotApplicable => None,
            Self::Kept => Some(true),
            Self::NotKept(_) => Some(false),
        }
    }
}

/// What the keeper needs besides the store.
#[derive(Debug, Clone)]
pub struct KeepSettings {
    /// Days a kept call is kept (`REJECTED_TTL_DAYS`).
    pub ttl_days: u32,
    /// The Lambda function version and the crate's, e.g. `$LATEST/0.1.0`.
    pub function_version: String,
}

/// The layer of [`Keeper`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeepRefused<'a, R> {
    pub store: &'a R,
    pub settings: &'a KeepSettings,
}

impl<'a, R, S> Layer<S> for KeepRefused<'a, R> {
    type Service = Keeper<'a, R, S>;

    fn layer(&self, inner: S) -> Self::Service {
        Keeper {
            store: self.store,
            settings: self.settings,
            inner,
        }
    }
}

/// Keeps the refusals of the service it wraps.
pub(crate) struct Keeper<'a, R, S> {
    store: &'a R,
    settings: &'a KeepSettings,
    inner: S,
}

impl<'a, R, S> Service<&'a Exchange<'a>> for Keeper<'a, R, S>
where
    R: RefusedStore,
    S: Service<&'a Exchange<'a>, Response = Handled, Error = Infallible, Future = Handling<'a>>,
{
    type Response = Handled;
    type Error = Infallible;
    type Future = Handling<'a>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, exchange: &'a Exchange<'a>) -> Self::Future {
        let inner = self.inner.call(exchange);
        let (store, settings) = (self.store, self.settings);
        Box::pin(async move {
            let mut handled = inner.await?;
            if is_kept(&handled.outcome) {
                let problem = match handled.response.body() {
                    Body::Text(text) => text.clone(),
                    Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    _ => String::new(),
                };
                let call = refused_call(exchange, &handled.outcome, problem, settings);
                handled.outcome.keep = match store.keep(&call).await {
                    Ok(true) => Keep::Kept,
                    Ok(false) => Keep::NotApplicable,
                    Err(error) => Keep::NotKept(error.to_string()),
                };
            }
            Ok(handled)
        })
    }
}

/// A refusal of a call the function would have stored.
fn is_kept(outcome: &Outcome) -> bool {
    outcome.stores_calls
        && matches!(
            outcome.status,
            StatusCode::BAD_REQUEST
                | StatusCode::NOT_FOUND
                | StatusCode::GONE
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::UNPROCESSABLE_ENTITY
        )
}

fn refused_call(exchange: &Exchange<'_>, outcome: &Outcome, problem: String, settings: &KeepSettings) -> RefusedCall {
    let request = exchange.request;
    let received_at = exchange.received_at;
    let expires_at = (received_at + time::Duration::days(i64::from(settings.ttl_days))).unix_timestamp();
    RefusedCall {
        route: match outcome.route {
            RouteKind::Downloaded => "downloaded",
            RouteKind::Events => "events",
            _ => "sessions",
        },
        session_id: match Route::of(request) {
            Route::SessionEvents(id) => Some(id.to_owned()),
            _ => None,
        },
        status: outcome.status.as_u16(),
        problem,
        body: match &request.body {
            RawBody::Bytes(bytes) => bytes.clone(),
            RawBody::NotBase64 => Vec::new(),
        },
        content_type: header(request, CONTENT_TYPE.as_str()),
        origin: header(request, ORIGIN.as_str()),
        user_agent: header(request, USER_AGENT.as_str()),
        idempotency_key: header(request, IDEMPOTENCY_KEY),
        request_id: exchange.ids.stored().to_owned(),
        received_at,
        function_version: settings.function_version.clone(),
        expires_at,
    }
}

/// A request header as sent: readable, or set aside as unreadable.
fn header(request: &ApiRequest, name: &str) -> Option<String> {
    let readable = |headers: &HeaderMap| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    readable(&request.headers).or_else(|| {
        request
            .unreadable_headers
            .iter()
            .find(|(sent, _)| sent.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    })
}
