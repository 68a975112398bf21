//! The published `metrics` map of docs/api.md#the-metrics, derived from a state with the
//! window applied: exactly the names of docs/api.md#the-metrics (absent ones left out), exact decimal text.

use std::collections::BTreeMap;

use bigdecimal::BigDecimal;
use bigdecimal::Signed;
use bigdecimal::num_bigint::BigInt;

use super::num::{decimal_text, ms_text, round_div};
use super::state::State;

/// Every name the map can hold (docs/api.md#the-metrics), in table order.
pub const METRIC_NAMES: [&str; 47] = [
    "isViewed",
    "isPlayed",
    "isCompleted",
    "isDroppedBeforeStart",
    "hasResume",
    "timePlayed",
    "totalTimePlayed",
    "adTimePlayed",
    "chapterTimePlayed",
    "pauseTime",
    "bufferTime",
    "stallTime",
    "otherTime",
    "elapsedTime",
    "startupTime",
    "timeToStart",
    "pauseCount",
    "bufferCount",
    "stallCount",
    "adCount",
    "adBreakCount",
    "adCompleteCount",
    "adSkipCount",
    "chapterCount",
    "chapterCompleteCount",
    "chapterSkipCount",
    "errorCount",
    "bitrateChangeCount",
    "lateEventCount",
    "hasPauseImpactedStreams",
    "hasBufferImpactedStreams",
    "hasStallImpactedStreams",
    "hasErrorImpactedStreams",
    "hasBitrateChangeImpactedStreams",
    "hasDroppedFrameImpactedStreams",
    "hasProgress10",
    "hasProgress25",
    "hasProgress50",
    "hasProgress75",
    "hasProgress95",
    "bitrate",
    "bitrateAverage",
    "droppedFrames",
    "framesPerSecond",
    "averageMinuteAudience",
    "estimatedStreams",
    "states",
];

/// One player state's published entry (`isSet` is always true, so not stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateMetric {
    pub count: u64,
    /// Seconds, exact decimal text.
    pub time: String,
}

/// One published value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricValue {
    /// Exact decimal text in plain notation, trailing fractional zeros trimmed
    /// ("9.999", "0", "3", "0.745856").
    Number(String),
    Bool(bool),
    States(BTreeMap<String, StateMetric>),
}

/// The `metrics` map: exactly the names of docs/api.md#the-metrics; absent ones are not in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics(pub BTreeMap<&'static str, MetricValue>);

impl Metrics {
    pub fn get(&self, name: &str) -> Option<&MetricValue> {
        self.0.get(name)
    }

