//! Idempotent session starts: a player on a bad network may send the same
//! `POST /api/v1/sessions` again when the answer is lost. With an
//! `Idempotency-Key` header, the session id comes from the key instead of a
//! random UUID, so the retry lands on the same record; the body's
//! fingerprint, stored with the record, tells a replay (same body: the same
//! session again) from a conflict (another body under a used key). That
//! rule, [`when_id_taken`], is the one every store applies when a session
//! write finds its id taken (a downloaded batch's id works the same way).

use std::fmt::Write;

use bigdecimal::BigDecimal;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::SessionId;

/// The longest key accepted, in characters.
const MAX_KEY_CHARS: usize = 255;

/// A valid `Idempotency-Key`: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Reads the header's value; the error says what is wrong with it.
    pub fn parse(value: &[u8]) -> Result<Self, String> {
        if value.is_empty() {
            return Err("must not be empty; send 1 to 255 visible ASCII characters".to_owned());
        }
        if value.len() > MAX_KEY_CHARS {
            return Err(format!(
                "is {} characters long; send at most {MAX_KEY_CHARS} visible ASCII characters",
                value.len()
            ));
        }
        match value.iter().position(|byte| !byte.is_ascii_graphic()) {
            Some(at) => Err(format!(
                "has a character that is not visible ASCII at position {at}; send 1 to {MAX_KEY_CHARS} visible ASCII characters (no spaces)"
            )),
            None => Ok(Self(String::from_utf8_lossy(value).into_owned())),
        }
    }

    /// The session id this key names: the hex SHA-256 of the key.
    pub fn session_id(&self) -> SessionId {
        SessionId::from_digest(Sha256::digest(self.0.as_bytes()).as_slice())
    }
}

/// The SHA-256 of a body's JSON value in a canonical form (object keys
/// sorted, numbers by value, no insignificant white space), so the same JSON
/// value gives the same fingerprint whatever its formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(body: &Value) -> Self {
        let mut canonical = String::new();
        write_canonical(body, &mut canonical);
        let digest = Sha256::digest(canonical.as_bytes());
        Self(digest.iter().fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        }))
    }

    /// A fingerprint as stored.
    pub fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a session write means when a session already holds its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTaken {
    /// The same idempotent start (or downloaded batch) is stored: a replay,
    /// answered as the first write was; nothing is written.
    Replay,
    /// The write's key names a session stored with another body, or with
    /// none: a conflict the client must resolve with a new key.
    KeyReused,
    /// A write without a key (a random id) found its id taken.
    AlreadyExists,
}

/// The rule: a write whose body has fingerprint `ours` (`None` without an
/// `Idempotency-Key`) found its id held by a session stored with `stored`.
pub fn when_id_taken(ours: Option<&Fingerprint>, stored: Option<&Fingerprint>) -> IdTaken {
    match (ours, stored) {
        (Some(ours), Some(stored)) if ours == stored => IdTaken::Replay,
        (Some(_), _) => IdTaken::KeyReused,
        (None, _) => IdTaken::AlreadyExists,
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Number(number) => match number.as_str().parse::<BigDecimal>() {
            Ok(decimal) => out.push_str(&decimal.normalized().to_string()),
            Err(_) => out.push_str(number.as_str()),
        },
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(text: &str) -> Fingerprint {
        Fingerprint::of(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn keys_are_visible_ascii_from_1_to_255() {
        assert!(IdempotencyKey::parse(b"a").is_ok());
        assert!(IdempotencyKey::parse("k".repeat(255).as_bytes()).is_ok());
        assert!(IdempotencyKey::parse(b"!~{}\"'").is_ok());
        for bad in [
            &b""[..],
            "k".repeat(256).as_bytes(),
            b"a b",
            b"a\tb",
            "é".as_bytes(),
            b"\x7f",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_session_id_is_the_keys_sha256() {
        let key = IdempotencyKey::parse(b"abc").unwrap();
        assert_eq!(
            key.session_id().as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_taken_id_is_a_replay_only_for_the_same_fingerprint() {
        let ours = fingerprint(r#"{"a":1}"#);
        let other = fingerprint(r#"{"a":2}"#);
        assert_eq!(when_id_taken(Some(&ours), Some(&ours.clone())), IdTaken::Replay);
        assert_eq!(when_id_taken(Some(&ours), Some(&other)), IdTaken::KeyReused);
        assert_eq!(when_id_taken(Some(&ours), None), IdTaken::KeyReused);
        assert_eq!(when_id_taken(None, Some(&ours)), IdTaken::AlreadyExists);
        assert_eq!(when_id_taken(None, None), IdTaken::AlreadyExists);
    }

    #[test]
    fn the_same_value_has_the_same_fingerprint_whatever_its_formatting() {
        let compact = fingerprint(r#"{"a":1.50,"b":[true,null,"x"],"c":{"y":1e2,"x":"é"}}"#);
        let spaced =
            fingerprint("{ \"c\": {\"x\": \"\\u00e9\", \"y\": 100},\n \"b\": [ true, null, \"x\" ], \"a\": 1.5 }");
        assert_eq!(compact, spaced);
        assert_ne!(
            compact,
            fingerprint(r#"{"a":1.51,"b":[true,null,"x"],"c":{"y":1e2,"x":"é"}}"#)
        );
        assert_ne!(fingerprint(r#"{"a":"1"}"#), fingerprint(r#"{"a":1}"#));
        assert_ne!(fingerprint(r#"{"a":[1,2]}"#), fingerprint(r#"{"a":[2,1]}"#));
        assert_eq!(compact.as_str().len(), 64);
    }
}
