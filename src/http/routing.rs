//! Which resource a request is for, and which methods that resource
//! answers. The function finds the API's root itself: a route is recognised
//! by the last segments of the path, whatever comes before them — a named
//! stage (`/prod`), a custom domain's base path mapping (`/media`, which a
//! REST API keeps in `path`), an ALB rule's prefix, or a `{proxy+}`
//! resource. So the same request routes the same through every front door,
//! with no setting to keep in step with the deployment.

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

/// A route's path below the API's root, segment by segment; [`PARAMETER`]
/// stands for any non-empty segment.
type Pattern = &'static [&'static str];

const PARAMETER: &str = "{}";

/// The route a pattern names, given the segment that matched its parameter.
type Make = for<'a> fn(&'a str) -> Route<'a>;

/// Every resource: its path pattern below the root, and the route it is,
/// given the segment that matched its parameter (if it has one). Add a
/// route here, with its `allow` and `pattern` below.
const ROUTES: &[(Pattern, Make)] = &[
    (&["api", "v1", "sessions"], |_| Route::Sessions),
    (&["api", "v1", "downloaded"], |_| Route::Downloaded),
    (&["api", "v1", "sessions", PARAMETER, "events"], |id| {
        Route::SessionEvents(id)
    }),
    (&["api", "v1", "schemas", PARAMETER], |event_type| {
        Route::Schema(event_type)
    }),
];

impl<'a> Route<'a> {
    pub fn of(request: &'a ApiRequest) -> Self {
        Self::of_path(&request.path)
    }

    /// The route whose pattern the path ends with; exactly one trailing `/`
    /// is accepted. Anything may come before the pattern, so long as it
    /// ends at a segment boundary (`/prodapi/v1/sessions` is no route).
    pub fn of_path(path: &'a str) -> Self {
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&'a str> = path.split('/').collect();
        ROUTES
            .iter()
            .find_map(|(pattern, route)| {
                // The path is absolute: the segment before the pattern is
                // the root's `""` or the prefix's last one, never missing.
                let start = segments.len().checked_sub(pattern.len()).filter(|start| *start > 0)?;
                let mut parameter = "";
                for (segment, expected) in segments[start..].iter().zip(pattern.iter()) {
                    if *expected == PARAMETER {
                        if segment.is_empty() {
                            return None;
                        }
                        parameter = segment;
                    } else if segment != expected {
                        return None;
                    }
                }
                Some(route(parameter))
            })
            .unwrap_or(Self::NotFound)
    }

    /// The `Allow` header of a 405 on this resource.
    pub fn allow(&self) -> &'static str {
        match self {
            // Older clients fetch schemas with POST.
            Self::Schema(_) => "GET, OPTIONS, POST",
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
    use super::*;

    fn route_of(path: &str) -> String {
        format!("{:?}", Route::of_path(path))
    }

    #[test]
    fn paths_route_by_their_last_segments() {
        for (path, route) in [
            ("/api/v1/sessions", "Sessions"),
            ("/api/v1/sessions/", "Sessions"),
            ("/api/v1/downloaded", "Downloaded"),
            ("/prod/api/v1/downloaded/", "Downloaded"),
            ("/media/api/v1/downloaded", "Downloaded"),
            // A named stage, a base path mapping, an ALB prefix, several segments.
            ("/prod/api/v1/sessions", "Sessions"),
            ("/media/api/v1/sessions/", "Sessions"),
            ("/collector/v2/api/v1/sessions", "Sessions"),
            ("//api/v1/sessions", "Sessions"),
            ("/api/v1/sessions/api/v1/sessions", "Sessions"),
            ("/api/v1/sessions/abc/events", "SessionEvents(\"abc\")"),
            ("/prod/api/v1/sessions/abc/events/", "SessionEvents(\"abc\")"),
            ("/media/api/v1/schemas/play", "Schema(\"play\")"),
            ("/api/v1/schemas/play", "Schema(\"play\")"),
            ("/api/v1/sessions//", "NotFound"),
            ("/api/v1/sessions//events", "NotFound"),
            ("/api/v1/sessions/abc", "NotFound"),
            ("/api/v1/sessions/abc/events/extra", "NotFound"),
            ("/api/v1/schemas/", "NotFound"),
            ("/prodapi/v1/sessions", "NotFound"),
            ("/api/v1/sessionsx", "NotFound"),
            ("api/v1/sessions", "NotFound"),
            ("/v1/sessions", "NotFound"),
            ("/API/V1/SESSIONS", "NotFound"),
            ("/", "NotFound"),
            ("", "NotFound"),
        ] {
            assert_eq!(route_of(path), route, "{path}");
        }
    }
}
