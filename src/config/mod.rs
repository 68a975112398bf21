//! The function's settings, read once at start-up. A missing or
//! invalid value stops start-up with a message that names the variable; no
//! value is ever silently replaced by a default.

use std::time::Duration;

mod origins;

use crate::domain::SessionPolicy;
use crate::logging::LogSettings;

pub use origins::AllowedOrigins;

pub const TABLE_NAME: &str = "TABLE_NAME";
pub const SESSION_TTL_DAYS: &str = "SESSION_TTL_DAYS";
pub const CORS_ALLOW_ORIGIN: &str = "CORS_ALLOW_ORIGIN";
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
pub const STORE_TIMEOUT_MS: &str = "STORE_TIMEOUT_MS";
pub const AWS_ENDPOINT_URL_DYNAMODB: &str = "AWS_ENDPOINT_URL_DYNAMODB";
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
pub const AWS_USE_FIPS_ENDPOINT: &str = "AWS_USE_FIPS_ENDPOINT";
pub const AWS_USE_DUALSTACK_ENDPOINT: &str = "AWS_USE_DUALSTACK_ENDPOINT";
pub const AWS_LAMBDA_MAX_CONCURRENCY: &str = "AWS_LAMBDA_MAX_CONCURRENCY";
pub const EVENTS_TABLE_NAME: &str = "EVENTS_TABLE_NAME";
pub const SESSION_IDLE_TIMEOUT_S: &str = "SESSION_IDLE_TIMEOUT_S";
pub const SESSION_MAX_AGE_S: &str = "SESSION_MAX_AGE_S";
pub const SESSION_STALL_TIMEOUT_S: &str = "SESSION_STALL_TIMEOUT_S";
pub const MAX_DOWNLOADED_BODY_BYTES: &str = "MAX_DOWNLOADED_BODY_BYTES";
pub const MAX_DOWNLOADED_CALLS: &str = "MAX_DOWNLOADED_CALLS";
pub const REJECTED_TABLE_NAME: &str = "REJECTED_TABLE_NAME";
pub const REJECTED_TTL_DAYS: &str = "REJECTED_TTL_DAYS";
/// Set by Lambda: the version of the function that runs.
pub const AWS_LAMBDA_FUNCTION_VERSION: &str = "AWS_LAMBDA_FUNCTION_VERSION";

/// A DynamoDB item holds at most 400 KB; a body larger than that could
/// never be stored, whatever the limit says.
const LARGEST_BODY_LIMIT: u64 = 400_000;
/// Lambda takes at most 6 MB in a synchronous invocation's payload.
const LARGEST_DOWNLOADED_BODY_LIMIT: u64 = 6_291_456;
/// Each call of a downloaded session is one write: a bound on the fan-out.
const MOST_DOWNLOADED_CALLS: u64 = 1_000_000;
const LONGEST_TTL_DAYS: u64 = 36_500;
/// Refused calls are kept at most a year.
const LONGEST_REJECTED_TTL_DAYS: u64 = 365;
const LONGEST_STORE_TIMEOUT_MS: u64 = 900_000;
/// A hundred years: longer session limits mean "never".
const LONGEST_SESSION_LIMIT_S: u64 = 3_155_760_000;
/// Lambda Managed Instances allow at most this many requests per process.
const HIGHEST_CONCURRENCY: u64 = 1_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub events_table_name: String,
    /// When a session stops taking events.
    pub session_policy: SessionPolicy,
    pub session_ttl_days: u32,
    pub allowed_origins: AllowedOrigins,
    pub max_body_bytes: usize,
    /// Body size limit of a downloaded session.
    pub max_downloaded_body_bytes: usize,
    /// Most calls (array elements) in one downloaded session.
    pub max_downloaded_calls: usize,
    /// Total time for the write, retries included.
    pub store_timeout: Duration,
    /// Requests served at once by one process (Lambda Managed Instances);
    /// 1 when `AWS_LAMBDA_MAX_CONCURRENCY` is unset.
    pub max_concurrency: u32,
    pub log: LogSettings,
    /// Where refused calls are kept (`None`: nothing is kept).
    pub rejected_table_name: Option<String>,
    /// How long a refused call is kept.
    pub rejected_ttl_days: u32,
    /// The Lambda function's version and the crate's, e.g. `$LATEST/0.1.0`.
    pub function_version: String,
}

