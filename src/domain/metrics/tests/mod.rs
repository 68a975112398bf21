//! Tests of the metrics module against docs/api.md#8a-session-metrics: the worked examples (docs/api.md#worked-examples),
//! Adobe's three timelines (A2), unit rules, the encoding, and properties.

use std::str::FromStr;

use bigdecimal::BigDecimal;

use super::{Call, Kind, MetricValue, Metrics, Qoe, Start, StateMetric, Tracker};

mod codec;
mod examples;
mod props;
mod timelines;
mod units;
mod units_values;

/// The sessionStart's ts in every test (any value works: only deltas count).
pub(super) const T0: i64 = 1_752_000_000_000;

pub(super) fn dec(s: &str) -> BigDecimal {
    BigDecimal::from_str(s).expect("test decimal")
}

/// A VOD sessionStart at T0, playhead 0, no QoE.
pub(super) fn vod(length: &str) -> Start {
    Start {
        ts: T0,
        playhead: dec("0"),
        media_length: dec(length),
        live: false,
        resume: false,
        qoe: Qoe::default(),
    }
}

/// Adobe's sample content (timelines 1–3).
pub(super) fn adobe_vod() -> Start {
    vod("60.3333333333333")
}

/// A call at `ms` after T0 with a playhead given as text.
pub(super) fn call_ms(ms: i64, playhead: &str, kind: Kind) -> Call {
    Call {
        ts: T0 + ms,
        kind,
        playhead: dec(playhead),
        state_name: None,
        qoe: Qoe::default(),
    }
}

/// A call at whole second `sec` with a whole-second playhead.
pub(super) fn at(sec: i64, playhead: i64, kind: Kind) -> Call {
    call_ms(sec * 1000, &playhead.to_string(), kind)
}

/// The same call carrying a bitrate.
pub(super) fn with_bitrate(mut call: Call, bitrate: &str) -> Call {
    call.qoe.bitrate = Some(dec(bitrate));
    call
}

/// A stateStart / stateEnd call.
pub(super) fn state_call(sec: i64, playhead: i64, kind: Kind, name: &str) -> Call {
    let mut call = at(sec, playhead, kind);
    call.state_name = Some(name.to_owned());
    call
}

/// A tracker fed `calls` in the given (arrival) order.
pub(super) fn run(start: &Start, calls: &[Call]) -> Tracker {
    let mut t = Tracker::start(start);
    for call in calls {
        t.accept(call.clone());
    }
    t
}

/// Asserts number metrics by exact text.
#[track_caller]
pub(super) fn assert_numbers(m: &Metrics, expected: &[(&str, &str)]) {
    for (name, text) in expected {
        assert_eq!(m.number(name), Some(*text), "metric {name} in {m:#?}");
    }
}

/// Asserts boolean metrics.
#[track_caller]
pub(super) fn assert_flags(m: &Metrics, expected: &[(&str, bool)]) {
    for (name, value) in expected {
        assert_eq!(m.flag(name), Some(*value), "metric {name}");
    }
}

/// Asserts that every count metric not listed is "0".
#[track_caller]
pub(super) fn assert_other_counts_zero(m: &Metrics, listed: &[(&str, &str)]) {
    for (name, value) in &m.0 {
        if name.ends_with("Count")
            && !listed.iter().any(|(n, _)| n == name)
            && *value != MetricValue::Number("0".to_owned())
        {
            panic!("{name} = {value:?}, expected 0");
        }
    }
}

/// Adobe's timeline 1 as docs/api.md#worked-examples example 1 lists it (tables' playheads).
pub(super) fn timeline1() -> Vec<Call> {
    use Kind::*;
    vec![
        at(0, 0, AdBreakStart),
        at(0, 0, AdStart),
        at(1, 0, Ping),
        at(2, 0, Ping),
        at(3, 0, Ping),
        at(15, 0, AdComplete),
        at(15, 0, AdStart),
        at(20, 0, Ping),
        at(22, 0, AdComplete),
        at(22, 0, AdBreakComplete),
        at(22, 0, Play),
        at(30, 8, Ping),
        at(33, 11, BufferStart),
        at(36, 11, Play),
        at(40, 15, Ping),
        at(46, 21, AdBreakStart),
        at(46, 21, AdStart),
        at(50, 21, Ping),
        at(54, 21, AdComplete),
        at(54, 21, AdBreakComplete),
        at(60, 27, Ping),
        at(64, 31, PauseStart),
        at(70, 31, Ping),
        at(74, 31, Play),
        at(80, 37, Ping),
        at(88, 45, SessionComplete),
    ]
}
