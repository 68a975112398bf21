//! The routes: each a small async function from the request to
//! `Result<Answer, ApiError>`, and [`Routes`], the innermost service of the
//! request's stack, which picks one and turns its result into the answer and
//! the [`Outcome`] once. Everything every request needs (the panic guard,
//! CORS, the log line and metrics record, keeping a refused call) is a layer
//! around it (`layers.rs`, `keep.rs`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use lambda_http::http::{HeaderValue, Method};
use lambda_http::{Body, Response};
use lambda_runtime::tower::Service;

use super::envelope::ApiRequest;
use super::exchange::Exchange;
use super::outcome::{Answer, Outcome, RouteKind};
use super::problem::{ApiError, IDEMPOTENCY_KEY};
use super::routing::Route;
use super::{App, body, downloaded, schema};
use crate::domain::{
    DownloadedRoute, EventRecord, Fingerprint, IdempotencyKey, SessionEvent, SessionId, SessionRecord, SessionStart,
    single_start,
};
use crate::store::{Created, DownloadedStore, EventStore, SessionStore, StoreError};

/// What a layer of the request's stack gives back: the answer, and what the
/// request came to.
#[derive(Debug)]
pub(crate) struct Handled {
    pub outcome: Outcome,
    pub response: Response<Body>,
}

/// The future of a layer of the request's stack.
pub(crate) type Handling<'a> = Pin<Box<dyn Future<Output = Result<Handled, Infallible>> + Send + 'a>>;

/// The innermost service: the routes of `app`.
pub(crate) struct Routes<'a, S> {
    pub app: &'a App<S>,
}

impl<'a, S: SessionStore + EventStore + DownloadedStore> Service<&'a Exchange<'a>> for Routes<'a, S> {
    type Response = Handled;
    type Error = Infallible;
    type Future = Handling<'a>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, exchange: &'a Exchange<'a>) -> Self::Future {
        let app = self.app;
        Box::pin(async move {
            let route = RouteKind::of(exchange);
            let result = app.route(exchange).await;
            let (outcome, response) = Outcome::of(exchange, route, result);
            Ok(Handled { outcome, response })
        })
    }
}

impl<S: SessionStore + EventStore + DownloadedStore> App<S> {
    /// The route for the request's path and method, and its answer.
    async fn route(&self, exchange: &Exchange<'_>) -> Result<Answer, ApiError> {
        let request = exchange.request;
        match (Route::of(request), &request.method) {
            (Route::NotFound, _) => Err(ApiError::NotFound),
            (_, Some(Method::OPTIONS)) => Ok(Answer::Preflight),
            (Route::Sessions, Some(Method::POST)) if downloaded::is_array_body(request) => {
                self.create_downloaded(DownloadedRoute::Sessions, exchange).await
            }
            (Route::Sessions, Some(Method::POST)) => self.create_session(exchange).await,
            (Route::Downloaded, Some(Method::POST)) => {
                self.create_downloaded(DownloadedRoute::Downloaded, exchange).await
            }
            (Route::SessionEvents(session_id), Some(Method::POST)) => self.append_event(session_id, exchange).await,
            // Older clients fetch schemas with POST: the same answer.
            (Route::Schema(event_type), Some(Method::GET | Method::POST)) => {
                schema(event_type).map(Answer::Schema).ok_or(ApiError::NoSuchSchema)
            }
            (route, _) => Err(ApiError::MethodNotAllowed {
                allow: route.allow(),
                resource: route.pattern(),
            }),
        }
    }

    /// `POST /api/v1/sessions`: content type, size and UTF-8, the
    /// `Idempotency-Key`, the body (400), then the write.
    async fn create_session(&self, exchange: &Exchange<'_>) -> Result<Answer, ApiError> {
        let request = exchange.request;
        let text = body::text(request, self.config.max_body_bytes)?;
        let key = idempotency_key(request)?;
        let body = SessionStart::json(text)?;
        let start = single_start(&body)?;
        let mut record = SessionRecord::new(
            start,
            exchange.ids.stored().to_owned(),
            exchange.received_at,
            self.config.session_ttl_days,
        );
        if let Some(key) = key {
            record = record.idempotent(&key, Fingerprint::of(&body));
        }
        if let Some(at) = exchange.replayed_at {
            record = record.replayed(at, &body);
        }
        let stored = exchange.timed(self.store.create(&record)).await;
        let replayed = replayed(stored, exchange.ids.stored())?;
        Ok(Answer::Created {
            session_id: record.session_id,
            replayed,
        })
    }

    /// `POST /api/v1/sessions/{id}/events`: the body (400), the id and the
    /// session (404, 410), then the write.
    async fn append_event(&self, session_id: &str, exchange: &Exchange<'_>) -> Result<Answer, ApiError> {
        let text = body::text(exchange.request, self.config.max_body_bytes)?;
        let event = SessionEvent::parse(text)?;
        let session_id = SessionId::parse(session_id).ok_or(ApiError::UnknownSession)?;
        let mut record = EventRecord::new(
            session_id,
            event,
            exchange.ids.stored().to_owned(),
            exchange.received_at,
        );
        record.replayed_at = exchange.replayed_at;
        let appended = exchange
            .timed(self.store.append(&record, &self.config.session_policy))
            .await;
        match appended {
            Ok(appended) => Ok(Answer::EventAccepted(appended)),
            Err(StoreError::UnknownSession) => Err(ApiError::UnknownSession),
            Err(StoreError::Gone(reason)) => Err(ApiError::SessionGone(reason)),
            Err(source) => Err(ApiError::EventNotStored {
                source,
                request_id: exchange.ids.stored().to_owned(),
            }),
        }
    }
}

/// The request's `Idempotency-Key`, if it sent one.
pub(super) fn idempotency_key(request: &ApiRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    sent_idempotency_key(request)
        .map(IdempotencyKey::parse)
        .transpose()
        .map_err(ApiError::InvalidIdempotencyKey)
}

/// The `Idempotency-Key` header's bytes as sent, readable or not.
pub(crate) fn sent_idempotency_key(request: &ApiRequest) -> Option<&[u8]> {
    request
        .headers
        .get(IDEMPOTENCY_KEY)
        .map(HeaderValue::as_bytes)
        .or_else(|| {
            request
                .unreadable_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
                .map(|(_, value)| value.as_bytes())
        })
}

/// Whether a session write replayed an earlier one, or the error it answers.
pub(super) fn replayed(stored: Result<Created, StoreError>, request_id: &str) -> Result<bool, ApiError> {
    match stored {
        Ok(Created::New) => Ok(false),
        Ok(Created::Replayed) => Ok(true),
        Err(StoreError::KeyReused) => Err(ApiError::IdempotencyKeyReused),
        Err(source) => Err(ApiError::NotStored {
            source,
            request_id: request_id.to_owned(),
        }),
    }
}
