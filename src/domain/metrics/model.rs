//! The inputs of the metrics: the sessionStart and each event, reduced to what
//! docs/api.md#the-metrics reads from them, plus the event kinds with their tie rank (docs/api.md#how-time-is-counted).

use bigdecimal::BigDecimal;

/// An event's `eventType`, as far as the metrics tell them apart (docs/api.md#what-the-player-is-doing).
/// `contentComplete` maps to [`Kind::SessionComplete`] (rule E2, docs/api.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Play,
    Ping,
    BitrateChange,
    BufferStart,
    PauseStart,
    AdBreakStart,
    AdBreakComplete,
    AdStart,
    AdComplete,
    AdSkip,
    ChapterStart,
    ChapterComplete,
    ChapterSkip,
    Error,
    SessionComplete,
    SessionEnd,
    StateStart,
    StateEnd,
}

/// Every kind, in code order (the index is the kind's one-byte code in the encoding).
pub(super) const ALL_KINDS: [Kind; 18] = [
    Kind::Play,
    Kind::Ping,
    Kind::BitrateChange,
    Kind::BufferStart,
    Kind::PauseStart,
    Kind::AdBreakStart,
    Kind::AdBreakComplete,
    Kind::AdStart,
    Kind::AdComplete,
    Kind::AdSkip,
    Kind::ChapterStart,
    Kind::ChapterComplete,
    Kind::ChapterSkip,
    Kind::Error,
    Kind::SessionComplete,
    Kind::SessionEnd,
    Kind::StateStart,
    Kind::StateEnd,
];

impl Kind {
    /// The kind of an API `eventType` (`contentComplete` is `sessionComplete`);
    /// `None` for `sessionStart` and unknown names.
    pub fn from_event_type(event_type: &str) -> Option<Kind> {
        Some(match event_type {
            "play" => Kind::Play,
            "ping" => Kind::Ping,
            "bitrateChange" => Kind::BitrateChange,
            "bufferStart" => Kind::BufferStart,
            "pauseStart" => Kind::PauseStart,
            "adBreakStart" => Kind::AdBreakStart,
            "adBreakComplete" => Kind::AdBreakComplete,
            "adStart" => Kind::AdStart,
            "adComplete" => Kind::AdComplete,
            "adSkip" => Kind::AdSkip,
            "chapterStart" => Kind::ChapterStart,
            "chapterComplete" => Kind::ChapterComplete,
            "chapterSkip" => Kind::ChapterSkip,
            "error" => Kind::Error,
            "sessionComplete" | "contentComplete" => Kind::SessionComplete,
            "sessionEnd" => Kind::SessionEnd,
            "stateStart" => Kind::StateStart,
            "stateEnd" => Kind::StateEnd,
            _ => return None,
        })
    }

    /// The tie rank of docs/api.md#how-time-is-counted for calls of equal `ts`: closers inner to
    /// outer, openers outer to inner, then playback.
    pub fn rank(self) -> u8 {
        match self {
            Kind::AdComplete | Kind::AdSkip => 1,
            Kind::AdBreakComplete => 2,
            Kind::ChapterComplete | Kind::ChapterSkip => 3,
            Kind::StateEnd => 4,
            Kind::ChapterStart => 5,
            Kind::AdBreakStart => 6,
            Kind::AdStart => 7,
            Kind::StateStart => 8,
            Kind::Play => 9,
            Kind::PauseStart => 10,
            Kind::BufferStart => 11,
            Kind::BitrateChange => 12,
            Kind::Error => 13,
            Kind::Ping => 14,
            Kind::SessionComplete => 15,
            Kind::SessionEnd => 16,
        }
    }

    /// The one-byte code of this kind in the encoding (its index in [`ALL_KINDS`]).
    pub(super) fn code(self) -> u8 {
        // The enum has no explicit discriminants and ALL_KINDS lists it in declaration order.
        self as u8
    }

    pub(super) fn from_code(code: u8) -> Option<Kind> {
        ALL_KINDS.get(usize::from(code)).copied()
    }
}

/// The QoE values a call carries (docs/api.md#the-metrics: `qoeData["media.qoe.X"]`, else
/// `qoeData["X"]`, else `params["media.qoe.X"]`; non-numbers left out by the caller).
/// `time_to_start` is in milliseconds, as sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Qoe {
    pub bitrate: Option<BigDecimal>,
    pub dropped_frames: Option<BigDecimal>,
    pub frames_per_second: Option<BigDecimal>,
    pub time_to_start: Option<BigDecimal>,
}

impl Qoe {
    pub(super) fn is_empty(&self) -> bool {
        self.bitrate.is_none()
            && self.dropped_frames.is_none()
            && self.frames_per_second.is_none()
            && self.time_to_start.is_none()
    }

    /// The same values in canonical form (trailing zeros stripped): same numbers, fewer bytes.
    pub(super) fn normalized(&self) -> Qoe {
        let n = |v: &Option<BigDecimal>| v.as_ref().map(BigDecimal::normalized);
        Qoe {
            bitrate: n(&self.bitrate),
            dropped_frames: n(&self.dropped_frames),
            frames_per_second: n(&self.frames_per_second),
            time_to_start: n(&self.time_to_start),
        }
    }
}

/// What the metrics read from the sessionStart (docs/api.md#the-metrics).
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    /// `playerTime.ts`, ms.
    pub ts: i64,
    /// `playerTime.playhead`, seconds.
    pub playhead: BigDecimal,
    /// `params["media.length"]`, seconds (0 = unknown).
    pub media_length: BigDecimal,
    /// `params["media.contentType"]` is `live` or `linear` (case-insensitive).
    pub live: bool,
    /// `params["media.resume"]` is true.
    pub resume: bool,
    /// The sessionStart's QoE values (initial gauges).
    pub qoe: Qoe,
}

/// What the metrics read from one accepted event (docs/api.md#the-metrics).
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// `playerTime.ts`, ms.
    pub ts: i64,
    pub kind: Kind,
    /// `playerTime.playhead`, seconds.
    pub playhead: BigDecimal,
    /// `params["media.state.name"]` for stateStart / stateEnd (ignored for other kinds).
    pub state_name: Option<String>,
    pub qoe: Qoe,
}
