//! The types of event a player reports during a session, and the `params`
//! each one needs beyond the rules every event follows. Only what tells an
//! event apart is required (an ad break's position, an ad's id, a chapter's
//! place, a state's name); `qoeData` and `customMetadata` are optional with
//! every type, because players often cannot fill them (README, Decisions).

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::values::{Rule, Scalar, describe, integer_from, non_empty_string, non_negative_number};

/// What happened. `ContentComplete` is the name older players use for
/// `SessionComplete`: it means the same and is kept under the name it came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
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
    ContentComplete,
    SessionEnd,
    StateStart,
    StateEnd,
}

/// `eventType` names no event: it is `sessionStart` (which opens a session
/// instead), or nothing known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownEventType {
    #[error("a sessionStart opens a session: send it with POST /api/v1/sessions, not as an event")]
    SessionStart,
    #[error("must be one of {names}, not {0}", names = EventType::names())]
    Other(String),
}

impl EventType {
    /// Every type, in the order they are documented; `contentComplete` follows `sessionComplete`.
    pub const ALL: [EventType; 19] = [
        Self::Play,
        Self::Ping,
        Self::BitrateChange,
        Self::BufferStart,
        Self::PauseStart,
        Self::AdBreakStart,
        Self::AdBreakComplete,
        Self::AdStart,
        Self::AdComplete,
        Self::AdSkip,
        Self::ChapterStart,
        Self::ChapterComplete,
        Self::ChapterSkip,
        Self::Error,
        Self::SessionComplete,
        Self::ContentComplete,
        Self::SessionEnd,
        Self::StateStart,
        Self::StateEnd,
    ];

    /// The name as players send it, and as it is stored.
    pub fn name(self) -> &'static str {
        match self {
            Self::Play => "play",
            Self::Ping => "ping",
            Self::BitrateChange => "bitrateChange",
            Self::BufferStart => "bufferStart",
            Self::PauseStart => "pauseStart",
            Self::AdBreakStart => "adBreakStart",
            Self::AdBreakComplete => "adBreakComplete",
            Self::AdStart => "adStart",
            Self::AdComplete => "adComplete",
            Self::AdSkip => "adSkip",
            Self::ChapterStart => "chapterStart",
            Self::ChapterComplete => "chapterComplete",
            Self::ChapterSkip => "chapterSkip",
            Self::Error => "error",
            Self::SessionComplete => "sessionComplete",
            Self::ContentComplete => "contentComplete",
            Self::SessionEnd => "sessionEnd",
            Self::StateStart => "stateStart",
            Self::StateEnd => "stateEnd",
        }
    }

    /// The type under its current name: `contentComplete` is `sessionComplete`.
    pub fn canonical(self) -> Self {
        match self {
            Self::ContentComplete => Self::SessionComplete,
            other => other,
        }
    }

    /// Whether the session takes no events after this one (`sessionEnd`
    /// does; `sessionComplete`, the content played to its end, does not).
    pub fn closes_session(self) -> bool {
        self == Self::SessionEnd
    }

    /// The `params` this type needs, each with its rule.
    pub(crate) fn required_params(self) -> &'static [(&'static str, Rule)] {
        match self {
            Self::AdBreakStart => &[("media.ad.podIndex", pod_index), ("media.ad.podSecond", at_least_0)],
            Self::AdStart => &[
                ("media.ad.id", non_empty_text),
                ("media.ad.length", at_least_0),
                ("media.ad.podPosition", integer_from_1),
                ("media.ad.playerName", non_empty_text),
            ],
            Self::ChapterStart => &[
                ("media.chapter.index", integer_from_0),
                ("media.chapter.offset", at_least_0),
                ("media.chapter.length", at_least_0),
            ],
            Self::StateStart | Self::StateEnd => &[("media.state.name", non_empty_text)],
            _ => &[],
        }
    }

    /// `play, ping, …, stateEnd`: every name, for messages.
    pub(crate) fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

/// Known optional `params` of events, each a string.
pub(crate) const OPTIONAL_STRING_PARAMS: [&str; 8] = [
    "media.ad.name",
    "media.ad.advertiser",
    "media.ad.campaignId",
    "media.ad.creativeId",
    "media.ad.creativeURL",
    "media.ad.placementId",
    "media.ad.siteId",
    "media.chapter.friendlyName",
];

impl FromStr for EventType {
    type Err = UnknownEventType;

    /// Exactly a name of [`EventType::ALL`] (case matters).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == "sessionStart" {
            return Err(UnknownEventType::SessionStart);
        }
        Self::ALL
            .into_iter()
            .find(|event_type| event_type.name() == name)
            .ok_or_else(|| UnknownEventType::Other(describe(&Value::String(name.to_owned()))))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn non_empty_text(value: &Value) -> Result<Scalar, String> {
    non_empty_string(value).map(Scalar::Text)
}

fn at_least_0(value: &Value) -> Result<Scalar, String> {
    non_negative_number(value).map(Scalar::Number)
}

/// An ad break's place in the content: 0 for a pre-roll, 1, 2, … for
/// mid-rolls, and −1 for a post-roll, as widely used players send it.
fn pod_index(value: &Value) -> Result<Scalar, String> {
    integer_from(value, -1).map(Scalar::Number)
}

fn integer_from_0(value: &Value) -> Result<Scalar, String> {
    integer_from(value, 0).map(Scalar::Number)
}

fn integer_from_1(value: &Value) -> Result<Scalar, String> {
    integer_from(value, 1).map(Scalar::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_its_type() {
        for event_type in EventType::ALL {
            assert_eq!(event_type.name().parse::<EventType>(), Ok(event_type));
        }
        assert_eq!(EventType::ALL.len(), 19, "18 types and contentComplete");
    }

    #[test]
    fn content_complete_is_session_complete_under_its_old_name() {
        assert_eq!(EventType::ContentComplete.canonical(), EventType::SessionComplete);
        assert_eq!(EventType::ContentComplete.name(), "contentComplete");
        assert!(!EventType::ContentComplete.closes_session());
        assert!(EventType::SessionEnd.closes_session());
    }

    #[test]
    fn session_start_and_unknown_names_are_refused() {
        assert_eq!("sessionStart".parse::<EventType>(), Err(UnknownEventType::SessionStart));
        let unknown = "Play".parse::<EventType>().unwrap_err().to_string();
        assert!(unknown.starts_with("must be one of play, ping,"), "{unknown}");
        assert!(unknown.ends_with("stateEnd, not \"Play\""), "{unknown}");
    }
}
