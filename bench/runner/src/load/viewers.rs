//! The load test's players: each one a viewer who starts a session and then
//! reports it call by call, in order, as a real player does: `play`, a
//! `ping` every 10 s of content, one a second during an ad, an ad break, a
//! pause, and `sessionEnd`. A session is compressed in time (the calls go
//! out as fast as the offered load asks) but keeps the real mix of calls:
//! mostly pings, a few state changes, one start per session.
//!
//! Every call is an API Gateway HTTP API event (payload 2.0), built from the
//! repository's sample events, so the function parses exactly what it would
//! get in AWS.

use serde_json::{Value, json};

/// What kind of session a new viewer plays: the hook for the mix.
///
/// Downloaded sessions (played offline, sent as one JSON array to
/// `POST /api/v1/downloaded`) join the mix here once that route exists:
/// a `Downloaded` variant whose one call is the whole batch, chosen by
/// [`Kind::of_viewer`] for a small share of viewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A session played online: a start, then its events one by one.
    Live,
}

impl Kind {
    /// The kind of the `n`th viewer (every viewer is live until downloaded
    /// sessions are added).
    pub fn of_viewer(_n: u64) -> Self {
        Kind::Live
    }
}

/// One call of a session: the event type, the player time that passed
/// since the previous call (ms), and whether the content playhead moved
/// meanwhile (it stands still during ads and pauses).
#[derive(Debug, Clone, Copy)]
struct Beat {
    event_type: &'static str,
    after_ms: u64,
    playhead_moves: bool,
}

const START: &str = "sessionStart";
const CONTENT_PING_MS: u64 = 10_000;
const AD_PING_MS: u64 = 1_000;

/// A live session: 9 minutes of content with a 15-second mid-roll ad and a
/// pause, 80 calls of which 69 are pings (86 %) and one is the start.
fn live_session() -> Vec<Beat> {
    let beat = |event_type, after_ms, playhead_moves| Beat {
        event_type,
        after_ms,
        playhead_moves,
    };
    let mut beats = vec![beat(START, 0, false), beat("play", 500, false)];
    let content = |beats: &mut Vec<Beat>, pings: usize| {
        beats.extend((0..pings).map(|_| beat("ping", CONTENT_PING_MS, true)));
    };
    content(&mut beats, 24);
    beats.push(beat("adBreakStart", 1_000, true));
    beats.push(beat("adStart", 100, false));
    beats.extend((0..15).map(|_| beat("ping", AD_PING_MS, false)));
    beats.push(beat("adComplete", 100, false));
    beats.push(beat("adBreakComplete", 100, false));
    beats.push(beat("play", 100, false));
    content(&mut beats, 18);
    beats.push(beat("pauseStart", 3_000, true));
    beats.push(beat("play", 20_000, false));
    content(&mut beats, 12);
    beats.push(beat("sessionComplete", 4_000, true));
    beats.push(beat("sessionEnd", 500, false));
    beats
}

/// The `params` an event type needs (the sample events' values).
fn params(event_type: &str) -> Value {
    match event_type {
        "adBreakStart" => json!({
            "media.ad.podIndex": 1,
            "media.ad.podSecond": 240,
            "media.ad.podFriendlyName": "midroll",
        }),
        "adStart" => json!({
            "media.ad.id": "ad-90211",
            "media.ad.length": 15,
            "media.ad.podPosition": 1,
            "media.ad.playerName": "sample-html5-api-player",
            "media.ad.name": "Winter Drive 15s",
        }),
        _ => json!({}),
    }
}

/// The request templates: a session start and an event, as API Gateway
/// sends them (from `events/`).
pub struct Templates {
    pub start: Value,
    pub event: Value,
}

impl Templates {
    /// `start` and `event` are the sample events `apigw-http-session-start.json`
    /// and `apigw-http-event-play.json`.
    pub fn new(mut start: Value, mut event: Value) -> anyhow::Result<Self> {
        for template in [&mut start, &mut event] {
            // The body changes with each call; API Gateway would recompute it.
            if let Some(headers) = template["headers"].as_object_mut() {
                headers.remove("content-length");
            }
        }
        let body: Value = serde_json::from_str(start["body"].as_str().unwrap_or_default())
            .map_err(|error| anyhow::anyhow!("the session-start sample's body: {error}"))?;
        anyhow::ensure!(
            body["eventType"] == START,
            "the session-start sample is not a sessionStart"
        );
        anyhow::ensure!(
            event["requestContext"]["http"]["method"] == "POST",
            "the event sample is not a POST"
        );
        Ok(Self { start, event })
    }

    pub fn start_event(&self, ts: u64) -> Value {
        let mut event = self.start.clone();
        let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap_or_default()).unwrap_or_default();
        body["playerTime"] = json!({ "playhead": 0, "ts": ts });
        // Long enough for every playhead the session reports.
        body["params"]["media.length"] = json!(1800);
        event["body"] = Value::String(body.to_string());
        event
    }

    pub fn session_event(&self, session_id: &str, event_type: &str, playhead_s: u64, ts: u64) -> Value {
        let mut event = self.event.clone();
        let path = format!("/api/v1/sessions/{session_id}/events");
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["pathParameters"] = json!({ "sessionId": session_id });
        let body = json!({
            "playerTime": { "playhead": playhead_s, "ts": ts },
            "eventType": event_type,
            "params": params(event_type),
        });
        event["body"] = Value::String(body.to_string());
        event
    }
}

