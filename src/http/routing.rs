//! Which resource a request is for, relative to the API's root, whatever the
//! event source and stage.

use super::envelope::ApiRequest;

const SESSIONS: &str = "/api/v1/sessions";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Sessions,
    NotFound,
}

impl Route {
    pub fn of(request: &ApiRequest) -> Self {
        let path = request.path.as_str();
        let path = path.strip_suffix('/').unwrap_or(path);
        // An HTTP API on a named stage puts the stage in the path; a REST API
        // does not. Accepting both forms also keeps a stage that happens to
        // be called `api` routable.
        let unstaged = request
            .stage
            .as_deref()
            .filter(|stage| *stage != "$default")
            .and_then(|stage| path.strip_prefix('/').and_then(|rest| rest.strip_prefix(stage)));
        if path == SESSIONS || unstaged == Some(SESSIONS) {
            Self::Sessions
        } else {
            Self::NotFound
        }
    }
}
