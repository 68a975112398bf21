//! The Lambda adapter: turns an API Gateway, Function URL, ALB or VPC
//! Lattice request into a call on the domain and the store, and the outcome into an HTTP
//! answer with CORS headers. It never panics out and never returns a Lambda
//! error (API Gateway would turn that into a 502).

mod body;
mod cors;
mod downloaded;
mod envelope;
mod payload;
mod problem;
mod response;
mod routing;
mod schemas;

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use lambda_http::http::header::{
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_HEADERS, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE,
    LOCATION, ORIGIN,
};
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::Config;
use crate::domain::{
    DownloadedRoute, EventRecord, Fingerprint, IdempotencyKey, SessionEvent, SessionId, SessionRecord, SessionStart,
    single_start,
};
use crate::metrics::{MetricsSink, RequestOutcome};
use crate::store::{Appended, Created, DownloadedStore, EventStore, SessionStore, StoreError};

pub use cors::AllowedOrigins;
pub use downloaded::{ANSWER_MARGIN, invocation_deadline};
pub use envelope::{ApiRequest, NotHttp, RawBody, Source};
pub use payload::{RepairLayer, Repaired, repair};
pub use problem::{ApiError, IDEMPOTENCY_KEY};
pub use response::{LambdaResponse, LatticeResponse};
pub use routing::Route;
pub use schemas::{event_types, schema};

/// The longest path written to the log line; the rest is cut.
const LOGGED_PATH_CHARS: usize = 200;

/// What every request needs: the settings, the store of sessions and
/// events, and the metrics sink, built once.
#[derive(Debug)]
pub struct App<S> {
    pub config: Config,
    pub store: S,
    metrics: MetricsSink,
}

impl<S: SessionStore + EventStore + DownloadedStore> App<S> {
    /// An app whose metrics records go to stdout.
    pub fn new(config: Config, store: S) -> Self {
        Self::with_metrics(config, store, MetricsSink::stdout())
    }

