//! Server time as it is stored: to the millisecond, either as RFC 3339 UTC
//! text (`2026-11-23T04:00:00.123Z`, whose text order is time order) or as
//! epoch milliseconds.

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// `time` without its sub-millisecond part, in UTC.
pub fn to_millis(time: OffsetDateTime) -> OffsetDateTime {
    let time = time.to_offset(UtcOffset::UTC);
    time.replace_nanosecond(time.millisecond() as u32 * 1_000_000)
        .unwrap_or(time)
}

/// RFC 3339, UTC, with milliseconds: `2026-11-23T04:00:00.123Z`.
pub fn rfc3339_millis(time: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(time: OffsetDateTime) -> i64 {
    (time.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn keeps_milliseconds_in_utc() {
        let time = datetime!(2026-11-23 05:00:00.123456789 +01:00);
        assert_eq!(rfc3339_millis(time), "2026-11-23T04:00:00.123Z");
        assert_eq!(to_millis(time), datetime!(2026-11-23 04:00:00.123 UTC));
        assert_eq!(epoch_millis(datetime!(1970-01-01 00:00:01.5 UTC)), 1_500);
    }

    #[test]
    fn text_order_is_time_order() {
        let earlier = rfc3339_millis(datetime!(2026-11-23 09:59:59.999 UTC));
        let later = rfc3339_millis(datetime!(2026-11-23 10:00:00.000 UTC));
        assert!(earlier < later, "{earlier} < {later}");
    }
}
