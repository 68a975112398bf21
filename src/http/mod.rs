//! The Lambda adapter: turns an API Gateway, Function URL or ALB request
//! into a call on the domain and the store, and the outcome into an HTTP
//! answer with CORS headers. It never panics out and never returns a Lambda
//! error (API Gateway would turn that into a 502).

mod body;
mod cors;
mod problem;
mod routing;

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures_util::FutureExt;
use lambda_http::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, ORIGIN};
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use time::OffsetDateTime;

use crate::config::Config;
use crate::domain::{SessionId, SessionRecord, SessionStart};
use crate::store::SessionStore;

pub use cors::AllowedOrigins;
pub use problem::ApiError;
pub use routing::Route;

/// What every request needs: the settings and the store, built once.
#[derive(Debug)]
pub struct App<S> {
    pub config: Config,
    pub store: S,
}

impl<S: SessionStore> App<S> {
    pub fn new(config: Config, store: S) -> Self {
        Self { config, store }
    }

    /// Answers one request, and logs one line about it.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let ids = RequestIds::of(&request);
        let method = request.method().clone();
        let path = request.raw_http_path().to_owned();
        let origin = request.headers().get(ORIGIN).cloned();

        let outcome = AssertUnwindSafe(self.answer(request, &ids))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::Panicked {
                    request_id: ids.stored().to_owned(),
                })
            });

        let (mut response, session_id, error_kind) = match outcome {
            Ok(Answer::Created(session_id)) => (created(&session_id), Some(session_id), None),
            Ok(Answer::Preflight) => (preflight(), None, None),
            Err(error) => {
                if let ApiError::NotStored { source, .. } = &error {
                    tracing::error!(request_id = %ids.lambda, error = %source, "session not stored");
                }
                let kind = error.kind();
                (error.into_response(), None, Some(kind))
            }
        };
        let cors = if response.status() == StatusCode::NO_CONTENT {
            self.config.allowed_origins.preflight_headers(origin.as_ref())
        } else {
            self.config.allowed_origins.headers(origin.as_ref())
        };
        response.headers_mut().extend(cors);

        tracing::info!(
            request_id = %ids.lambda,
            api_request_id = ids.api.as_deref().unwrap_or("-"),
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            session_id = session_id.as_ref().map(SessionId::as_str),
            error = error_kind,
            "request",
        );
        response
    }

    async fn answer(&self, request: Request, ids: &RequestIds) -> Result<Answer, ApiError> {
        if Route::of(&request) == Route::NotFound {
            return Err(ApiError::NotFound);
        }
        match *request.method() {
            Method::POST => self.create_session(&request, ids).await.map(Answer::Created),
            Method::OPTIONS => Ok(Answer::Preflight),
            _ => Err(ApiError::MethodNotAllowed),
        }
    }

    async fn create_session(&self, request: &Request, ids: &RequestIds) -> Result<SessionId, ApiError> {
        let text = body::text(request.headers(), request.body(), self.config.max_body_bytes)?;
        let start = SessionStart::parse(&text)?;
        let record = SessionRecord::new(
            start,
            ids.stored().to_owned(),
            OffsetDateTime::now_utc(),
            self.config.session_ttl_days,
        );
        self.store.create(&record).await.map_err(|source| ApiError::NotStored {
            source,
            request_id: ids.stored().to_owned(),
        })?;
        Ok(record.session_id)
    }
}

enum Answer {
    Created(SessionId),
    Preflight,
}

/// The ids that tie a request to its logs: Lambda's, and API Gateway's
/// when the event came through it.
struct RequestIds {
    lambda: String,
    api: Option<String>,
}

impl RequestIds {
    fn of(request: &Request) -> Self {
        let lambda = request
            .lambda_context_ref()
            .map(|context| context.request_id.clone())
            .unwrap_or_default();
        let api = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.request_id.clone(),
            Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
            _ => None,
        }
        .filter(|id| !id.is_empty());
        Self { lambda, api }
    }

    /// The id stored with the session and shown in a 500: API Gateway's, the
    /// one its client and access logs see, else Lambda's.
    fn stored(&self) -> &str {
        self.api.as_deref().unwrap_or(&self.lambda)
    }
}

fn created(session_id: &SessionId) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::CREATED;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    if let Ok(location) = HeaderValue::try_from(format!("/api/v1/sessions/{session_id}")) {
        headers.insert(LOCATION, location);
    }
    response
}

fn preflight() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
