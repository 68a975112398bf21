//! Log level and format from Lambda's advanced logging controls
//! (`AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`; `AWS_LAMBDA_LOG_FORMAT`), checked
//! at start-up like every other setting: the runtime's own default set-up
//! silently falls back to INFO on a value it cannot read.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
const RUST_LOG: &str = "RUST_LOG";
const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";

#[derive(Debug, Clone)]
pub struct LogSettings {
    /// Which events are logged: a level, and levels by target.
    pub filter: Targets,
    pub json: bool,
}

impl LogSettings {
    pub(crate) fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let filter = match (lookup(LOG_LEVEL), lookup(RUST_LOG)) {
            (Some(level), _) => lambda_level(&level).ok_or_else(|| {
                format!("{LOG_LEVEL}={level:?} is invalid: expected TRACE, DEBUG, INFO, WARN, ERROR or FATAL")
            })?,
            (None, Some(directives)) => directives.parse().map_err(|error| {
                format!(
                    "{RUST_LOG}={directives:?} is invalid: {error}; expected a level or target=level directives, \
                     such as info or media_collector=debug,aws_smithy_runtime=warn"
                )
            })?,
            (None, None) => Targets::new().with_default(tracing::Level::INFO),
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
fn lambda_level(level: &str) -> Option<Targets> {
    let level = match level.to_ascii_lowercase().as_str() {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "info" => tracing::Level::INFO,
        "warn" => tracing::Level::WARN,
        "error" | "fatal" => tracing::Level::ERROR,
        _ => return None,
    };
    Some(Targets::new().with_default(level))
}

/// Installs the global subscriber: one line per event, to stdout (which
/// Lambda sends to CloudWatch), in text or JSON.
pub fn init(settings: &LogSettings) {
    // No colour codes: CloudWatch shows them as raw escape sequences.
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(false)
        .without_time();
    let registry = tracing_subscriber::registry().with(settings.filter.clone());
    if settings.json {
        registry.with(lines.json()).init();
    } else {
        registry.with(lines).init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<LogSettings, String> {
        LogSettings::from_lookup(&|name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn levels_and_target_directives_are_read() {
        let debug = settings(&[(LOG_LEVEL, "DEBUG"), (RUST_LOG, "error")]).unwrap();
        assert!(debug.filter.would_enable("media_collector", &tracing::Level::DEBUG));
        let mixed = settings(&[(RUST_LOG, "warn,media_collector=debug")]).unwrap();
        assert!(
            mixed
                .filter
                .would_enable("media_collector::http", &tracing::Level::DEBUG)
        );
        assert!(!mixed.filter.would_enable("aws_smithy_runtime", &tracing::Level::INFO));
        let fatal = settings(&[(LOG_LEVEL, "fatal")]).unwrap();
        assert!(!fatal.filter.would_enable("media_collector", &tracing::Level::WARN));
        assert!(settings(&[]).unwrap().filter.would_enable("any", &tracing::Level::INFO));
        assert!(settings(&[(LOG_FORMAT, "json")]).unwrap().json);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [(LOG_LEVEL, "loud"), (RUST_LOG, "x=y=z"), (LOG_FORMAT, "xml")] {
            let error = settings(&[(name, value)]).unwrap_err();
            assert!(error.starts_with(name), "{error}");
        }
    }
}
