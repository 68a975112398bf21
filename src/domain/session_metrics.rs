//! What the session metrics ([`super::metrics`]) read from a parsed
//! sessionStart and event: the one bridge between the request bodies and
//! the pure computation, so that live events and downloaded sessions feed it
//! alike.

use std::collections::BTreeMap;

use bigdecimal::BigDecimal;

use super::metrics::{Call, Kind, Qoe, Start, Tracker};
use super::{EventType, ParamValue, Scalar, SessionEvent, SessionStart};

/// The metrics of a session that has only started.
pub fn start_tracker(start: &SessionStart) -> Tracker {
    Tracker::start(&start_of(start))
}

/// What the metrics read from a sessionStart.
pub fn start_of(start: &SessionStart) -> Start {
    let param = |key: &str| match start.params.get(key) {
        Some(ParamValue::Scalar(scalar)) => Some(scalar),
        _ => None,
    };
    let content_type = match param("media.contentType") {
        Some(Scalar::Text(text)) => text.as_str(),
        _ => "",
    };
    let scalar_params: BTreeMap<String, Scalar> = start
        .params
        .iter()
        .filter_map(|(key, value)| match value {
            ParamValue::Scalar(scalar) if key.starts_with("media.qoe.") => Some((key.clone(), scalar.clone())),
            _ => None,
        })
        .collect();
    Start {
        ts: start.player_time.ts_millis(),
        playhead: start.player_time.playhead.to_big(),
        media_length: match param("media.length") {
            Some(Scalar::Number(length)) => length.to_big(),
            _ => BigDecimal::from(0),
        },
        live: content_type.eq_ignore_ascii_case("live") || content_type.eq_ignore_ascii_case("linear"),
        resume: matches!(param("media.resume"), Some(Scalar::Bool(true))),
        qoe: qoe_of(start.qoe_data.as_ref(), Some(&scalar_params)),
    }
}

/// What the metrics read from an accepted event.
pub fn call_of(event: &SessionEvent) -> Call {
    let state_name = match event.params.as_ref().and_then(|params| params.get("media.state.name")) {
        Some(Scalar::Text(name)) => Some(name.clone()),
        _ => None,
    };
    Call {
        ts: event.player_time.ts_millis(),
        kind: kind_of(event.event_type),
        playhead: event.player_time.playhead.to_big(),
        state_name,
        qoe: qoe_of(event.qoe_data.as_ref(), event.params.as_ref()),
    }
}

fn kind_of(event_type: EventType) -> Kind {
    match event_type {
        EventType::Play => Kind::Play,
        EventType::Ping => Kind::Ping,
        EventType::BitrateChange => Kind::BitrateChange,
        EventType::BufferStart => Kind::BufferStart,
        EventType::PauseStart => Kind::PauseStart,
        EventType::AdBreakStart => Kind::AdBreakStart,
        EventType::AdBreakComplete => Kind::AdBreakComplete,
        EventType::AdStart => Kind::AdStart,
        EventType::AdComplete => Kind::AdComplete,
        EventType::AdSkip => Kind::AdSkip,
        EventType::ChapterStart => Kind::ChapterStart,
        EventType::ChapterComplete => Kind::ChapterComplete,
        EventType::ChapterSkip => Kind::ChapterSkip,
        EventType::Error => Kind::Error,
        EventType::SessionComplete | EventType::ContentComplete => Kind::SessionComplete,
        EventType::SessionEnd => Kind::SessionEnd,
        EventType::StateStart => Kind::StateStart,
        EventType::StateEnd => Kind::StateEnd,
    }
}

/// A QoE value `X` is `qoeData["media.qoe.X"]`, else `qoeData["X"]`, else
/// `params["media.qoe.X"]`; values that are not numbers are left out.
fn qoe_of(qoe_data: Option<&BTreeMap<String, Scalar>>, params: Option<&BTreeMap<String, Scalar>>) -> Qoe {
    let value = |name: &str| {
        let long = format!("media.qoe.{name}");
        let number = |scalars: Option<&BTreeMap<String, Scalar>>, key: &str| match scalars?.get(key) {
            Some(Scalar::Number(number)) => Some(number.to_big()),
            _ => None,
        };
        number(qoe_data, &long)
            .or_else(|| number(qoe_data, name))
            .or_else(|| number(params, &long))
    };
    Qoe {
        bitrate: value("bitrate"),
        dropped_frames: value("droppedFrames"),
        frames_per_second: value("framesPerSecond"),
        time_to_start: value("timeToStart"),
    }
}
