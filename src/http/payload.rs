//! The invocation's bytes, made JSON that the runtime can read, before it
//! reads them.
//!
//! `lambda_runtime` parses each payload before the handler runs, and fails
//! the invocation when that fails: a Lambda error, which API Gateway and the
//! ALB answer with a 502, and no request log line or metrics record. Two
//! things in an HTTP event that a client controls make the parse fail:
//! bytes that are not UTF-8 (an ALB passes the bytes of header values, query
//! values and the path through as sent), a `\u` escape of a lone UTF-16
//! surrogate (`\ud800`), which JSON allows and a Rust string cannot hold,
//! and escapes JSON does not define at all: an ALB has been seen to deliver
//! a header byte outside UTF-8 as `\xE9`, and `\u` with bad hex digits or a
//! backslash before any other character are as unreadable.
//!
//! [`RepairLayer`] sits between the runtime and the handler and mends
//! exactly those, as a browser decodes text:
//! - each sequence of bytes that is not UTF-8 becomes U+FFFD, the
//!   replacement character;
//! - each lone surrogate escape, and each escape JSON does not define,
//!   becomes `\ufffd` (`\xE9` is one byte, so one replacement character).
//!
//! A header whose value then holds U+FFFD is set aside by the envelope (as
//! one HTTP does not allow); a path that holds it routes as any other.
//! The body is the exception, since a body is stored exactly as sent: when
//! the `body` member itself was not text, it is passed on base64-encoded,
//! as its bytes, and the handler answers 400 "not UTF-8" as for any such
//! body. A payload that needs none of this is passed on untouched, with no
//! copy.

use std::borrow::Cow;
use std::task::{Context, Poll};

use lambda_runtime::LambdaInvocation;
use lambda_runtime::tower::{Layer, Service};
use serde::Deserialize;
use serde::de::{Deserializer, Visitor};
use serde_json::Value;

use super::envelope::base64_encode;

/// What was mended in a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The payload, now JSON text a Rust string can hold.
    pub payload: Vec<u8>,
    /// Some bytes were not UTF-8.
    pub invalid_utf8: bool,
    /// How many lone surrogate escapes were replaced.
    pub lone_surrogates: usize,
    /// How many escapes JSON does not define were replaced (`\xE9`, `\u`
    /// without four hex digits, a backslash before any other character).
    pub bad_escapes: usize,
    /// The body was not text, and is passed on base64-encoded.
    pub body_as_base64: bool,
}

/// The payload mended, or `None` when it needs nothing.
pub fn repair(payload: &[u8]) -> Option<Repaired> {
    let text = String::from_utf8_lossy(payload);
    let invalid_utf8 = matches!(text, Cow::Owned(_));
    let (text, mended) = replace_bad_escapes(&text);
    if !invalid_utf8 && mended.total() == 0 {
        return None;
    }
    let (payload, body_as_base64) = match body_bytes_if_not_text(payload) {
        Some(body) => match with_base64_body(&text, &body) {
            Some(payload) => (payload, true),
            None => (text.into_owned().into_bytes(), false),
        },
        None => (text.into_owned().into_bytes(), false),
    };
    Some(Repaired {
        payload,
        invalid_utf8,
        lone_surrogates: mended.lone_surrogates,
        bad_escapes: mended.bad_escapes,
        body_as_base64,
    })
}

/// `text` with every escape JSON cannot read replaced by `\ufffd`, and how
/// many there were of each kind. Escapes appear only inside JSON strings, so
/// reading escape after escape from each `\` finds them all.
fn replace_bad_escapes(text: &str) -> (Cow<'_, str>, Mended) {
    let bytes = text.as_bytes();
    let hex_digits = |from: usize, most: usize| {
        bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take(most)
            .take_while(|byte| byte.is_ascii_hexdigit())
            .count()
    };
    let surrogate_at = |at: usize| -> Option<u16> {
        let escape = bytes.get(at..at + 6)?;
        if escape[0] != b'\\' || escape[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&escape[2..]).ok()?;
        u16::from_str_radix(hex, 16)
            .ok()
            .filter(|unit| (0xD800..=0xDFFF).contains(unit))
    };
    let mut mended = String::new();
    let mut copied = 0;
    let mut count = Mended::default();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        // How long the escape at `at` is, if JSON cannot read it.
        let bad = match bytes.get(at + 1) {
            None => None,
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                at += 2;
                continue;
            }
            Some(b'u') if hex_digits(at + 2, 4) < 4 => Some((2 + hex_digits(at + 2, 4), &mut count.bad_escapes)),
            Some(b'u') => match surrogate_at(at) {
                // A pair: a high surrogate, then a low one.
                Some(0xD800..=0xDBFF) if surrogate_at(at + 6).is_some_and(|low| low >= 0xDC00) => {
                    at += 12;
                    continue;
                }
                Some(_) => Some((6, &mut count.lone_surrogates)),
                None => {
                    at += 6;
                    continue;
                }
            },
            // `\xE9`: a byte, as some tools print one that is not UTF-8.
            Some(b'x') => Some((2 + hex_digits(at + 2, 2), &mut count.bad_escapes)),
            Some(_) => {
                let escaped = text[at + 1..].chars().next().map_or(1, char::len_utf8);
                Some((1 + escaped, &mut count.bad_escapes))
            }
        };
        let Some((length, counter)) = bad else {
            break;
        };
        *counter += 1;
        mended.push_str(&text[copied..at]);
        mended.push_str("\\ufffd");
        at += length;
        copied = at;
    }
    if count.total() == 0 {
        return (Cow::Borrowed(text), count);
    }
    mended.push_str(&text[copied..]);
    (Cow::Owned(mended), count)
}

