//! What a request came to, built once from the route's
//! `Result<Answer, ApiError>`: the HTTP answer, and the [`Outcome`] that
//! every layer reporting on the request reads (the log line, the metrics
//! record, the keeper of refused calls). A new fact about requests is a
//! field here, set in one place.

use std::time::Duration;

use lambda_http::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Response};

use super::exchange::Exchange;
use super::keep::Keep;
use super::problem::ApiError;
use super::routing::Route;
use crate::domain::SessionId;
use crate::store::Appended;

/// What a route answered when all went well.
#[derive(Debug)]
pub(crate) enum Answer {
    /// 201: a session started (`replayed`: an idempotent start seen before).
    Created { session_id: SessionId, replayed: bool },
    /// 201 for a downloaded session, with the events it stored now.
    Downloaded {
        session_id: SessionId,
        replayed: bool,
        events: u64,
    },
    /// 204: the event is stored, now or by an earlier try.
    EventAccepted(Appended),
    /// 204: a CORS preflight.
    Preflight,
    /// 200: a JSON Schema.
    Schema(&'static str),
}

/// Which kind of route a request took, for the layers that care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// `POST /api/v1/sessions` with an object body: a single start.
    Sessions,
    /// A downloaded session, on either route.
    Downloaded,
    /// `POST /api/v1/sessions/{id}/events`.
    Events,
    /// Anything else: preflights, schemas, other methods, unknown paths.
    Other,
}

impl RouteKind {
    /// The name a kept call is filed under (`sessions`, `events`, `downloaded`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sessions => "sessions",
            Self::Downloaded => "downloaded",
            Self::Events => "events",
            Self::Other => "other",
        }
    }
}

/// Everything the layers report about one request.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub route: RouteKind,
    pub status: StatusCode,
    /// A POST on one of the routes that store calls.
    pub stores_calls: bool,
    /// The session a 201 names.
    pub session_id: Option<SessionId>,
    /// The 201 repeats an earlier start (`Idempotent-Replayed: true`).
    pub replayed: bool,
    /// A session was written now (a start or a downloaded session).
    pub session_created: bool,
    /// A downloaded session was written now, with this many events.
    pub downloaded_events: Option<u64>,
    /// An event was written now.
    pub event_stored: bool,
    /// An event was a retry of one already stored.
    pub duplicate: bool,
    pub preflight: bool,
    /// The error's stable name, on failure.
    pub error_kind: Option<&'static str>,
    /// The store was called and failed; what it said (for the log, never the client).
    pub store_error: Option<String>,
    pub store_latency: Option<Duration>,
    /// Whether the refusal was kept (set by the keeper of refused calls).
    pub keep: Keep,
}

impl Outcome {
    /// The outcome of `result` for the request of `exchange` on `route`, and its HTTP answer.
    pub(crate) fn of(
        exchange: &Exchange<'_>,
        route: RouteKind,
        result: Result<Answer, ApiError>,
    ) -> (Self, Response<Body>) {
        let mut outcome = Self {
            route,
            status: StatusCode::OK,
            stores_calls: route != RouteKind::Other && exchange.request.method == Some(Method::POST),
            session_id: None,
            replayed: false,
            session_created: false,
            downloaded_events: None,
            event_stored: false,
            duplicate: false,
            preflight: false,
            error_kind: None,
            store_error: None,
            store_latency: exchange.store_latency(),
            keep: Keep::NotApplicable,
        };
        let response = match result {
            Ok(Answer::Created { session_id, replayed }) => {
                let response = created(&session_id, replayed);
                outcome.session_created = !replayed;
                outcome.replayed = replayed;
                outcome.session_id = Some(session_id);
                response
            }
            Ok(Answer::Downloaded {
                session_id,
                replayed,
                events,
            }) => {
                let response = created(&session_id, replayed);
                outcome.session_created = !replayed;
                outcome.replayed = replayed;
                outcome.downloaded_events = (!replayed).then_some(events);
                outcome.session_id = Some(session_id);
                response
            }
            Ok(Answer::EventAccepted(appended)) => {
                outcome.event_stored = appended == Appended::Stored;
                outcome.duplicate = appended == Appended::Duplicate;
                no_content()
            }
            Ok(Answer::Preflight) => {
                outcome.preflight = true;
                no_content()
            }
            Ok(Answer::Schema(schema)) => schema_document(schema),
            Err(error) => {
                outcome.error_kind = Some(error.kind());
                outcome.store_error = error.store_failure();
                error.into_response()
            }
        };
        outcome.status = response.status();
        (outcome, response)
    }

    /// The answer to a request whose handling panicked.
    pub(crate) fn panicked(exchange: &Exchange<'_>) -> (Self, Response<Body>) {
        let route = RouteKind::of(exchange);
        Self::of(
            exchange,
            route,
            Err(ApiError::Panicked {
                request_id: exchange.ids.stored().to_owned(),
            }),
        )
    }
}

impl RouteKind {
    /// The kind of route `exchange`'s request takes, by path and body.
    pub(crate) fn of(exchange: &Exchange<'_>) -> Self {
        match Route::of(exchange.request) {
            Route::Sessions if super::downloaded::is_array_body(exchange.request) => Self::Downloaded,
            Route::Sessions => Self::Sessions,
            Route::Downloaded => Self::Downloaded,
            Route::SessionEvents(_) => Self::Events,
            Route::Schema(_) | Route::NotFound => Self::Other,
        }
    }
}

/// Marks the answer to a repeated idempotent start.
const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

fn created(session_id: &SessionId, replayed: bool) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::CREATED;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    if let Ok(location) = HeaderValue::try_from(format!("/api/v1/sessions/{session_id}")) {
        headers.insert(LOCATION, location);
    }
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

fn schema_document(schema: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::Text(schema.to_owned()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/schema+json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(schema.len()));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
