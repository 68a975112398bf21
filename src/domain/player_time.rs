//! `playerTime`, the same in every body: where the playhead is (seconds, a
//! finite number ≥ 0) and when the player saw it (`ts`, whole milliseconds
//! since the Unix epoch, from 1973 to the end of year 9999). What the
//! playhead must stay below depends on the body, so the caller says.

use std::cmp::Ordering;

use jsonptr::PointerBuf;
use serde_json::Value;

use super::decimal::Decimal;
use super::field_errors::{Collector, child};
use super::values::{missing, present, type_name};

/// `playerTime.ts` bounds: 1973-03-03 (anything lower is seconds) to 9999-12-31.
const MIN_TS_MILLIS: i64 = 100_000_000_000;
const MAX_TS_MILLIS: i64 = 253_402_300_799_999;

#[derive(Debug, Clone)]
pub struct PlayerTime {
    /// Seconds into the content (or into the day, for live content).
    pub playhead: Decimal,
    /// Milliseconds since the Unix epoch, a whole number in range, as sent.
    pub ts: Decimal,
    /// `ts` as a number (`1509045324153.0` is 1509045324153).
    millis: i64,
}

impl PlayerTime {
    /// `ts` as whole milliseconds, whatever its spelling.
    pub fn ts_millis(&self) -> i64 {
        self.millis
    }

    /// Parses the `playerTime` object at `at`, reporting every broken rule.
    /// `playhead_limit` says why a playhead is too large for this body, if it is.
    pub(crate) fn parse(
        value: &Value,
        at: &PointerBuf,
        errors: &mut Collector,
        playhead_limit: impl Fn(&Decimal) -> Option<String>,
    ) -> Option<Self> {
        let Value::Object(object) = value else {
            errors.add(
                at,
                format!("must be an object with playhead and ts, not {}", type_name(value)),
            );
            return None;
        };
        for key in object.keys().filter(|key| !matches!(key.as_str(), "playhead" | "ts")) {
            errors.add(
                &child(at, key),
                "is not an allowed key; playerTime holds exactly playhead and ts",
            );
        }

        let playhead_at = child(at, "playhead");
        let playhead = match present(object, "playhead") {
            None => missing(errors, &playhead_at),
            Some(value) => parse_playhead(value)
                .map_err(|detail| errors.add(&playhead_at, detail))
                .ok(),
        };
        let playhead = playhead.and_then(|playhead| match playhead_limit(&playhead) {
            Some(detail) => {
                errors.add(&playhead_at, detail);
                None
            }
            None => Some(playhead),
        });

        let ts_at = child(at, "ts");
        let ts = match present(object, "ts") {
            None => missing(errors, &ts_at),
            Some(value) => parse_ts(value).map_err(|detail| errors.add(&ts_at, detail)).ok(),
        };

        let (ts, millis) = ts?;
        Some(PlayerTime {
            playhead: playhead?,
            ts,
            millis,
        })
    }
}

fn parse_playhead(value: &Value) -> Result<Decimal, String> {
    let Value::Number(number) = value else {
        return Err(format!("must be a number of seconds, not {}", type_name(value)));
    };
    let playhead = Decimal::from_json(number)?;
    if playhead.is_negative() {
        return Err(format!("must be at least 0, not {playhead}"));
    }
    Ok(playhead)
}

fn parse_ts(value: &Value) -> Result<(Decimal, i64), String> {
    const EXPECTED: &str = "must be an integer number of milliseconds";
    let Value::Number(number) = value else {
        return Err(format!("{EXPECTED} since the Unix epoch, not {}", type_name(value)));
    };
    let out_of_range = || format!("{EXPECTED} since the Unix epoch, at most {MAX_TS_MILLIS} (year 9999)");
    let ts = Decimal::from_json(number).map_err(|_| out_of_range())?;
    if ts.cmp_int(MIN_TS_MILLIS) == Ordering::Less {
        return Err(format!("{EXPECTED}; {ts} looks like seconds"));
    }
    if !ts.is_integer() {
        return Err(format!("{EXPECTED} since the Unix epoch; {ts} has a fraction"));
    }
    if ts.cmp_int(MAX_TS_MILLIS) == Ordering::Greater {
        return Err(out_of_range());
    }
    // In range and whole, so it fits.
    let millis = ts.to_i64().ok_or_else(out_of_range)?;
    Ok((ts, millis))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<PlayerTime, crate::domain::InvalidBody> {
        let mut errors = Collector::default();
        let parsed = PlayerTime::parse(&value, &PointerBuf::root(), &mut errors, |_| None);
        errors.finish("test", parsed)
    }

    #[test]
    fn ts_is_read_as_whole_milliseconds_whatever_its_spelling() {
        for (text, millis) in [
            ("1509045324153", 1_509_045_324_153),
            ("1509045324153.0", 1_509_045_324_153),
            ("1.509045324153e12", 1_509_045_324_153),
            ("100000000000", MIN_TS_MILLIS),
            ("253402300799999", MAX_TS_MILLIS),
        ] {
            let ts: Value = serde_json::from_str(text).unwrap();
            let parsed = parse(json!({ "playhead": 0, "ts": ts })).unwrap();
            assert_eq!(parsed.ts_millis(), millis, "{text}");
            assert_eq!(parsed.ts.as_str(), ts.to_string(), "{text} is kept as sent");
        }
    }

    #[test]
    fn the_callers_limit_applies_to_the_playhead() {
        let mut errors = Collector::default();
        let parsed = PlayerTime::parse(
            &json!({ "playhead": 5, "ts": 1_509_045_324_153_i64 }),
            &PointerBuf::root(),
            &mut errors,
            |_| Some("too far".to_owned()),
        );
        let invalid = errors.finish("test", parsed).unwrap_err();
        assert_eq!(invalid.errors()[0].pointer, "/playhead");
        assert_eq!(invalid.errors()[0].detail, "too far");
    }
}
