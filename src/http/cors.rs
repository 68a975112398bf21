//! CORS: which origins may read our answers, and the headers that
//! say so. Every answer carries them, errors included, or a browser would
//! hide the error from the player. A preflight also allows every request
//! header it asks for: players set headers of their own, and a preflight
//! that leaves one out loses the whole session.

use crate::config::AllowedOrigins;
use lambda_http::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderMap, HeaderName, HeaderValue, VARY,
};

/// How long a browser may cache a preflight answer: two hours, the most
/// Chromium honours.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "7200";

/// The request headers a preflight always allows: the JSON body's type and
/// an idempotent start's key.
const BASE_ALLOWED_HEADERS: &str = "Content-Type, Idempotency-Key";

/// The longest `Access-Control-Request-Headers` echoed, in bytes; a browser
/// asks for a few short names.
const MAX_REQUESTED_HEADERS_BYTES: usize = 1024;

/// The most header names echoed.
const MAX_REQUESTED_HEADERS: usize = 32;

impl AllowedOrigins {
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
    /// headers a client may send (`Content-Type`, `Idempotency-Key` and
    /// whatever `requested`, the preflight's `Access-Control-Request-Headers`
    /// lines, asks for), and how long to cache the answer.
    pub fn preflight_headers<'a>(
        &self,
        origin: Option<&HeaderValue>,
        requested: impl IntoIterator<Item = &'a HeaderValue>,
    ) -> HeaderMap {
        let mut headers = self.headers(origin);
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allowed_headers(requested));
        // The answer depends on the requested headers: a shared cache must
        // not serve it to a preflight that asks for others.
        let vary = match self {
            Self::Any => "Access-Control-Request-Headers",
            Self::List(_) => "Origin, Access-Control-Request-Headers",
        };
        headers.insert(VARY, HeaderValue::from_static(vary));
        headers.insert(
            ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
        );
        headers
    }
}

/// `Access-Control-Allow-Headers` for a preflight: the base headers, then
/// each other name `requested` asks for, once, in lower case, in the order
/// asked. A request that is not a well-formed list of header names (RFC 9110
/// tokens separated by commas, blanks around them and empty elements
/// allowed), or is longer than [`MAX_REQUESTED_HEADERS_BYTES`] or
/// [`MAX_REQUESTED_HEADERS`] names, gets the base headers only: nothing of
/// it is echoed, and the browser then refuses the request.
fn allowed_headers<'a>(requested: impl IntoIterator<Item = &'a HeaderValue>) -> HeaderValue {
    let base = HeaderValue::from_static(BASE_ALLOWED_HEADERS);
    let Some(names) = requested_names(requested) else {
        return base;
    };
    let mut allowed = BASE_ALLOWED_HEADERS.to_owned();
    let mut echoed: Vec<HeaderName> = Vec::new();
    for name in names {
        let in_base = BASE_ALLOWED_HEADERS
            .split(", ")
            .any(|base| base.eq_ignore_ascii_case(name.as_str()));
        if in_base || echoed.contains(&name) {
            continue;
        }
        allowed.push_str(", ");
        allowed.push_str(name.as_str());
        echoed.push(name);
    }
    // Header names are visible ASCII: always a valid header value.
    HeaderValue::from_str(&allowed).unwrap_or(base)
}