/// Every variable that is missing or wrong, each with its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let mut check = Checker(&mut problems);

        let table_name = check.keep(checked_table_name(TABLE_NAME, lookup(TABLE_NAME), "sessions"));
        let events_table_name = check.keep(
            checked_table_name(EVENTS_TABLE_NAME, lookup(EVENTS_TABLE_NAME), "session events")
                .and_then(|events| distinct_tables(table_name.as_deref(), events)),
        );
        let rejected_table_name = check.keep(
            lookup(REJECTED_TABLE_NAME)
                .map(|name| checked_table_name(REJECTED_TABLE_NAME, Some(name), "refused calls"))
                .transpose(),
        );
        let rejected_ttl_days = check.keep(whole_number(
            &lookup,
            REJECTED_TTL_DAYS,
            14,
            1..=LONGEST_REJECTED_TTL_DAYS,
            "days",
        ));
        let idle_timeout_s = check.keep(whole_number(
            &lookup,
            SESSION_IDLE_TIMEOUT_S,
            600,
            1..=LONGEST_SESSION_LIMIT_S,
            "seconds",
        ));
        let max_age_s = check.keep(whole_number(
            &lookup,
            SESSION_MAX_AGE_S,
            86_400,
            1..=LONGEST_SESSION_LIMIT_S,
            "seconds",
        ));
        let stall_timeout_s = check.keep(whole_number(
            &lookup,
            SESSION_STALL_TIMEOUT_S,
            1_800,
            1..=LONGEST_SESSION_LIMIT_S,
            "seconds",
        ));
        let session_ttl_days = check.keep(whole_number(
            &lookup,
            SESSION_TTL_DAYS,
            30,
            1..=LONGEST_TTL_DAYS,
            "days",
        ));
        let allowed_origins = check.keep(match lookup(CORS_ALLOW_ORIGIN) {
            None => Ok(AllowedOrigins::Any),
            Some(value) => AllowedOrigins::parse(&value).map_err(|reason| invalid(CORS_ALLOW_ORIGIN, &value, &reason)),
        });
        let max_body_bytes = check.keep(whole_number(
            &lookup,
            MAX_BODY_BYTES,
            65_536,
            1..=LARGEST_BODY_LIMIT,
            "bytes",
        ));
        let max_downloaded_body_bytes = check.keep(whole_number(
            &lookup,
            MAX_DOWNLOADED_BODY_BYTES,
            1_048_576,
            1..=LARGEST_DOWNLOADED_BODY_LIMIT,
            "bytes",
        ));
        let max_downloaded_calls = check.keep(whole_number(
            &lookup,
            MAX_DOWNLOADED_CALLS,
            20_000,
            1..=MOST_DOWNLOADED_CALLS,
            "calls",
        ));
        let store_timeout_ms = check.keep(whole_number(
            &lookup,
            STORE_TIMEOUT_MS,
            3_000,
            1..=LONGEST_STORE_TIMEOUT_MS,
            "milliseconds",
        ));
        let max_concurrency = check.keep(whole_number(
            &lookup,
            AWS_LAMBDA_MAX_CONCURRENCY,
            1,
            1..=HIGHEST_CONCURRENCY,
            "requests",
        ));
        for name in [AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL] {
            check.keep(endpoint_url(name, lookup(name)));
        }
        for name in [AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT] {
            check.keep(match lookup(name) {
                Some(value) if flag(&value).is_none() => Err(invalid(name, &value, "expected true or false")),
                _ => Ok(()),
            });
        }
        let log = check.keep(LogSettings::from_lookup(&lookup));

        let (
            Some(table_name),
            Some(events_table_name),
            Some(idle_timeout_s),
            Some(max_age_s),
            Some(stall_timeout_s),
            Some(ttl),
            Some(allowed_origins),
            Some(max_body),
            Some(max_downloaded_body),
            Some(max_downloaded_calls),
            Some(timeout_ms),
            Some(max_concurrency),
            Some(log),
            Some(rejected_table_name),
            Some(rejected_ttl_days),
        ) = (
            table_name,
            events_table_name,
            idle_timeout_s,
            max_age_s,
            stall_timeout_s,
            session_ttl_days,
            allowed_origins,
            max_body_bytes,
            max_downloaded_body_bytes,
            max_downloaded_calls,
            store_timeout_ms,
            max_concurrency,
            log,
            rejected_table_name,
            rejected_ttl_days,
        )
        else {
            return Err(ConfigError { problems });
        };
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(Self {
            table_name,
            events_table_name,
            session_policy: SessionPolicy {
                idle_timeout: Duration::from_secs(idle_timeout_s),
                max_age: Duration::from_secs(max_age_s),
                stall_timeout: Duration::from_secs(stall_timeout_s),
            },
            session_ttl_days: u32::try_from(ttl).unwrap_or(u32::MAX),
            allowed_origins,
            max_body_bytes: usize::try_from(max_body).unwrap_or(usize::MAX),
            max_downloaded_body_bytes: usize::try_from(max_downloaded_body).unwrap_or(usize::MAX),
            max_downloaded_calls: usize::try_from(max_downloaded_calls).unwrap_or(usize::MAX),
            store_timeout: Duration::from_millis(timeout_ms),
            max_concurrency: u32::try_from(max_concurrency).unwrap_or(u32::MAX),
            log,
            rejected_table_name,
            rejected_ttl_days: u32::try_from(rejected_ttl_days).unwrap_or(u32::MAX),
            function_version: format!(
                "{}/{}",
                lookup(AWS_LAMBDA_FUNCTION_VERSION).unwrap_or_else(|| "$LATEST".to_owned()),
                env!("CARGO_PKG_VERSION")
            ),
        })
    }
}

