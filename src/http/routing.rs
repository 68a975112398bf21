//! Which resource a request is for (SPEC §1), relative to the API's root,
//! whatever the event source and stage.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

const SESSIONS: &str = "/api/v1/sessions";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Sessions,
    NotFound,
}

impl Route {
    pub fn of(request: &Request) -> Self {
        let raw_path = request.raw_http_path();
        let path = if raw_path.is_empty() {
            request.uri().path()
        } else {
            raw_path
        };
        let stage = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.stage.as_deref(),
            Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
            _ => None,
        };
        let path = path.strip_suffix('/').unwrap_or(path);
        // An HTTP API on a named stage puts the stage in the path; a REST API
        // does not. Accepting both forms also keeps a stage that happens to
        // be called `api` routable.
        let unstaged = stage
            .filter(|stage| *stage != "$default")
            .and_then(|stage| path.strip_prefix('/').and_then(|rest| rest.strip_prefix(stage)));
        if path == SESSIONS || unstaged == Some(SESSIONS) {
            Self::Sessions
        } else {
            Self::NotFound
        }
    }
}
