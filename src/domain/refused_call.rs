//! A refused call as it is kept, so that nothing refused is lost: players
//! do not retry a 400, rules are sometimes wrong and limits sometimes too
//! low. The call is kept with its reason, and can be replayed through the
//! current rules once the cause is fixed (the collector's dead-letter
//! queue, "bad rows").
//!
//! Where it is kept: one day's refusals are spread over [`SHARDS`]
//! partitions (`dayShard` = `2026-12-05#07`, the shard from the request
//! id), so that a flood of bad calls at the stage's rate limit writes to
//! several partitions, each sorted by arrival (`arrival` =
//! `receivedAt#requestId`). A day reads in time order with one `Query` per
//! shard, merged by `arrival`: no `Scan`.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::timestamp::rfc3339_millis;

/// Partitions one day's refusals are spread over.
pub const SHARDS: u8 = 16;

/// The most bytes of body an item can hold, with room for the rest of it
/// (DynamoDB's limit is 400 KB per item).
pub const BODY_ROOM: usize = 380_000;

/// Bodies at least this large are kept compressed when that makes them smaller.
const COMPRESS_FROM: usize = 1_024;

/// A call the function refused, as it arrived and as it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedCall {
    /// `sessions`, `events` or `downloaded`.
    pub route: &'static str,
    /// The session id of the path, as sent (events only).
    pub session_id: Option<String>,
    pub status: u16,
    /// The problem+json document answered.
    pub problem: String,
    /// The raw body, after base64 decoding.
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub origin: Option<String>,
    pub user_agent: Option<String>,
    pub idempotency_key: Option<String>,
    /// API Gateway's request id where the event has one, else Lambda's.
    pub request_id: String,
    pub received_at: OffsetDateTime,
    /// The Lambda function version and the crate's (`$LATEST/0.1.0`).
    pub function_version: String,
    /// Epoch seconds: arrival plus the days refused calls are kept.
    pub expires_at: i64,
}

/// How a kept body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Identity,
    Gzip,
}

impl BodyEncoding {
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "identity" => Some(Self::Identity),
            "gzip" => Some(Self::Gzip),
            _ => None,
        }
    }
}

/// A body as kept: its bytes in their encoding, and whether it is only a
/// prefix of the raw body (when even compressed it could not fit an item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBody {
    pub encoding: BodyEncoding,
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

impl RefusedCall {
    /// `dayShard`: the arrival's UTC date and a shard from the request id.
    pub fn day_shard(&self) -> String {
        let shard = Sha256::digest(self.request_id.as_bytes())[0] % SHARDS;
        format!("{}#{shard:02}", day(self.received_at))
    }

    /// `arrival`: the arrival time, then the request id (unique, in time order).
    pub fn arrival(&self) -> String {
        format!("{}#{}", self.received_at_rfc3339(), self.request_id)
    }

    pub fn received_at_rfc3339(&self) -> String {
        rfc3339_millis(self.received_at)
    }

    /// The body as it is kept: as sent when small or when compressing does
    /// not shrink it, else gzip; a prefix when even gzip cannot fit.
    pub fn kept_body(&self) -> KeptBody {
        let raw = &self.body;
        if raw.len() < COMPRESS_FROM {
            return KeptBody {
                encoding: BodyEncoding::Identity,
                bytes: raw.clone(),
                truncated: false,
            };
        }
        let compressed = gzip(raw);
        match compressed {
            Some(compressed) if compressed.len() < raw.len() && compressed.len() <= BODY_ROOM => KeptBody {
                encoding: BodyEncoding::Gzip,
                bytes: compressed,
                truncated: false,
            },
            _ if raw.len() <= BODY_ROOM => KeptBody {
                encoding: BodyEncoding::Identity,
                bytes: raw.clone(),
                truncated: false,
            },
            _ => KeptBody {
                encoding: BodyEncoding::Identity,
                bytes: raw[..BODY_ROOM].to_vec(),
                truncated: true,
            },
        }
    }
}

/// A date as `YYYY-MM-DD` (UTC).
pub fn day(at: OffsetDateTime) -> String {
    let date = at.to_offset(time::UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The raw body of a kept one.
pub fn raw_body(encoding: BodyEncoding, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    match encoding {
        BodyEncoding::Identity => Ok(bytes.to_vec()),
        BodyEncoding::Gzip => {
            let mut raw = Vec::with_capacity(bytes.len() * 4);
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut raw)?;
            Ok(raw)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(body: Vec<u8>) -> RefusedCall {
        RefusedCall {
            route: "sessions",
            session_id: None,
            status: 400,
            problem: "{}".into(),
            body,
            content_type: None,
            origin: None,
            user_agent: None,
            idempotency_key: None,
            request_id: "req-1".into(),
            received_at: time::macros::datetime!(2026-12-05 23:59:59.999 UTC),
            function_version: "$LATEST/0.1.0".into(),
            expires_at: 0,
        }
    }

    #[test]
    fn small_bodies_are_kept_as_sent_and_large_ones_compressed_or_cut() {
        let small = call(b"{\"a\":\xff}".to_vec()).kept_body();
        assert_eq!((small.encoding, small.truncated), (BodyEncoding::Identity, false));
        assert_eq!(small.bytes, b"{\"a\":\xff}");

        let json = format!("[{}]", vec!["{\"eventType\":\"ping\"}"; 20_000].join(","));
        let large = call(json.clone().into_bytes()).kept_body();
        assert_eq!((large.encoding, large.truncated), (BodyEncoding::Gzip, false));
        assert_eq!(raw_body(large.encoding, &large.bytes).unwrap(), json.as_bytes());

        // Bytes that do not compress, larger than an item: a prefix, flagged.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..500_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[3]
            })
            .collect();
        let cut = call(noise.clone()).kept_body();
        assert!(cut.truncated);
        assert_eq!(cut.bytes, noise[..BODY_ROOM]);
    }

    #[test]
    fn keys_spread_a_day_and_sort_by_arrival() {
        let first = call(Vec::new());
        assert!(first.day_shard().starts_with("2026-12-05#"));
        assert_eq!(first.arrival(), "2026-12-05T23:59:59.999Z#req-1");
        let shards: std::collections::BTreeSet<String> = (0..200)
            .map(|i| {
                let mut other = call(Vec::new());
                other.request_id = format!("req-{i}");
                other.day_shard()
            })
            .collect();
        assert_eq!(shards.len(), usize::from(SHARDS), "every shard is used");
    }
}
