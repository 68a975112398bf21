//! What every request needs, once, as `tower` layers around the routes
//! (outermost first): [`Observe`] writes the request's log line and metrics
//! record from its [`Outcome`]; the keeper of refused calls (`keep.rs`);
//! [`Cors`] adds the CORS headers to every answer; [`PanicGuard`] turns a
//! panic into a 500. Why these are ours and not `tower-http`'s
//! `CorsLayer` and `CatchPanicLayer`: docs/decisions.md, "Answers and errors".

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use lambda_http::http::HeaderValue;
use lambda_http::http::Method;
use lambda_http::http::header::{ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_HEADERS, ORIGIN};
use lambda_runtime::tower::{Layer, Service};

use super::exchange::Exchange;
use super::outcome::Outcome;
use super::routes::{Handled, Handling};
use crate::config::AllowedOrigins;
use crate::domain::SessionId;
use crate::metrics::{MetricsSink, RequestOutcome};
use crate::store::capacity;

/// The longest path written to the log line; the rest is cut.
const LOGGED_PATH_CHARS: usize = 200;

/// A layer that wraps its service in `W`, with the layer's own settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wrap<T>(pub T);

/// Writes one log line and one metrics record per request, from its outcome.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observe<'a, S> {
    metrics: &'a MetricsSink,
    inner: S,
}

impl<'a, S> Layer<S> for Wrap<&'a MetricsSink> {
    type Service = Observe<'a, S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observe { metrics: self.0, inner }
    }
}

impl<'a, S> Service<&'a Exchange<'a>> for Observe<'a, S>
where
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
        let metrics = self.metrics;
        Box::pin(async move {
            let handled = inner.await?;
            log_line(exchange, &handled.outcome);
            metrics.record(&metrics_of(exchange, &handled.outcome));
            Ok(handled)
        })
    }
}

fn log_line(exchange: &Exchange<'_>, outcome: &Outcome) {
    let request = exchange.request;
    if let Some(error) = &outcome.store_error {
        let what = if outcome.route == super::outcome::RouteKind::Events {
            "event not stored"
        } else {
            "session not stored"
        };
        tracing::error!(request_id = %exchange.ids.lambda, error = %error, "{what}");
    }
    tracing::info!(
        request_id = %exchange.ids.lambda,
        api_request_id = exchange.ids.api.unwrap_or("-"),
        method = request.method.as_ref().map_or("-", Method::as_str),
        path = %logged_path(&request.path),
        status = outcome.status.as_u16(),
        duration_ms = exchange.started.elapsed().as_secs_f64() * 1000.0,
        session_id = outcome.session_id.as_ref().map(SessionId::as_str),
        duplicate = outcome.duplicate.then_some(true),
        error = outcome.error_kind,
        kept = outcome.keep.logged(),
        "request",
    );
}

fn metrics_of(exchange: &Exchange<'_>, outcome: &Outcome) -> RequestOutcome {
    let consumed = capacity::current();
    RequestOutcome {
        request_id: exchange.ids.lambda.to_owned(),
        status: outcome.status.as_u16(),
        session_created: outcome.session_created,
        event_accepted: outcome.event_stored,
        downloaded_session: outcome.downloaded_events.is_some(),
        downloaded_events: outcome.downloaded_events.unwrap_or(0),
        store_failed: outcome.store_error.is_some(),
        store_latency: outcome.store_latency,
        kept: outcome.keep.metric(),
        write_units: consumed.map(|consumed| consumed.write_units),
        read_units: consumed.map(|consumed| consumed.read_units),
    }
}

/// The path as a client sent it, made safe for a log line: control
/// characters escaped, and cut at [`LOGGED_PATH_CHARS`].
fn logged_path(path: &str) -> String {
    // What every real client sends: printable ASCII that needs no escape.
    if path.len() <= LOGGED_PATH_CHARS
        && path
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && !matches!(byte, b'\\' | b'"' | b'\''))
    {
        return path.to_owned();
    }
    let mut logged: String = path
        .chars()
        .take(LOGGED_PATH_CHARS)
        .flat_map(char::escape_default)
        .collect();
    if path.chars().nth(LOGGED_PATH_CHARS).is_some() {
        logged.push('…');
    }
    logged
}

/// Adds the CORS headers to every answer, errors included (a browser would
/// hide the error from the player otherwise); a preflight's answer allows
/// what it asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cors<'a, S> {
    origins: &'a AllowedOrigins,
    inner: S,
}

impl<'a, S> Layer<S> for Wrap<&'a AllowedOrigins> {
    type Service = Cors<'a, S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors { origins: self.0, inner }
    }
}

impl<'a, S> Service<&'a Exchange<'a>> for Cors<'a, S>
where
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
        let origins = self.origins;
        Box::pin(async move {
            let mut handled = inner.await?;
            let headers = &exchange.request.headers;
            let origin = headers.get(ORIGIN);
            let cors = if handled.outcome.preflight {
                origins.preflight_headers(origin, headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS))
            } else {
                origins.headers(origin)
            };
            let answer = handled.response.headers_mut();
            answer.extend(cors);
            if handled.outcome.replayed {
                // A browser may read the replay marker too.
                answer.insert(
                    ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static("Location, Idempotent-Replayed"),
                );
            }
            Ok(handled)
        })
    }
}

/// Turns a panic in the routes into a 500 problem answer with the request
/// id: the function never panics out, which Lambda would report as an
/// error and API Gateway as a 502.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PanicGuard<S> {
    inner: S,
}

/// The layer of [`PanicGuard`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CatchPanics;

impl<S> Layer<S> for CatchPanics {
    type Service = PanicGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PanicGuard { inner }
    }
}

impl<'a, S> Service<&'a Exchange<'a>> for PanicGuard<S>
where
    S: Service<&'a Exchange<'a>, Response = Handled, Error = Infallible, Future = Handling<'a>>,
{
    type Response = Handled;
    type Error = Infallible;
    type Future = Handling<'a>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, exchange: &'a Exchange<'a>) -> Self::Future {
        // A panic while the future is built is caught too.
        let inner = std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(exchange)));
        Box::pin(async move {
            let handled = match inner {
                Ok(inner) => AssertUnwindSafe(inner).catch_unwind().await.ok(),
                Err(_) => None,
            };
            Ok(match handled {
                Some(Ok(handled)) => handled,
                Some(Err(never)) => match never {},
                None => {
                    let (outcome, response) = Outcome::panicked(exchange);
                    Handled { outcome, response }
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_path_is_escaped_and_cut_only_when_it_needs_to_be() {
        let plain = "/api/v1/sessions/0f3a/events?x=1";
        assert_eq!(logged_path(plain), plain);
        assert_eq!(logged_path("/a\nb\\c\"d'é"), "/a\\nb\\\\c\\\"d\\'\\u{e9}");
        let long = format!("/{}", "a".repeat(LOGGED_PATH_CHARS + 5));
        let logged = logged_path(&long);
        assert_eq!(logged.chars().count(), LOGGED_PATH_CHARS + 1);
        assert!(logged.ends_with('…'));
        let exactly = "/".repeat(LOGGED_PATH_CHARS);
        assert_eq!(logged_path(&exactly), exactly);
    }
}