/// The names in the `Access-Control-Request-Headers` lines, in lower case,
/// or `None` when they are malformed or too long.
fn requested_names<'a>(lines: impl IntoIterator<Item = &'a HeaderValue>) -> Option<Vec<HeaderName>> {
    let mut names = Vec::new();
    let mut bytes = 0;
    for line in lines {
        bytes += line.len();
        if bytes > MAX_REQUESTED_HEADERS_BYTES {
            return None;
        }
        for element in line.as_bytes().split(|&b| b == b',') {
            let name = element.trim_ascii();
            if name.is_empty() {
                continue;
            }
            // A header name is an RFC 9110 token; `http` checks it and
            // lowers its case.
            names.push(HeaderName::from_bytes(name).ok()?);
            if names.len() > MAX_REQUESTED_HEADERS {
                return None;
            }
        }
    }
    Some(names)
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

    /// The `Access-Control-Allow-Headers` of a preflight that asks for `requested`.
    fn allowed(requested: &[&str]) -> String {
        let lines: Vec<HeaderValue> = requested
            .iter()
            .map(|line| HeaderValue::from_str(line).unwrap())
            .collect();
        let headers = AllowedOrigins::Any.preflight_headers(None, &lines);
        headers[ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_owned()
    }

    #[test]
    fn a_preflight_allows_every_header_it_asks_for() {
        let base = "Content-Type, Idempotency-Key";
        let many: Vec<String> = (0..MAX_REQUESTED_HEADERS).map(|i| format!("x-h{i}")).collect();
        let too_many: Vec<String> = (0..=MAX_REQUESTED_HEADERS).map(|i| format!("x-h{i}")).collect();
        let long_name = "x".repeat(MAX_REQUESTED_HEADERS_BYTES - 1);
        let too_long_name = "x".repeat(MAX_REQUESTED_HEADERS_BYTES + 1);
        let cases: &[(&str, Vec<&str>, String)] = &[
            ("nothing asked", vec![], base.to_owned()),
            ("what Chromium asks", vec!["content-type"], base.to_owned()),
            (
                "an idempotent start",
                vec!["content-type,idempotency-key"],
                base.to_owned(),
            ),
            (
                "Firefox and Safari with a script-set User-Agent",
                vec!["content-type,user-agent"],
                format!("{base}, user-agent"),
            ),
            (
                "any case, echoed in lower case",
                vec!["Content-Type, X-Player-Version"],
                format!("{base}, x-player-version"),
            ),
            (
                "blanks and tabs around names",
                vec![" user-agent ,\tx-a\t"],
                format!("{base}, user-agent, x-a"),
            ),
            (
                "empty elements",
                vec![",user-agent,,x-a,"],
                format!("{base}, user-agent, x-a"),
            ),
            ("an empty value", vec![""], base.to_owned()),
            ("only commas and blanks", vec![" , ,"], base.to_owned()),
            (
                "duplicates, whatever their case",
                vec!["x-a,X-A,user-agent,x-a,CONTENT-TYPE"],
                format!("{base}, x-a, user-agent"),
            ),
            (
                "several lines",
                vec!["x-a", "user-agent,x-a"],
                format!("{base}, x-a, user-agent"),
            ),
            (
                "every tchar",
                vec!["!#$%&'*+-.^_`|~09az"],
                format!("{base}, !#$%&'*+-.^_`|~09az"),
            ),
            (
                "a blank inside a name",
                vec!["content-type,user agent"],
                base.to_owned(),
            ),
            (
                "a separator inside a name",
                vec!["content-type,x-a;x-b"],
                base.to_owned(),
            ),
            ("a quoted name", vec!["\"x-a\""], base.to_owned()),
            ("a colon", vec!["x-a:1"], base.to_owned()),
            ("a slash", vec!["x/a"], base.to_owned()),
            (
                "names up to the limit",
                vec![long_name.as_str()],
                format!("{base}, {long_name}"),
            ),
            ("longer than the limit", vec![too_long_name.as_str()], base.to_owned()),
        ];
        for (case, requested, expected) in cases {
            assert_eq!(&allowed(requested), expected, "{case}");
        }
        // Every RFC 9110 delimiter but the list's comma, and what is not ASCII.
        for odd in [
            '"', '(', ')', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', 'é',
        ] {
            assert_eq!(allowed(&[&format!("user-agent,x{odd}a")]), base, "{odd:?}");
        }
        let many_lines = [many.join(",")];
        let many_lines: Vec<&str> = many_lines.iter().map(String::as_str).collect();
        assert_eq!(
            allowed(&many_lines),
            format!("{base}, {}", many.join(", ")),
            "as many names as allowed"
        );
        let too_many_lines = [too_many.join(",")];
        let too_many_lines: Vec<&str> = too_many_lines.iter().map(String::as_str).collect();
        assert_eq!(allowed(&too_many_lines), base, "one name too many");
    }

    #[test]
    fn a_value_that_is_not_text_is_malformed() {
        let lines = [HeaderValue::from_bytes(b"user-agent,x-\xe9").unwrap()];
        let headers = AllowedOrigins::Any.preflight_headers(None, &lines);
        assert_eq!(headers[ACCESS_CONTROL_ALLOW_HEADERS], "Content-Type, Idempotency-Key");
    }

    #[test]
    fn preflights_vary_on_the_requested_headers() {
        let asked = [HeaderValue::from_static("content-type,user-agent")];
        let any = AllowedOrigins::Any.preflight_headers(None, &asked);
        assert_eq!(any[VARY], "Access-Control-Request-Headers");
        assert_eq!(any[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let list = AllowedOrigins::parse("https://a.example").unwrap();
        let origin = HeaderValue::from_static("https://a.example");
        let listed = list.preflight_headers(Some(&origin), &asked);
        assert_eq!(listed[VARY], "Origin, Access-Control-Request-Headers");
        assert_eq!(listed[ACCESS_CONTROL_ALLOW_ORIGIN], "https://a.example");
        assert_eq!(
            listed[ACCESS_CONTROL_ALLOW_HEADERS],
            "Content-Type, Idempotency-Key, user-agent"
        );
        assert_eq!(listed[ACCESS_CONTROL_MAX_AGE], PREFLIGHT_MAX_AGE_SECONDS);
        // Other answers do not depend on them.
        assert!(!AllowedOrigins::Any.headers(None).contains_key(VARY));
        assert_eq!(list.headers(Some(&origin))[VARY], "Origin");
        assert_eq!(
            list.headers(Some(&origin))[ACCESS_CONTROL_ALLOW_HEADERS],
            "Content-Type"
        );
    }

    #[test]
    fn lists_must_hold_origins() {
        assert!(AllowedOrigins::parse("https://a.example/path").is_err());
        assert!(AllowedOrigins::parse("https://a.example,*").is_err());
        assert!(AllowedOrigins::parse("https://a.example,").is_err());
        assert_eq!(AllowedOrigins::parse("*"), Ok(AllowedOrigins::Any));
    }
}