/// How many escapes of each kind were replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mended {
    lone_surrogates: usize,
    bad_escapes: usize,
}

impl Mended {
    fn total(self) -> usize {
        self.lone_surrogates + self.bad_escapes
    }
}

/// The bytes of the payload's `body` member, when it is a string that is
/// not text: bytes that are not UTF-8, or a lone surrogate escape. The body
/// of an event whose flag says base64 is left alone (base64 is ASCII, and
/// anything else in it makes a 400 of its own).
fn body_bytes_if_not_text(payload: &[u8]) -> Option<Vec<u8>> {
    #[derive(Deserialize)]
    struct Event {
        #[serde(default)]
        body: Option<BodyBytes>,
        #[serde(default, rename = "isBase64Encoded")]
        flag: Option<Value>,
        #[serde(default, rename = "is_base64_encoded")]
        flag_v1: Option<Value>,
    }
    // Every other member is skipped unread (serde ignores unknown members
    // without decoding their text), whatever its bytes.
    let event: Event = serde_json::from_slice(payload).ok()?;
    let base64 = |flag: &Option<Value>| match flag {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(flag)) => flag.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if base64(&event.flag) || base64(&event.flag_v1) {
        return None;
    }
    let body = event.body?.0;
    std::str::from_utf8(&body).is_err().then_some(body)
}

/// A JSON string's bytes as sent: escapes decoded, lone surrogates as WTF-8.
struct BodyBytes(Vec<u8>);

impl<'de> Deserialize<'de> for BodyBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = BodyBytes;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<BodyBytes, E> {
                Ok(BodyBytes(bytes.to_vec()))
            }
            fn visit_str<E>(self, text: &str) -> Result<BodyBytes, E> {
                Ok(BodyBytes(text.as_bytes().to_vec()))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

/// The mended payload with `body` replaced by the base64 of its bytes, and
/// the base64 flag set; `None` if the payload is no JSON object.
fn with_base64_body(mended: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut event: Value = serde_json::from_str(mended).ok()?;
    let members = event.as_object_mut()?;
    members.insert("body".to_owned(), Value::String(base64_encode(body)));
    let flag = if members.contains_key("is_base64_encoded") {
        "is_base64_encoded"
    } else {
        "isBase64Encoded"
    };
    members.insert(flag.to_owned(), Value::Bool(true));
    serde_json::to_vec(&event).ok()
}

/// The tower layer that mends every payload before the runtime parses it:
/// `Runtime::new(handler).layer(RepairLayer)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RepairLayer;

impl<S> Layer<S> for RepairLayer {
    type Service = RepairService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RepairService { inner }
    }
}

/// See [`RepairLayer`].
#[derive(Debug, Clone)]
pub struct RepairService<S> {
    inner: S,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for RepairService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        if let Some(repaired) = repair(&invocation.body) {
            tracing::warn!(
                request_id = %invocation.context.request_id,
                invalid_utf8 = repaired.invalid_utf8,
                lone_surrogates = repaired.lone_surrogates,
                bad_escapes = repaired.bad_escapes,
                body_as_base64 = repaired.body_as_base64,
                "payload mended: text that was not UTF-8 replaced by U+FFFD"
            );
            invocation.body = repaired.payload.into();
        }
        self.inner.call(invocation)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(repaired: &Repaired) -> Value {
        serde_json::from_slice(&repaired.payload).expect("the mended payload parses")
    }

