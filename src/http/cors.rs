//! CORS: which origins may read our answers, and the headers that
//! say so. Every answer carries them, errors included, or a browser would
//! hide the error from the player.

use lambda_http::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderMap, HeaderValue, VARY,
};

/// How long a browser may cache a preflight answer: two hours, the most
/// Chromium honours.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "7200";

/// `CORS_ALLOW_ORIGIN`: `*`, or a comma-separated list of origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    /// Origins such as `https://player.example.com`, compared case-insensitively.
    List(Vec<String>),
}

impl AllowedOrigins {
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.trim() == "*" {
            return Ok(Self::Any);
        }
        let origins: Vec<String> = value.split(',').map(|origin| origin.trim().to_owned()).collect();
        for origin in &origins {
            if origin == "*" {
                return Err("* allows every origin and cannot be part of a list".to_owned());
            }
            if !is_origin(origin) {
                return Err(format!(
                    "{origin:?} is not an origin; expected * or a comma-separated list such as https://player.example.com"
                ));
            }
        }
        Ok(Self::List(origins))
    }

    /// The CORS headers for an answer to a request from `origin`.
    pub fn headers(&self, origin: Option<&HeaderValue>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        match self {
            Self::Any => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            }
            Self::List(allowed) => {
                // A cache must not serve one origin's answer to another.
                headers.insert(VARY, HeaderValue::from_static("Origin"));
                let sent = origin.and_then(|origin| origin.to_str().ok());
                if let Some(origin) = origin.filter(|_| {
                    sent.is_some_and(|sent| allowed.iter().any(|allowed| allowed.eq_ignore_ascii_case(sent)))
                }) {
                    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                }
            }
        }
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("OPTIONS,POST,PUT"),
        );
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Location"));
        headers
    }

    /// The headers of a preflight answer: the usual ones, the request
    /// headers a client may send (an idempotent start adds one), and how
    /// long to cache the answer.
    pub fn preflight_headers(&self, origin: Option<&HeaderValue>) -> HeaderMap {
        let mut headers = self.headers(origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type, Idempotency-Key"),
        );
        headers.insert(
            ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
        );
        headers
    }
}

/// `scheme://host[:port]`, nothing after it.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host_ok = !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '@']);
    scheme_ok && host_ok && HeaderValue::from_str(value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_origin_is_echoed_and_others_are_not() {
        let origins = AllowedOrigins::parse("https://a.example, https://b.example:8443").unwrap();
        let echoed = origins.headers(Some(&HeaderValue::from_static("https://B.example:8443")));
        assert_eq!(echoed[ACCESS_CONTROL_ALLOW_ORIGIN], "https://B.example:8443");
        assert_eq!(echoed[VARY], "Origin");
        let refused = origins.headers(Some(&HeaderValue::from_static("https://evil.example")));
        assert!(!refused.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        assert_eq!(refused[VARY], "Origin");
    }

    #[test]
    fn lists_must_hold_origins() {
        assert!(AllowedOrigins::parse("https://a.example/path").is_err());
        assert!(AllowedOrigins::parse("https://a.example,*").is_err());
        assert!(AllowedOrigins::parse("https://a.example,").is_err());
        assert_eq!(AllowedOrigins::parse("*"), Ok(AllowedOrigins::Any));
    }
}