/// What a call was, to check it in DynamoDB afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Start,
    /// An event of this session under this sort key (`eventKey`).
    Event {
        session_id: String,
        event_key: String,
    },
}

/// One viewer's session in progress.
#[derive(Debug)]
pub struct Viewer {
    kind: Kind,
    script: Vec<Beat>,
    /// The next call's index in `script`.
    next: usize,
    session_id: Option<String>,
    ts: u64,
    playhead_s: u64,
}

impl Viewer {
    /// The `n`th viewer; its player clock starts at `epoch_ms`.
    pub fn new(n: u64, epoch_ms: u64) -> Self {
        let kind = Kind::of_viewer(n);
        let script = match kind {
            Kind::Live => live_session(),
        };
        Self {
            kind,
            script,
            next: 0,
            session_id: None,
            ts: epoch_ms,
            playhead_s: 0,
        }
    }

    /// The next call as an invocation event, and what it is.
    pub fn next_call(&self, templates: &Templates) -> (Value, Sent) {
        let beat = self.script[self.next];
        let ts = self.ts + beat.after_ms;
        let playhead_s = self.playhead_s + if beat.playhead_moves { beat.after_ms / 1000 } else { 0 };
        match (self.kind, &self.session_id) {
            (Kind::Live, None) => (templates.start_event(ts), Sent::Start),
            (Kind::Live, Some(session_id)) => {
                let event = templates.session_event(session_id, beat.event_type, playhead_s, ts);
                let event_key = format!("{ts:015}#{}", beat.event_type);
                (
                    event,
                    Sent::Event {
                        session_id: session_id.clone(),
                        event_key,
                    },
                )
            }
        }
    }

    /// The call was answered (whatever the answer): on to the next one.
    /// False when the session has no more calls.
    pub fn advance(&mut self) -> bool {
        let beat = self.script[self.next];
        self.ts += beat.after_ms;
        if beat.playhead_moves {
            self.playhead_s += beat.after_ms / 1000;
        }
        self.next += 1;
        self.next < self.script.len()
    }

    /// The session the start opened (from its `Location`).
    pub fn started(&mut self, session_id: String) {
        self.session_id = Some(session_id);
    }
}

/// The session id in a 201's `Location` header.
pub fn session_of(answer: &Value) -> Option<String> {
    let (_, location) = answer["headers"]
        .as_object()?
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))?;
    let location = location.as_str()?;
    let id = location.rsplit('/').next()?;
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_session_has_the_players_mix() {
        let beats = live_session();
        assert_eq!(beats.len(), 80);
        assert_eq!(beats[0].event_type, START);
        assert_eq!(beats.last().map(|b| b.event_type), Some("sessionEnd"));
        let pings = beats.iter().filter(|b| b.event_type == "ping").count();
        assert_eq!(pings, 69);
        assert_eq!(beats.iter().filter(|b| b.event_type == START).count(), 1);
    }

    #[test]
    fn a_viewer_sends_its_start_then_its_events_with_growing_times() {
        let templates = Templates::new(
            json!({ "headers": { "content-length": "5" }, "body": r#"{"eventType":"sessionStart","params":{},"playerTime":{"playhead":0,"ts":1}}"#, "requestContext": { "http": { "method": "POST" } } }),
            json!({ "headers": {}, "body": "{}", "requestContext": { "http": { "method": "POST", "path": "/" } } }),
        )
        .unwrap();
        let mut viewer = Viewer::new(0, 1_800_000_000_000);
        let (start, sent) = viewer.next_call(&templates);
        assert_eq!(sent, Sent::Start);
        assert!(start["headers"]["content-length"].is_null());
        assert!(viewer.advance());
        viewer.started("a".repeat(64));
        let mut keys = Vec::new();
        loop {
            let (event, sent) = viewer.next_call(&templates);
            let Sent::Event { session_id, event_key } = sent else {
                panic!("a second start")
            };
            assert_eq!(session_id, "a".repeat(64));
            assert_eq!(event["pathParameters"]["sessionId"], session_id.as_str());
            keys.push(event_key);
            if !viewer.advance() {
                break;
            }
        }
        assert_eq!(keys.len(), 79);
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{keys:?}");
        assert!(keys.last().unwrap().ends_with("#sessionEnd"));
    }

    #[test]
    fn the_session_id_comes_from_the_location() {
        let id = "0123456789abcdef".repeat(4);
        let answer = json!({ "statusCode": 201, "headers": { "location": format!("/api/v1/sessions/{id}") } });
        assert_eq!(session_of(&answer), Some(id));
        assert_eq!(session_of(&json!({ "headers": {} })), None);
    }
}