    #[test]
    fn a_sound_payload_is_left_alone() {
        for payload in [
            br#"{"a":"\u00e9\ud83d\ude00","b":"\\ud800"}"#.as_slice(),
            "{\"a\":\"é\"}".as_bytes(),
            b"not json at all",
        ] {
            assert_eq!(repair(payload), None, "{}", String::from_utf8_lossy(payload));
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_become_the_replacement_character() {
        let payload = b"{\"headers\":{\"user-agent\":\"Beno\xEEt\",\"x\":\"\xE9\"},\"path\":\"/a\xFF\"}";
        assert!(serde_json::from_slice::<Value>(payload).is_err());
        let repaired = repair(payload).unwrap();
        assert!(repaired.invalid_utf8);
        assert!(!repaired.body_as_base64);
        assert_eq!(
            parsed(&repaired),
            json!({ "headers": { "user-agent": "Beno\u{FFFD}t", "x": "\u{FFFD}" }, "path": "/a\u{FFFD}" })
        );
    }

    #[test]
    fn lone_surrogate_escapes_become_the_replacement_character() {
        let payload = br#"{"a":"\ud800","b":"x\udc00y","c":"\ud83d\ude00","d":"\ud800\ud800\udc00","e":"\\\ud800"}"#;
        assert!(serde_json::from_slice::<Value>(payload).is_err());
        let repaired = repair(payload).unwrap();
        assert_eq!(repaired.lone_surrogates, 4);
        assert!(!repaired.invalid_utf8);
        assert_eq!(
            parsed(&repaired),
            json!({ "a": "\u{FFFD}", "b": "x\u{FFFD}y", "c": "😀", "d": "\u{FFFD}𐀀", "e": "\\\u{FFFD}" })
        );
    }

    #[test]
    fn escapes_json_does_not_define_become_the_replacement_character() {
        let cases: [(&[u8], Value, usize); 7] = [
            (
                br#"{"user-agent":"PlayerApp/2.0 (T\xE9l\xE9 salon)"}"#,
                json!({ "user-agent": "PlayerApp/2.0 (T\u{FFFD}l\u{FFFD} salon)" }),
                2,
            ),
            (
                br#"{"a":"\x","b":"\x4"}"#,
                json!({ "a": "\u{FFFD}", "b": "\u{FFFD}" }),
                2,
            ),
            (br#"{"a":"\u12G4"}"#, json!({ "a": "\u{FFFD}G4" }), 1),
            (br#"{"a":"\u"}"#, json!({ "a": "\u{FFFD}" }), 1),
            (br#"{"a":"\q\a\0"}"#, json!({ "a": "\u{FFFD}\u{FFFD}\u{FFFD}" }), 3),
            ("{\"a\":\"\\é\"}".as_bytes(), json!({ "a": "\u{FFFD}" }), 1),
            (br#"{"a":"\\x\n\u00e9\/"}"#, json!({ "a": "\\x\né/" }), 0),
        ];
        for (payload, expected, bad) in cases {
            let shown = String::from_utf8_lossy(payload);
            if bad == 0 {
                assert_eq!(repair(payload), None, "{shown}");
                continue;
            }
            assert!(serde_json::from_slice::<Value>(payload).is_err(), "{shown}");
            let repaired = repair(payload).unwrap_or_else(|| panic!("{shown} mended"));
            assert_eq!(repaired.bad_escapes, bad, "{shown}");
            assert_eq!(repaired.lone_surrogates, 0, "{shown}");
            assert_eq!(parsed(&repaired), expected, "{shown}");
        }
    }

    #[test]
    fn a_body_that_is_not_text_is_passed_on_as_its_bytes_in_base64() {
        let payload = b"{\"body\":\"{\\\"a\\\":\\\"\xE9\\\"}\",\"isBase64Encoded\":false,\"headers\":{\"x\":\"\xFF\"}}";
        let repaired = repair(payload).unwrap();
        assert!(repaired.body_as_base64);
        let event = parsed(&repaired);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], base64_encode(b"{\"a\":\"\xE9\"}"));
        assert_eq!(event["headers"]["x"], "\u{FFFD}");

        let lone = br#"{"raw_path":"/","method":"POST","body":"\ud800","is_base64_encoded":false}"#;
        let event = parsed(&repair(lone).unwrap());
        assert_eq!(event["is_base64_encoded"], true);
        assert_eq!(event["body"], base64_encode(b"\xED\xA0\x80"));
    }

    #[test]
    fn a_body_that_is_text_is_kept_when_something_else_is_mended() {
        let payload = b"{\"body\":\"{}\",\"headers\":{\"x\":\"\xFF\"}}";
        let repaired = repair(payload).unwrap();
        assert!(!repaired.body_as_base64);
        assert_eq!(parsed(&repaired)["body"], "{}");
    }

    #[test]
    fn a_truncated_escape_or_broken_json_does_not_panic() {
        for payload in [
            b"\\".as_slice(),
            b"\\u",
            b"\\ud80",
            b"\"\\ud800\\u",
            b"\xFF\\ud800",
            b"\\x",
            b"\\u12",
            b"\"\\\xC3",
            b"{\"body\":7,\"x\":\"\xFF\"}",
        ] {
            let _ = repair(payload);
        }
    }
}