    /// The text of a number metric, if present.
    pub fn number(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(MetricValue::Number(text)) => Some(text),
            _ => None,
        }
    }

    /// The value of a boolean metric, if present.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.0.get(name) {
            Some(MetricValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

/// Half an hour in ms (estimatedStreams, A1).
const STREAM_MS: u64 = 1_800_000;
/// The progress markers, in percent.
const MARKERS: [(&str, u8); 5] = [
    ("hasProgress10", 10),
    ("hasProgress25", 25),
    ("hasProgress50", 50),
    ("hasProgress75", 75),
    ("hasProgress95", 95),
];

/// The metrics map (docs/api.md#the-metrics) of a state (the committed state with the window applied).
pub(super) fn view(s: &State) -> Metrics {
    let mut m = BTreeMap::new();
    let mut num = |name: &'static str, text: String| {
        m.insert(name, MetricValue::Number(text));
    };
    let c = &s.counts;
    let b = &s.ms;
    let total = b.played.saturating_add(b.ad);
    num("timePlayed", ms_text(b.played));
    num("totalTimePlayed", ms_text(total));
    num("adTimePlayed", ms_text(b.ad));
    num("chapterTimePlayed", ms_text(b.chapter));
    num("pauseTime", ms_text(b.pause));
    num("bufferTime", ms_text(b.buffer));
    num("stallTime", ms_text(b.stall));
    num("otherTime", ms_text(b.other));
    let elapsed = if s.clock > s.start_ts {
        s.clock.abs_diff(s.start_ts)
    } else {
        0
    };
    num("elapsedTime", ms_text(elapsed));
    if let Some(startup) = s.startup_ms {
        num("startupTime", ms_text(startup));
    }
    if let Some(tts) = &s.qoe.time_to_start {
        let (mantissa, scale) = tts.as_bigint_and_exponent();
        num(
            "timeToStart",
            decimal_text(&BigDecimal::new(mantissa, scale.saturating_add(3))),
        );
    }
    let counts = [
        ("pauseCount", c.pause),
        ("bufferCount", c.buffer),
        ("stallCount", c.stall),
        ("adCount", c.ad),
        ("adBreakCount", c.ad_break),
        ("adCompleteCount", c.ad_complete),
        ("adSkipCount", c.ad_skip),
        ("chapterCount", c.chapter),
        ("chapterCompleteCount", c.chapter_complete),
        ("chapterSkipCount", c.chapter_skip),
        ("errorCount", c.error),
        ("bitrateChangeCount", c.bitrate_change),
        ("lateEventCount", c.late),
    ];
    for (name, n) in counts {
        num(name, n.to_string());
    }
    let gauges = [
        ("bitrate", &s.qoe.bitrate),
        ("droppedFrames", &s.qoe.dropped_frames),
        ("framesPerSecond", &s.qoe.frames_per_second),
    ];
    for (name, gauge) in gauges {
        if let Some(v) = gauge {
            num(name, decimal_text(v));
        }
    }
    if s.bitrate_ms > 0 {
        let avg = round_div(&s.bitrate_weighted, &BigDecimal::from(s.bitrate_ms), 3);
        num("bitrateAverage", decimal_text(&avg));
    }
    let known_length = s.media_length.is_positive();
    if known_length {
        let played = BigDecimal::new(BigInt::from(b.played), 3);
        num(
            "averageMinuteAudience",
            decimal_text(&round_div(&played, &s.media_length, 6)),
        );
    }
    num("estimatedStreams", (total / STREAM_MS + 1).to_string());

    let mut flag = |name: &'static str, value: bool| {
        m.insert(name, MetricValue::Bool(value));
    };
    flag("isViewed", true);
    flag("isPlayed", s.is_played);
    flag("isCompleted", s.is_completed);
    flag("isDroppedBeforeStart", s.closed && !s.is_played);
    flag("hasResume", s.resume);
    flag("hasPauseImpactedStreams", c.pause > 0);
    flag("hasBufferImpactedStreams", c.buffer > 0);
    flag("hasStallImpactedStreams", c.stall > 0);
    flag("hasErrorImpactedStreams", c.error > 0);
    flag("hasBitrateChangeImpactedStreams", c.bitrate_change > 0);
    let dropped = s.qoe.dropped_frames.as_ref().is_some_and(|v| v.is_positive());
    flag("hasDroppedFrameImpactedStreams", dropped);
    for (name, percent) in MARKERS {
        flag(name, progress(s, known_length, percent));
    }

    let states = s
        .states
        .iter()
        .map(|(name, st)| {
            (
                name.clone(),
                StateMetric {
                    count: st.count,
                    time: ms_text(st.time_ms),
                },
            )
        })
        .collect();
    m.insert("states", MetricValue::States(states));
    Metrics(m)
}

/// `maxPlayhead × 100 ≥ percent × media.length`, exactly; false for live / linear
/// and while the length is unknown (docs/api.md#the-metrics).
fn progress(s: &State, known_length: bool, percent: u8) -> bool {
    if s.live || !known_length {
        return false;
    }
    s.max_playhead
        .as_ref()
        .is_some_and(|max| max * BigDecimal::from(100u8) >= &s.media_length * BigDecimal::from(percent))
}