    pub fn with_metrics(config: Config, store: S, metrics: MetricsSink) -> Self {
        Self { config, store, metrics }
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
    pub async fn handle(&self, request: ApiRequest) -> Response<Body> {
        self.handle_until(request, None).await
    }

    /// [`App::handle`] before `deadline`, as [`App::invoke_until`].
    pub async fn handle_until(&self, request: ApiRequest, deadline: Option<Instant>) -> Response<Body> {
        let started = Instant::now();
        let ids = RequestIds::of(&request);
        let mut store_latency = None;
        let outcome = AssertUnwindSafe(self.answer(&request, &ids, deadline, &mut store_latency))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::Panicked {
                    request_id: ids.stored().to_owned(),
                })
            });

        let preflight_answer = matches!(outcome, Ok(Answer::Preflight));
        let replayed = matches!(
            outcome,
            Ok(Answer::Created { replayed: true, .. } | Answer::Downloaded { replayed: true, .. })
        );
        let (downloaded_session, downloaded_events) = match &outcome {
            Ok(Answer::Downloaded {
                replayed: false,
                events,
                ..
            }) => (true, *events),
            _ => (false, 0),
        };
        let event_stored = matches!(outcome, Ok(Answer::EventAccepted(Appended::Stored)));
        let duplicate = matches!(outcome, Ok(Answer::EventAccepted(Appended::Duplicate)));
        let mut store_failed = false;
        let (mut response, session_id, error_kind) = match outcome {
            Ok(
                Answer::Created { session_id, replayed }
                | Answer::Downloaded {
                    session_id, replayed, ..
                },
            ) => (created(&session_id, replayed), Some(session_id), None),
            Ok(Answer::Preflight | Answer::EventAccepted(_)) => (no_content(), None, None),
            Ok(Answer::Schema(schema)) => (schema_document(schema), None, None),
            Err(error) => {
                match &error {
                    ApiError::NotStored { source, .. } => {
                        tracing::error!(request_id = %ids.lambda, error = %source, "session not stored");
                        store_failed = true;
                    }
                    ApiError::EventNotStored { source, .. } => {
                        tracing::error!(request_id = %ids.lambda, error = %source, "event not stored");
                        store_failed = true;
                    }
                    _ => {}
                }
                let kind = error.kind();
                (error.into_response(), None, Some(kind))
            }
        };
        let origin = request.headers.get(ORIGIN);
        let cors = if preflight_answer {
            self.config
                .allowed_origins
                .preflight_headers(origin, request.headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS))
        } else {
            self.config.allowed_origins.headers(origin)
        };
        response.headers_mut().extend(cors);
        if replayed {
            // A browser may read the replay marker too.
            response.headers_mut().insert(
                ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("Location, Idempotent-Replayed"),
            );
        }

        tracing::info!(
            request_id = %ids.lambda,
            api_request_id = ids.api.unwrap_or("-"),
            method = request.method.as_ref().map_or("-", Method::as_str),
            path = %logged_path(&request.path),
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            session_id = session_id.as_ref().map(SessionId::as_str),
            duplicate = duplicate.then_some(true),
            error = error_kind,
            "request",
        );
        self.metrics.record(&RequestOutcome {
            request_id: ids.lambda.to_owned(),
            status: response.status().as_u16(),
            session_created: session_id.is_some() && !replayed,
            event_accepted: event_stored,
            downloaded_session,
            downloaded_events,
            store_failed,
            store_latency,
        });
        response
    }

    /// The answer; `store_latency` is set when the store was called.
    async fn answer(
        &self,
        request: &ApiRequest,
        ids: &RequestIds<'_>,
        deadline: Option<Instant>,
        store_latency: &mut Option<Duration>,
    ) -> Result<Answer, ApiError> {
        let route = Route::of(request);
        match (route, &request.method) {
            (Route::NotFound, _) => Err(ApiError::NotFound),
            (_, Some(Method::OPTIONS)) => Ok(Answer::Preflight),
            (Route::Sessions, Some(Method::POST)) if downloaded::is_array_body(request) => {
                self.create_downloaded(DownloadedRoute::Sessions, request, ids, deadline, store_latency)
                    .await
            }
            (Route::Sessions, Some(Method::POST)) => self.create_session(request, ids, store_latency).await,
            (Route::Downloaded, Some(Method::POST)) => {
                self.create_downloaded(DownloadedRoute::Downloaded, request, ids, deadline, store_latency)
                    .await
            }
            (Route::SessionEvents(session_id), Some(Method::POST)) => {
                self.append_event(session_id, request, ids, store_latency).await
            }
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

    async fn create_session(
        &self,
        request: &ApiRequest,
        ids: &RequestIds<'_>,
        store_latency: &mut Option<Duration>,
    ) -> Result<Answer, ApiError> {
        let text = body::text(request, self.config.max_body_bytes)?;
        let key = idempotency_key(request)?;
        let body = SessionStart::json(text)?;
        let start = single_start(&body)?;
        let mut record = SessionRecord::new(
            start,
            ids.stored().to_owned(),
            OffsetDateTime::now_utc(),
            self.config.session_ttl_days,
        );
        if let Some(key) = key {
            record = record.idempotent(&key, Fingerprint::of(&body));
        }
        let started = Instant::now();
        let stored = self.store.create(&record).await;
        *store_latency = Some(started.elapsed());
        let replayed = replayed(stored, ids.stored())?;
        Ok(Answer::Created {
            session_id: record.session_id,
            replayed,
        })
    }
}

impl<S: EventStore> App<S> {
    /// Checked in this order: the body (400), the id and the session (404,
    /// 410), then the write.
    async fn append_event(
        &self,
        session_id: &str,
        request: &ApiRequest,
        ids: &RequestIds<'_>,
        store_latency: &mut Option<Duration>,
    ) -> Result<Answer, ApiError> {
        let text = body::text(request, self.config.max_body_bytes)?;
        let event = SessionEvent::parse(text)?;
        let session_id = SessionId::parse(session_id).ok_or(ApiError::UnknownSession)?;
        let record = EventRecord::new(session_id, event, ids.stored().to_owned(), OffsetDateTime::now_utc());
        let started = Instant::now();
        let appended = self.store.append(&record, &self.config.session_policy).await;
        *store_latency = Some(started.elapsed());
        match appended {
            Ok(appended) => Ok(Answer::EventAccepted(appended)),
            Err(StoreError::UnknownSession) => Err(ApiError::UnknownSession),
            Err(StoreError::Gone(reason)) => Err(ApiError::SessionGone(reason)),
            Err(source) => Err(ApiError::EventNotStored {
                source,
                request_id: ids.stored().to_owned(),
            }),
        }
    }
}

/// The request's `Idempotency-Key`, if it sent one.
fn idempotency_key(request: &ApiRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let sent = request
        .headers
        .get(IDEMPOTENCY_KEY)
        .map(HeaderValue::as_bytes)
        .or_else(|| {
            request
                .unreadable_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
                .map(|(_, value)| value.as_bytes())
        });
    sent.map(IdempotencyKey::parse)
        .transpose()
        .map_err(ApiError::InvalidIdempotencyKey)
}

enum Answer {
    Created {
        session_id: SessionId,
        replayed: bool,
    },
    /// 201 for a downloaded session, with the events it stored now.
    Downloaded {
        session_id: SessionId,
        replayed: bool,
        events: u64,
    },
    /// 204: the event is stored, now or by an earlier try.
    EventAccepted(Appended),
    Preflight,
    Schema(&'static str),
}

/// The ids that tie a request to its logs: Lambda's, and API Gateway's
/// when the event came through it.
struct RequestIds<'a> {
    lambda: &'a str,
    api: Option<&'a str>,
}

impl<'a> RequestIds<'a> {
    fn of(request: &'a ApiRequest) -> Self {
        Self {
            lambda: &request.lambda_request_id,
            api: request.api_request_id.as_deref(),
        }
    }

    /// The id stored with the session and shown in a 500: API Gateway's, the
    /// one its client and access logs see, else Lambda's.
    fn stored(&self) -> &'a str {
        self.api.unwrap_or(self.lambda)
    }
}

/// The path as a client sent it, made safe for a log line: control
/// characters escaped, and cut at [`LOGGED_PATH_CHARS`].
fn logged_path(path: &str) -> String {
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

/// Whether a session write replayed an earlier one, or the error it answers.
fn replayed(stored: Result<Created, StoreError>, request_id: &str) -> Result<bool, ApiError> {
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

fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
