//! A downloaded session: the calls a player recorded while it played
//! downloaded media offline, sent at once as one JSON array once it is back
//! online. Element 0 is parsed by [`SessionStart`] and every further element
//! by [`SessionEvent`], as they are; only the rules of a batch are here:
//! - D1 element 0 is a sessionStart whose `params["media.downloaded"]` is
//!   `true`: required on the older route (an array body to
//!   `/api/v1/sessions`), optional on `/api/v1/downloaded`; `false` is an
//!   error on both;
//! - D2 every further element is an event, never a `sessionStart`;
//! - D3 `playerTime.ts` never decreases from one element to the next;
//! - D4 nothing follows a `sessionEnd`.
//!
//! Every error of every element is reported, its pointer prefixed with the
//! element's index (`/3/playerTime/ts`). The converse rule, that a single
//! sessionStart may not say `media.downloaded: true`, is [`single_start`].

use serde_json::{Map, Value};

use super::field_errors::{FieldError, InvalidBody};
use super::values::{json_body, type_name};
use super::{SessionEvent, SessionStart};

/// What the body is called in messages.
const BODY: &str = "downloaded session";
const DOWNLOADED: &str = "media.downloaded";
const SESSION_START: &str = "sessionStart";
const SESSION_END: &str = "sessionEnd";

/// The route a downloaded session came by: D1 differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadedRoute {
    /// `POST /api/v1/downloaded`: `media.downloaded` may be left out.
    Downloaded,
    /// An array body to `POST /api/v1/sessions` (the older form):
    /// `media.downloaded: true` is required.
    Sessions,
}

/// A valid downloaded session: its start, then its events in the order the
/// player made them (their `playerTime.ts` never decreases, and nothing
/// follows a `sessionEnd`).
#[derive(Debug, Clone)]
pub struct DownloadedBatch {
    pub start: SessionStart,
    pub events: Vec<SessionEvent>,
}

impl DownloadedBatch {
    /// The body as JSON, for the caller that needs the value as well (the
    /// session id is its fingerprint); [`DownloadedBatch::from_json`] then
    /// parses it.
    pub fn json(body: &str) -> Result<Value, InvalidBody> {
        if body.trim().is_empty() {
            return Err(InvalidBody::whole(
                BODY,
                "the body is empty; send the session's calls as a JSON array",
            ));
        }
        json_body(body, BODY, "a downloaded session")
    }

    /// Parses a body already read as JSON. On failure, every broken rule of
    /// every element is in the error.
    pub fn from_json(value: &Value, route: DownloadedRoute) -> Result<Self, InvalidBody> {
        let Value::Array(elements) = value else {
            return Err(InvalidBody::whole(
                BODY,
                format!(
                    "the body must be a JSON array of the session's calls, not {}",
                    type_name(value)
                ),
            ));
        };
        if elements.is_empty() {
            return Err(InvalidBody::whole(
                BODY,
                "the array is empty; a downloaded session starts with its sessionStart",
            ));
        }

        let mut errors: Vec<Vec<FieldError>> = vec![Vec::new(); elements.len()];
        let mut start = None;
        let mut events = Vec::with_capacity(elements.len() - 1);
        let mut previous_ts: Option<(usize, i64)> = None;
        let mut ended_at: Option<usize> = None;

        for (index, element) in elements.iter().enumerate() {
            let found = &mut errors[index];
            let Value::Object(object) = element else {
                found.push(at(
                    index,
                    "",
                    format!(
                        "must be an object (one call of the session), not {}",
                        type_name(element)
                    ),
                ));
                continue;
            };
            if index == 0 {
                found.extend(flag_rule(object, route));
                match SessionStart::from_object(object) {
                    Ok(parsed) => start = Some(parsed),
                    Err(invalid) => found.extend(prefixed(index, invalid)),
                }
            } else if object.get("eventType").and_then(Value::as_str) == Some(SESSION_START) {
                found.push(at(
                    index,
                    "/eventType",
                    "a sessionStart comes only first (element 0) in a downloaded session; \
                     send each session as its own array",
                ));
            } else {
                match SessionEvent::from_object(object) {
                    Ok(parsed) => events.push(parsed),
                    Err(invalid) => found.extend(prefixed(index, invalid)),
                }
            }

            if let Some(end) = ended_at {
                found.push(at(
                    index,
                    "",
                    format!("follows the sessionEnd at /{end}; nothing comes after a sessionEnd"),
                ));
            } else if index > 0 && object.get("eventType").and_then(Value::as_str) == Some(SESSION_END) {
                ended_at = Some(index);
            }

            let ts = object
                .get("playerTime")
                .and_then(|player_time| player_time.get("ts"))
                .and_then(whole_millis);
            if let Some(ts) = ts {
                match previous_ts {
                    Some((before, previous)) if ts < previous => found.push(at(
                        index,
                        "/playerTime/ts",
                        format!(
                            "is earlier than the ts of the call before ({previous} at /{before}/playerTime/ts); \
                             send the calls in the order the player made them"
                        ),
                    )),
                    _ => previous_ts = Some((index, ts)),
                }
            }
        }

        let failing = errors.iter().filter(|found| !found.is_empty()).count();
        match start {
            Some(start) if failing == 0 => Ok(Self { start, events }),
            _ => {
                let errors: Vec<FieldError> = errors.into_iter().flatten().collect();
                let summary = format!(
                    "the {BODY} body has {} in {failing} of its {} calls",
                    count(errors.len(), "error"),
                    elements.len()
                );
                Err(InvalidBody::summarised(BODY, errors, summary))
            }
        }
    }
}

