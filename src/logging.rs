//! Log level and format from Lambda's advanced logging controls
//! (`AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`; `AWS_LAMBDA_LOG_FORMAT`), checked
//! at start-up like every other setting: the runtime's own default set-up
//! silently falls back to INFO on a value it cannot read.

use lambda_runtime::tracing::subscriber::EnvFilter;

const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
const RUST_LOG: &str = "RUST_LOG";
const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// A `tracing` filter directive, such as `info` or `media_collector=debug`.
    pub filter: String,
    pub json: bool,
}

impl LogSettings {
    pub(crate) fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let filter = match (lookup(LOG_LEVEL), lookup(RUST_LOG)) {
            (Some(level), _) => lambda_level(&level).ok_or_else(|| {
                format!("{LOG_LEVEL}={level:?} is invalid: expected TRACE, DEBUG, INFO, WARN, ERROR or FATAL")
            })?,
            (None, Some(directives)) => match EnvFilter::try_new(&directives) {
                Ok(_) => directives,
                Err(error) => return Err(format!("{RUST_LOG}={directives:?} is invalid: {error}")),
            },
            (None, None) => "info".to_owned(),
        };
        let json = match lookup(LOG_FORMAT) {
            None => false,
            Some(format) if format.eq_ignore_ascii_case("text") => false,
            Some(format) if format.eq_ignore_ascii_case("json") => true,
            Some(format) => return Err(format!("{LOG_FORMAT}={format:?} is invalid: expected Text or JSON")),
        };
        Ok(Self { filter, json })
    }
}

/// Lambda's level names; FATAL has no `tracing` level and means ERROR.
fn lambda_level(level: &str) -> Option<String> {
    let level = level.to_ascii_lowercase();
    match level.as_str() {
        "trace" | "debug" | "info" | "warn" | "error" => Some(level),
        "fatal" => Some("error".to_owned()),
        _ => None,
    }
}

/// Installs the global subscriber: one line per event, to stdout (which
/// Lambda sends to CloudWatch), in text or JSON.
pub fn init(settings: &LogSettings) {
    // No colour codes: CloudWatch shows them as raw escape sequences.
    let builder = lambda_runtime::tracing::subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .with_env_filter(EnvFilter::new(&settings.filter));
    if settings.json {
        builder.json().init();
    } else {
        builder.init();
    }
}
