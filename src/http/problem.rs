//! Every way a request can fail, and the one place where each becomes an
//! HTTP answer: an RFC 9457 `application/problem+json` document.

use lambda_http::http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::domain::{GoneReason, InvalidBody};
use crate::store::StoreError;

/// The request header of an idempotent session start.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no such resource")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The `Allow` header: the resource's methods.
        allow: &'static str,
        /// The resource's path pattern.
        resource: &'static str,
    },
    #[error("no schema for this event type")]
    NoSuchSchema,
    #[error("unsupported media type {0:?}")]
    UnsupportedMediaType(String),
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("downloaded session of {calls} calls, over {limit}")]
    TooManyCalls { limit: usize, calls: usize },
    #[error("body is not UTF-8")]
    NotUtf8 { valid_up_to: usize },
    #[error("body is marked base64 but is not")]
    NotBase64,
    #[error(transparent)]
    InvalidBody(#[from] InvalidBody),
    #[error("malformed Idempotency-Key: {0}")]
    InvalidIdempotencyKey(String),
    #[error("the Idempotency-Key was used with another body")]
    IdempotencyKeyReused,
    #[error("no session has this id")]
    UnknownSession,
    #[error("the session no longer takes events: {0}")]
    SessionGone(GoneReason),
    #[error("session not stored: {source}")]
    NotStored { source: StoreError, request_id: String },
    #[error("event not stored: {source}")]
    EventNotStored { source: StoreError, request_id: String },
    #[error("the handler panicked")]
    Panicked { request_id: String },
}

impl ApiError {
    /// A short, stable name for the log line.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::NoSuchSchema => "no_such_schema",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooLarge { .. } => "body_too_large",
            Self::TooManyCalls { .. } => "too_many_calls",
            Self::NotUtf8 { .. } => "body_not_utf8",
            Self::NotBase64 => "body_not_base64",
            Self::InvalidBody(_) => "invalid_body",
            Self::InvalidIdempotencyKey(_) => "invalid_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::UnknownSession => "session_not_found",
            Self::SessionGone(_) => "session_gone",
            Self::NotStored { source, .. } => source.kind(),
            Self::EventNotStored { source, .. } => source.kind(),
            Self::Panicked { .. } => "panic",
        }
    }

    /// What the store said when it failed (for the log line, never the client).
    pub fn store_failure(&self) -> Option<String> {
        match self {
            Self::NotStored { source, .. } => Some(source.to_string()),
            Self::EventNotStored { source, .. } => Some(source.to_string()),
            _ => None,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::NoSuchSchema | Self::UnknownSession => StatusCode::NOT_FOUND,
            Self::SessionGone(_) => StatusCode::GONE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType(_)
            | Self::NotUtf8 { .. }
            | Self::NotBase64
            | Self::InvalidBody(_)
            | Self::InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } | Self::TooManyCalls { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotStored { .. } | Self::EventNotStored { .. } | Self::Panicked { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The problem document. Internals (store errors, panics) never show.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        let mut problem = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
        });
        let (detail, errors) = match &self {
            Self::NotFound => (
                "no such resource; sessions are created with POST /api/v1/sessions".to_owned(),
                None,
            ),
            Self::MethodNotAllowed { allow, resource } => (format!("{resource} accepts {allow}"), None),
            Self::NoSuchSchema => (
                format!(
                    "no schema for this event type; schemas exist for {}",
                    super::event_types().collect::<Vec<_>>().join(", ")
                ),
                None,
            ),
            Self::UnsupportedMediaType(sent) => {
                let detail = format!(
                    "Content-Type {sent:?} is not accepted; send application/json, application/*+json or text/plain"
                );
                (detail.clone(), Some(vec![at_body(detail)]))
            }
            Self::TooLarge { limit } => (format!("the body is larger than {limit} bytes"), None),
            Self::TooManyCalls { limit, calls } => (
                format!("the downloaded session has {calls} calls; at most {limit} are accepted in one"),
                None,
            ),
            Self::NotUtf8 { valid_up_to } => {
                let detail = format!("the body is not valid UTF-8 (invalid byte at offset {valid_up_to})");
                (detail.clone(), Some(vec![at_body(detail)]))
            }
            Self::NotBase64 => {
                let detail =
                    "the body is marked as base64-encoded (isBase64Encoded) but is not valid base64".to_owned();
                (detail.clone(), Some(vec![at_body(detail)]))
            }
            Self::InvalidBody(invalid) => (
                invalid.to_string(),
                Some(
                    invalid
                        .errors()
                        .iter()
                        .map(|error| json!({ "pointer": error.pointer, "detail": error.detail }))
                        .collect(),
                ),
            ),
            Self::InvalidIdempotencyKey(detail) => (
                format!("the Idempotency-Key header {detail}"),
                Some(vec![json!({ "header": IDEMPOTENCY_KEY, "detail": detail })]),
            ),
            Self::IdempotencyKeyReused => (
                "this Idempotency-Key was already used to start a session with a different body; \
                 send a new key for a new session, or the same body to get the same session"
                    .to_owned(),
                None,
            ),
            Self::UnknownSession => (
                "no session has this id; start a new session with POST /api/v1/sessions".to_owned(),
                None,
            ),
            Self::SessionGone(reason) => {
                problem["reason"] = json!(reason.as_str());
                (
                    format!(
                        "{}; start a new session with POST /api/v1/sessions",
                        gone_detail(*reason)
                    ),
                    None,
                )
            }
            Self::NotStored { request_id, .. } | Self::Panicked { request_id } => {
                problem["requestId"] = json!(request_id);
                (
                    format!("the session could not be stored; request id {request_id}"),
                    None,
                )
            }
            Self::EventNotStored { request_id, .. } => {
                problem["requestId"] = json!(request_id);
                (format!("the event could not be stored; request id {request_id}"), None)
            }
        };
        problem["detail"] = json!(detail);
        if let Some(errors) = errors {
            problem["errors"] = Value::Array(errors);
        }

        let body = problem.to_string();
        let length = body.len();
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        if let Self::MethodNotAllowed { allow, .. } = self {
            headers.insert(ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// Why a session no longer takes events, in words (`reason` has the keyword).
fn gone_detail(reason: GoneReason) -> &'static str {
    match reason {
        GoneReason::Ended => "the session ended: a sessionEnd was accepted",
        GoneReason::Idle => "the session was idle: no event was accepted within its idle timeout",
        GoneReason::Expired => "the session expired: it is older than its maximum age",
        GoneReason::Stalled => "the session stalled: its playhead has not moved within its stall timeout",
    }
}

/// An error about the body as a whole.
fn at_body(detail: String) -> Value {
    json!({ "pointer": "", "detail": detail })
}