/// Parses a single (object) sessionStart body, as [`SessionStart::from_json`]
/// does, and also refuses `media.downloaded: true` there: that flag belongs
/// to a downloaded session, sent as an array of the session's calls.
pub fn single_start(value: &Value) -> Result<SessionStart, InvalidBody> {
    let flagged = value
        .get("params")
        .and_then(|params| params.get(DOWNLOADED))
        .is_some_and(|flag| *flag == Value::Bool(true));
    let misplaced = flagged.then(|| FieldError {
        pointer: format!("/params/{DOWNLOADED}"),
        detail: "only in a downloaded session: an array of the session's calls, sent to POST /api/v1/downloaded"
            .to_owned(),
    });
    match (SessionStart::from_json(value), misplaced) {
        (parsed, None) => parsed,
        (Err(invalid), Some(error)) => Err(invalid.with([error])),
        (Ok(_), Some(error)) => Err(InvalidBody::summarised(
            SESSION_START,
            vec![error],
            "the sessionStart body has 1 error",
        )),
    }
}

/// D1: what element 0 says about `media.downloaded`. A value that is no
/// boolean is the sessionStart's own rule (V7), reported there.
fn flag_rule(start: &Map<String, Value>, route: DownloadedRoute) -> Option<FieldError> {
    let Some(Value::Object(params)) = start.get("params") else {
        return None;
    };
    let detail = match (params.get(DOWNLOADED), route) {
        (Some(Value::Bool(false)), _) => "must be true in a downloaded session (or left out on /api/v1/downloaded)",
        (None, DownloadedRoute::Sessions) => {
            "is required and must be true: an array body to /api/v1/sessions is a downloaded session \
             (or send it to /api/v1/downloaded, where the flag may be left out)"
        }
        _ => return None,
    };
    Some(at(0, &format!("/params/{DOWNLOADED}"), detail))
}

/// A `ts` as whole milliseconds when it is one (`1509045324153.0` too);
/// anything else is the element's own error (V4), and D3 skips it.
fn whole_millis(ts: &Value) -> Option<i64> {
    ts.as_i64().or_else(|| {
        ts.as_f64()
            .filter(|millis| millis.is_finite() && millis.fract() == 0.0 && millis.abs() < 1e15)
            .map(|millis| millis as i64)
    })
}

/// The errors of element `index`, their pointers under `/index`.
fn prefixed(index: usize, invalid: InvalidBody) -> impl Iterator<Item = FieldError> {
    invalid.into_errors().into_iter().map(move |error| FieldError {
        pointer: format!("/{index}{}", error.pointer),
        detail: error.detail,
    })
}

