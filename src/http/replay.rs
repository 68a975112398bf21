//! A kept call replayed through the routes, exactly as the function would
//! have taken it then: the same request rebuilt from what was kept (route,
//! body, headers, request id), judged at its original arrival, stored with
//! `replayedAt`. Only the routes run: no CORS, no log line, and a call still
//! refused is not kept again (its kept copy stays). Used by
//! `media-collector-replay`.

use lambda_http::Body;
use lambda_http::http::header::{CONTENT_TYPE, ORIGIN, USER_AGENT};
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue, Method};
use lambda_runtime::tower::Service;
use time::OffsetDateTime;

use super::envelope::{ApiRequest, RawBody, Source};
use super::exchange::Exchange;
use super::outcome::Outcome;

/// [`super::IDEMPOTENCY_KEY`], as a header name is written (lower case).
const IDEMPOTENCY_HEADER: &str = "idempotency-key";
use super::App;
use super::routes::Routes;
use crate::domain::RefusedCall;
use crate::store::{DownloadedStore, EventStore, RefusedStore, SessionStore};

impl<S: SessionStore + EventStore + DownloadedStore + RefusedStore> App<S> {
    /// Replays `call` at `replayed_at`: what it came to, and the answer's body.
    pub async fn replay(&self, call: &RefusedCall, replayed_at: OffsetDateTime) -> (Outcome, String) {
        let request = request_of(call);
        let exchange = Exchange::replaying(&request, call.received_at, replayed_at);
        let handled = match (Routes { app: self }).call(&exchange).await {
            Ok(handled) => handled,
            Err(never) => match never {},
        };
        let body = match handled.response.body() {
            Body::Text(text) => text.clone(),
            _ => String::new(),
        };
        (handled.outcome, body)
    }
}

/// The request a kept call was, as an HTTP API request of its route.
fn request_of(call: &RefusedCall) -> ApiRequest {
    let path = match (call.route, &call.session_id) {
        ("events", Some(id)) => format!("/api/v1/sessions/{id}/events"),
        ("events", None) => "/api/v1/sessions//events".to_owned(),
        ("downloaded", _) => "/api/v1/downloaded".to_owned(),
        _ => "/api/v1/sessions".to_owned(),
    };
    let mut headers = HeaderMap::new();
    let mut unreadable_headers = Vec::new();
    for (name, value) in [
        (CONTENT_TYPE, &call.content_type),
        (ORIGIN, &call.origin),
        (USER_AGENT, &call.user_agent),
        (HeaderName::from_static(IDEMPOTENCY_HEADER), &call.idempotency_key),
    ] {
        let Some(value) = value else { continue };
        // Set aside as the envelope sets it aside: bytes that were not text.
        match HeaderValue::from_str(value) {
            Ok(readable) if !value.contains('\u{FFFD}') => {
                headers.insert(name, readable);
            }
            _ => unreadable_headers.push((name.as_str().to_owned(), value.clone())),
        }
    }
    ApiRequest {
        source: Source::HttpApi,
        method: Some(Method::POST),
        path,
        headers,
        unreadable_headers,
        body: RawBody::Bytes(call.body.clone()),
        api_request_id: Some(call.request_id.clone()),
        lambda_request_id: call.request_id.clone(),
    }
}
