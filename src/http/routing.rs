//! Which resource a request is for, relative to the API's root, whatever the
//! event source and stage, and which methods that resource answers.

use super::envelope::ApiRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/api/v1/sessions`
    Sessions,
    /// `/api/v1/downloaded`
    Downloaded,
    /// `/api/v1/sessions/{sessionId}/events`, with the id as sent.
    SessionEvents(&'a str),
    /// `/api/v1/schemas/{eventType}`, with the type as sent.
    Schema(&'a str),
    NotFound,
}

impl<'a> Route<'a> {
    pub fn of(request: &'a ApiRequest) -> Self {
        let path = request.path.as_str();
        // Exactly one trailing `/` is accepted.
        let path = path.strip_suffix('/').unwrap_or(path);
        // An HTTP API on a named stage puts the stage in the path; a REST API
        // does not. Accepting both forms also keeps a stage that happens to
        // be called `api` routable.
        let unstaged = request
            .stage
            .as_deref()
            .filter(|stage| *stage != "$default")
            .and_then(|stage| path.strip_prefix('/').and_then(|rest| rest.strip_prefix(stage)))
            .filter(|rest| rest.starts_with('/'));
        match Self::of_path(path) {
            Self::NotFound => unstaged.map_or(Self::NotFound, Self::of_path),
            route => route,
        }
    }

    fn of_path(path: &'a str) -> Self {
        let Some(rest) = path.strip_prefix("/api/v1/") else {
            return Self::NotFound;
        };
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["sessions"] => Self::Sessions,
            ["downloaded"] => Self::Downloaded,
            ["sessions", id, "events"] if !id.is_empty() => Self::SessionEvents(id),
            ["schemas", name] if !name.is_empty() => Self::Schema(name),
            _ => Self::NotFound,
        }
    }

    /// The `Allow` header of a 405 on this resource.
    pub fn allow(&self) -> &'static str {
        match self {
            Self::Schema(_) => "GET, OPTIONS",
            _ => "OPTIONS, POST",
        }
    }

    /// The resource's path pattern, for messages.
    pub fn pattern(&self) -> &'static str {
        match self {
            Self::Sessions => "/api/v1/sessions",
            Self::Downloaded => "/api/v1/downloaded",
            Self::SessionEvents(_) => "/api/v1/sessions/{sessionId}/events",
            Self::Schema(_) => "/api/v1/schemas/{eventType}",
            Self::NotFound => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn route_of(path: &str, stage: &str) -> String {
        let event = json!({ "rawPath": path, "requestContext": { "http": { "method": "POST" }, "stage": stage } });
        let request = ApiRequest::from_event(&event, "").unwrap();
        format!("{:?}", Route::of(&request))
    }

    #[test]
    fn paths_route_relative_to_the_api_root() {
        for (path, stage, route) in [
            ("/api/v1/sessions", "$default", "Sessions"),
            ("/api/v1/sessions/", "$default", "Sessions"),
            ("/api/v1/downloaded", "$default", "Downloaded"),
            ("/prod/api/v1/downloaded/", "prod", "Downloaded"),
            ("/prod/api/v1/sessions", "prod", "Sessions"),
            ("/api/v1/sessions", "prod", "Sessions"),
            ("/api/v1/sessions/abc/events", "$default", "SessionEvents(\"abc\")"),
            ("/prod/api/v1/sessions/abc/events/", "prod", "SessionEvents(\"abc\")"),
            ("/api/v1/schemas/play", "$default", "Schema(\"play\")"),
            ("/api/v1/sessions//", "$default", "NotFound"),
            ("/api/v1/sessions//events", "$default", "NotFound"),
            ("/api/v1/sessions/abc", "$default", "NotFound"),
            ("/api/v1/schemas/", "$default", "NotFound"),
            ("/prod/api/v1/sessions", "$default", "NotFound"),
            ("/prodapi/v1/sessions", "prod", "NotFound"),
            ("/", "$default", "NotFound"),
        ] {
            assert_eq!(route_of(path, stage), route, "{path} on stage {stage}");
        }
    }
}