/// An error at `pointer` (RFC 6901, already escaped) inside element `index`.
fn at(index: usize, pointer: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        pointer: format!("/{index}{pointer}"),
        detail: detail.into(),
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const T: i64 = 1_509_045_324_153;

    fn start(downloaded: Option<bool>) -> Value {
        let mut params = json!({
            "analytics.trackingServer": "t", "analytics.reportSuite": "r",
            "visitor.marketingCloudOrgId": "o", "media.id": "m", "media.contentType": "VOD",
            "media.playerName": "p", "media.channel": "c", "media.length": 60
        });
        if let Some(flag) = downloaded {
            params[DOWNLOADED] = json!(flag);
        }
        json!({ "eventType": "sessionStart", "playerTime": { "playhead": 0, "ts": T }, "params": params })
    }

    fn call(event_type: &str, ts: i64) -> Value {
        json!({ "eventType": event_type, "playerTime": { "playhead": 1, "ts": ts } })
    }

    fn pointers(result: Result<DownloadedBatch, InvalidBody>) -> (Vec<String>, String) {
        let invalid = result.expect_err("an invalid batch");
        let pointers = invalid.errors().iter().map(|error| error.pointer.clone()).collect();
        (pointers, invalid.to_string())
    }

    #[test]
    fn a_whole_session_parses_into_its_start_and_events() {
        let body = json!([
            start(Some(true)),
            call("play", T + 4_700),
            call("ping", T + 14_700),
            call("sessionComplete", T + 20_000),
            call("sessionEnd", T + 20_000)
        ]);
        let batch = DownloadedBatch::from_json(&body, DownloadedRoute::Sessions).unwrap();
        assert_eq!(batch.events.len(), 4);
        assert_eq!(batch.events[3].key(), format!("00{}#sessionEnd", T + 20_000));
    }

    #[test]
    fn the_flag_is_required_only_on_the_older_route_and_false_is_refused_on_both() {
        let without = json!([start(None), call("play", T)]);
        assert!(DownloadedBatch::from_json(&without, DownloadedRoute::Downloaded).is_ok());
        let (found, _) = pointers(DownloadedBatch::from_json(&without, DownloadedRoute::Sessions));
        assert_eq!(found, ["/0/params/media.downloaded"]);
        for route in [DownloadedRoute::Downloaded, DownloadedRoute::Sessions] {
            let off = json!([start(Some(false)), call("play", T)]);
            assert_eq!(
                pointers(DownloadedBatch::from_json(&off, route)).0,
                ["/0/params/media.downloaded"]
            );
        }
    }

    #[test]
    fn every_error_of_every_element_is_reported_under_its_index() {
        let body = json!([
            start(Some(true)),
            call("play", T + 10),
            call("ping", T + 5),
            start(Some(true)),
            { "eventType": "ping", "playerTime": { "playhead": -1, "ts": T + 20 }, "extra": 1 },
            call("sessionEnd", T + 30),
            call("ping", T + 40),
            7
        ]);
        let (found, detail) = pointers(DownloadedBatch::from_json(&body, DownloadedRoute::Downloaded));
        assert_eq!(
            found,
            [
                "/2/playerTime/ts",
                "/3/eventType",
                "/3/playerTime/ts",
                "/4/extra",
                "/4/playerTime/playhead",
                "/6",
                "/7"
            ]
        );
        assert_eq!(detail, "the downloaded session body has 7 errors in 5 of its 8 calls");
    }

    #[test]
    fn an_empty_array_or_no_array_is_one_error_at_the_root() {
        for body in [json!([]), json!({}), json!("x")] {
            let (found, _) = pointers(DownloadedBatch::from_json(&body, DownloadedRoute::Downloaded));
            assert_eq!(found, [""]);
        }
        let (found, _) = pointers(DownloadedBatch::from_json(
            &json!([1, "a"]),
            DownloadedRoute::Downloaded,
        ));
        assert_eq!(found, ["/0", "/1"]);
    }

    #[test]
    fn a_single_start_may_not_say_it_was_downloaded() {
        let invalid = single_start(&start(Some(true))).unwrap_err();
        assert_eq!(invalid.errors()[0].pointer, "/params/media.downloaded");
        assert_eq!(invalid.to_string(), "the sessionStart body has 1 error");
        assert!(single_start(&start(Some(false))).is_ok());
        assert!(single_start(&start(None)).is_ok());
        let mut broken = start(Some(true));
        broken["params"]["media.id"] = json!("");
        assert_eq!(single_start(&broken).unwrap_err().errors().len(), 2);
    }
}
