//! The viewer-hour the bench prices: one hour of a VOD session as the load
//! test's players report it, at full length. A start; `play`; a ping every
//! 10 s of content; one ad break of 30 s (`adBreakStart`, `adStart`, a ping
//! every second of the ad, `adComplete`, `adBreakComplete`, `play`); a
//! 20 s pause (`pauseStart`, then `play`, no pings while paused, as in the
//! load test); `sessionComplete` and `sessionEnd`. 3,570 s of content and
//! 30 s of ads: 398 calls, 387 of them pings.

use serde_json::{Value, json};

/// Seconds of content in the hour (the rest is the ad).
pub const CONTENT_S: u64 = 3_570;
/// Seconds of ads, with a ping every second.
pub const AD_S: u64 = 30;
const CONTENT_PING_MS: u64 = 10_000;
const AD_PING_MS: u64 = 1_000;
/// Content pings before the ad break and between it and the pause (the rest after the pause).
const PINGS_BEFORE_AD: u64 = 120;
const PINGS_BEFORE_PAUSE: u64 = 180;

/// What a call is, for its units and its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Start,
    Ping,
    /// A change of state: play, pause, the ad break's four, sessionComplete.
    State,
    End,
}

impl Kind {
    pub fn of(event_type: &str) -> Self {
        match event_type {
            "sessionStart" => Kind::Start,
            "ping" => Kind::Ping,
            "sessionEnd" => Kind::End,
            _ => Kind::State,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Start => "start (`POST /api/v1/sessions`)",
            Kind::Ping => "ping",
            Kind::State => "a state event (play, pauseStart, ad break and ad events, sessionComplete)",
            Kind::End => "sessionEnd",
        }
    }
}

/// One call: its event type, the player time since the previous call, and
/// whether the content playhead moved meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub event_type: &'static str,
    pub after_ms: u64,
    pub playhead_moves: bool,
}

/// The hour's calls, in order, the start first.
pub fn calls() -> Vec<Call> {
    let call = |event_type, after_ms, playhead_moves| Call {
        event_type,
        after_ms,
        playhead_moves,
    };
    let pings = |calls: &mut Vec<Call>, n: u64| calls.extend((0..n).map(|_| call("ping", CONTENT_PING_MS, true)));
    let mut calls = vec![call("sessionStart", 0, false), call("play", 500, false)];
    pings(&mut calls, PINGS_BEFORE_AD);
    calls.push(call("adBreakStart", 0, false));
    calls.push(call("adStart", 0, false));
    calls.extend((0..AD_S / (AD_PING_MS / 1000)).map(|_| call("ping", AD_PING_MS, false)));
    calls.push(call("adComplete", 0, false));
    calls.push(call("adBreakComplete", 0, false));
    calls.push(call("play", 0, false));
    pings(&mut calls, PINGS_BEFORE_PAUSE);
    calls.push(call("pauseStart", 0, false));
    calls.push(call("play", 20_000, false));
    pings(
        &mut calls,
        CONTENT_S / (CONTENT_PING_MS / 1000) - PINGS_BEFORE_AD - PINGS_BEFORE_PAUSE,
    );
    calls.push(call("sessionComplete", 0, false));
    calls.push(call("sessionEnd", 0, false));
    calls
}

/// The `params` an event type needs (as the load test's players send them).
pub fn params(event_type: &str) -> Value {
    match event_type {
        "adBreakStart" => json!({
            "media.ad.podIndex": 1,
            "media.ad.podSecond": 1200,
            "media.ad.podFriendlyName": "midroll",
        }),
        "adStart" => json!({
            "media.ad.id": "ad-90211",
            "media.ad.length": AD_S,
            "media.ad.podPosition": 1,
            "media.ad.playerName": "sample-html5-api-player",
            "media.ad.name": "Winter Drive 30s",
        }),
        _ => json!({}),
    }
}

/// The number of calls of each kind in the hour.
pub fn count(kind: Kind) -> usize {
    calls().iter().filter(|call| Kind::of(call.event_type) == kind).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_has_398_calls_of_which_387_pings() {
        let calls = calls();
        assert_eq!(calls.len(), 398);
        assert_eq!(count(Kind::Start), 1);
        assert_eq!(count(Kind::Ping), 387);
        assert_eq!(count(Kind::State), 9);
        assert_eq!(count(Kind::End), 1);
        assert_eq!(calls[0].event_type, "sessionStart");
        assert_eq!(calls.last().map(|c| c.event_type), Some("sessionEnd"));
        // The player clock covers the hour: content and ad pings, the pause and the first play.
        let ms: u64 = calls.iter().map(|c| c.after_ms).sum();
        assert_eq!(ms, (CONTENT_S + AD_S) * 1000 + 20_000 + 500);
    }
}
