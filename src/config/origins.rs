//! `CORS_ALLOW_ORIGIN`: which origins may read the function's answers, as a
//! setting. How the answers say so (the CORS headers) is the HTTP adapter's
//! business (`http/cors.rs`); the setting and its check live with the other
//! settings, so that the configuration depends on no adapter.

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
    // What HTTP allows in a header value, as the echoed `Origin` must be.
    scheme_ok
        && host_ok
        && value
            .bytes()
            .all(|byte| (byte >= 0x20 && byte != 0x7F) || byte == b'\t')
}