/// Keeps a setting's value, or its problem.
struct Checker<'a>(&'a mut Vec<String>);

impl Checker<'_> {
    fn keep<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.0.push(problem)).ok()
    }
}

fn invalid(name: &str, value: &str, reason: &str) -> String {
    format!("{name}={value:?} is invalid: {reason}")
}

fn checked_table_name(name: &str, value: Option<String>, holds: &str) -> Result<String, String> {
    let Some(value) = value else {
        return Err(format!(
            "{name} is required: set it to the DynamoDB table that stores {holds}"
        ));
    };
    let valid = (3..=255).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(value)
    } else {
        Err(invalid(
            name,
            &value,
            "a DynamoDB table name has 3 to 255 characters among a-z, A-Z, 0-9, _ - .",
        ))
    }
}

/// Sessions and their events have different keys: one table cannot hold both.
fn distinct_tables(sessions: Option<&str>, events: String) -> Result<String, String> {
    if sessions == Some(events.as_str()) {
        Err(invalid(
            EVENTS_TABLE_NAME,
            &events,
            &format!("it must name another table than {TABLE_NAME}"),
        ))
    } else {
        Ok(events)
    }
}

fn whole_number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, String> {
    let Some(value) = lookup(name) else { return Ok(default) };
    match value.parse::<u64>() {
        Ok(number) if range.contains(&number) => Ok(number),
        _ => Err(invalid(
            name,
            &value,
            &format!(
                "expected a whole number of {unit} from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// A boolean setting as the AWS SDKs spell it: `true` or `false`, in any case.
pub fn flag(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn endpoint_url(name: &str, value: Option<String>) -> Result<(), String> {
    let Some(value) = value else { return Ok(()) };
    match value.parse::<lambda_http::http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => Ok(()),
        _ => Err(invalid(name, &value, "expected an http:// or https:// URL")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_spec() {
        let config = config(&[(TABLE_NAME, "sessions"), (EVENTS_TABLE_NAME, "events")]).unwrap();
        assert_eq!(config.events_table_name, "events");
        assert_eq!(config.session_policy.idle_timeout, Duration::from_secs(600));
        assert_eq!(config.session_policy.max_age, Duration::from_secs(86_400));
        assert_eq!(config.session_policy.stall_timeout, Duration::from_secs(1_800));
        assert_eq!(config.session_ttl_days, 30);
        assert_eq!(config.max_body_bytes, 65_536);
        assert_eq!(config.max_downloaded_body_bytes, 1_048_576);
        assert_eq!(config.max_downloaded_calls, 20_000);
        assert_eq!(config.store_timeout, Duration::from_millis(3_000));
        assert_eq!(config.allowed_origins, AllowedOrigins::Any);
        assert_eq!(config.max_concurrency, 1);
    }

    #[test]
    fn every_bad_variable_is_named() {
        let error = config(&[
            (SESSION_TTL_DAYS, "abc"),
            (MAX_BODY_BYTES, "0"),
            (MAX_DOWNLOADED_BODY_BYTES, "7000000"),
            (MAX_DOWNLOADED_CALLS, "many"),
            (STORE_TIMEOUT_MS, "-5"),
            (CORS_ALLOW_ORIGIN, "not an origin"),
            (AWS_ENDPOINT_URL_DYNAMODB, "localhost:8000"),
            (AWS_ENDPOINT_URL, "ftp://example.com"),
            (AWS_USE_FIPS_ENDPOINT, "yes"),
            (AWS_LAMBDA_MAX_CONCURRENCY, "0"),
            (SESSION_IDLE_TIMEOUT_S, "0"),
            (SESSION_MAX_AGE_S, "1d"),
            (SESSION_STALL_TIMEOUT_S, "-1"),
            ("AWS_LAMBDA_LOG_LEVEL", "loud"),
        ])
        .unwrap_err();
        let message = error.to_string();
        for name in [
            TABLE_NAME,
            EVENTS_TABLE_NAME,
            SESSION_IDLE_TIMEOUT_S,
            SESSION_MAX_AGE_S,
            SESSION_STALL_TIMEOUT_S,
            SESSION_TTL_DAYS,
            MAX_BODY_BYTES,
            MAX_DOWNLOADED_BODY_BYTES,
            MAX_DOWNLOADED_CALLS,
            STORE_TIMEOUT_MS,
            CORS_ALLOW_ORIGIN,
            AWS_ENDPOINT_URL_DYNAMODB,
            AWS_ENDPOINT_URL,
            AWS_USE_FIPS_ENDPOINT,
            AWS_LAMBDA_MAX_CONCURRENCY,
            "AWS_LAMBDA_LOG_LEVEL",
        ] {
            assert!(message.contains(name), "{name} missing from: {message}");
        }
        assert_eq!(error.problems.len(), 16, "{message}");
    }

    #[test]
    fn sessions_and_events_need_two_tables() {
        let error = config(&[(TABLE_NAME, "media"), (EVENTS_TABLE_NAME, "media")]).unwrap_err();
        assert_eq!(error.problems.len(), 1, "{error}");
        assert!(error.to_string().contains("EVENTS_TABLE_NAME=\"media\""), "{error}");
    }

    #[test]
    fn an_empty_value_is_invalid_not_a_default() {
        let error = config(&[
            (TABLE_NAME, "sessions"),
            (EVENTS_TABLE_NAME, "events"),
            (SESSION_TTL_DAYS, ""),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("SESSION_TTL_DAYS=\"\""), "{error}");
    }
}
