//! A session as it is kept: its id, the valid sessionStart, and the facts the
//! server adds (when, until when, for which request).

use std::fmt;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::timestamp::{rfc3339_millis, to_millis};
use super::{Fingerprint, IdTaken, IdempotencyKey, SessionStart};

const SECONDS_PER_DAY: i64 = 86_400;

/// 64 lowercase hex characters: the SHA-256 digest of a fresh random UUID v4.
/// Clients treat it as opaque.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> Self {
        let uuid = Uuid::new_v4();
        Self::from_digest(Sha256::digest(uuid.hyphenated().to_string().as_bytes()).as_slice())
    }

    /// A SHA-256 digest as the id's 64 lowercase hex characters.
    pub(crate) fn from_digest(digest: &[u8]) -> Self {
        Self(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// The id of a downloaded session sent without an `Idempotency-Key`:
    /// its body's fingerprint, itself a hex SHA-256.
    pub(crate) fn from_fingerprint(fingerprint: &Fingerprint) -> Self {
        Self(fingerprint.as_str().to_owned())
    }

    /// An id from a client (the path of an event): `None` unless it is 64
    /// lowercase hex characters, the only form an id can have.
    pub fn parse(text: &str) -> Option<Self> {
        let well_formed = text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything stored for one session (docs/api.md, "Stored records").
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session_id: SessionId,
    pub start: SessionStart,
    /// Server time, truncated to the millisecond.
    pub created_at: OffsetDateTime,
    /// Epoch seconds after which DynamoDB's TTL may delete the record.
    pub expires_at: i64,
    /// The API Gateway request id, or Lambda's when the event has none.
    pub request_id: String,
    /// Set when the session was started with an `Idempotency-Key`, or
    /// replayed from a kept call.
    pub fingerprint: Option<Fingerprint>,
    /// When the start was stored by replaying a kept call (`replayedAt`).
    pub replayed_at: Option<OffsetDateTime>,
}

impl SessionRecord {
    pub fn new(start: SessionStart, request_id: String, now: OffsetDateTime, ttl_days: u32) -> Self {
        let created_at = to_millis(now);
        let expires_at = created_at.unix_timestamp() + i64::from(ttl_days) * SECONDS_PER_DAY;
        Self {
            session_id: SessionId::generate(),
            start,
            created_at,
            expires_at,
            request_id,
            fingerprint: None,
            replayed_at: None,
        }
    }

    /// The record of a kept start replayed at `at`. Without an
    /// `Idempotency-Key`, its id comes from the kept call's request id, so
    /// that replaying it again finds it (a replay, nothing written twice).
    pub fn replayed(self, at: OffsetDateTime, body: &serde_json::Value) -> Self {
        let fingerprint = self.fingerprint.clone().unwrap_or_else(|| Fingerprint::of(body));
        let session_id = match &self.fingerprint {
            Some(_) => self.session_id.clone(),
            None => SessionId::from_digest(
                Sha256::digest(format!("media-collector-replay:{}", self.request_id).as_bytes()).as_slice(),
            ),
        };
        Self {
            session_id,
            fingerprint: Some(fingerprint),
            replayed_at: Some(to_millis(at)),
            ..self
        }
    }

    /// The record of an idempotent start: its id comes from the key, and the
    /// body's fingerprint is kept to tell a replay from a conflict.
    pub fn idempotent(self, key: &IdempotencyKey, fingerprint: Fingerprint) -> Self {
        Self {
            session_id: key.session_id(),
            fingerprint: Some(fingerprint),
            ..self
        }
    }

    /// `createdAt`: RFC 3339, UTC, with milliseconds (`2026-11-23T04:00:00.123Z`).
    pub fn created_at_rfc3339(&self) -> String {
        rfc3339_millis(self.created_at)
    }

    /// What a write of this record means when a session stored with the
    /// fingerprint `stored` already holds its id ([`super::when_id_taken`]).
    pub fn when_id_taken(&self, stored: Option<&Fingerprint>) -> IdTaken {
        super::when_id_taken(self.fingerprint.as_ref(), stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_64_lowercase_hex_and_fresh() {
        let first = SessionId::generate();
        let second = SessionId::generate();
        assert_eq!(first.as_str().len(), 64);
        assert!(
            first
                .as_str()
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_ne!(first, second);
        assert_eq!(SessionId::parse(first.as_str()), Some(first));
    }

    #[test]
    fn only_64_lowercase_hex_characters_are_an_id() {
        let valid = "a".repeat(63) + "0";
        assert!(SessionId::parse(&valid).is_some());
        for invalid in [
            "",
            "abc",
            &"A".repeat(64),
            &"g".repeat(64),
            &"a".repeat(65),
            &("é".to_owned() + &"a".repeat(62)),
        ] {
            assert_eq!(SessionId::parse(invalid), None, "{invalid}");
        }
    }
}
