//! The encoding: size budget (docs/api.md#how-time-is-counted: ~350 bytes typical, < 550 with a
//! full window), exact round trips, and refusal of damaged bytes.

use super::super::{DecodeError, VERSION};
use super::*;
use Kind::*;

fn typical_start() -> Start {
    vod("60.39333333333333")
}

/// 100 pings 10 s apart with increasing (ms-precision) playheads.
fn hundred_pings(with_play: bool) -> Tracker {
    let mut t = Tracker::start(&typical_start());
    if with_play {
        t.accept(at(0, 0, Play));
    }
    for i in 1..=100i64 {
        t.accept(call_ms(
            i * 10_000 + i % 7,
            &format!("{}.{:03}", i * 10, (i * 37) % 1000),
            Ping,
        ));
    }
    t
}

#[test]
fn hundred_pings_fit_the_budget() {
    for with_play in [false, true] {
        let t = hundred_pings(with_play);
        let bytes = t.encode();
        eprintln!("100 pings (play first: {with_play}): {} bytes", bytes.len());
        assert!(bytes.len() <= 350, "{} bytes", bytes.len());
        assert_eq!(t.window_len(), 10);
        assert_eq!(Tracker::decode(&bytes).unwrap(), t);
    }
}

#[test]
fn full_window_with_qoe_and_states_fits() {
    let mut t = Tracker::start(&Start {
        qoe: Qoe {
            bitrate: Some(dec("4500000")),
            dropped_frames: Some(dec("0")),
            frames_per_second: Some(dec("29.97")),
            time_to_start: Some(dec("1234")),
        },
        ..typical_start()
    });
    t.accept(at(0, 0, AdBreakStart));
    t.accept(at(0, 0, AdStart));
    t.accept(at(15, 0, AdComplete));
    t.accept(at(15, 0, AdBreakComplete));
    t.accept(at(15, 0, Play));
    t.accept(at(16, 1, ChapterStart));
    for (i, name) in ["fullscreen", "mute", "closedCaptioning", "pictureInPicture", "inFocus"]
        .iter()
        .enumerate()
    {
        t.accept(state_call(17 + i as i64, 2, StateStart, name));
    }
    for i in 0..40i64 {
        let mut call = call_ms(30_000 + i * 10_000 + 3, &format!("{}.{:03}", 15 + i * 10, i * 7), Ping);
        call.qoe.bitrate = Some(dec(&format!("{}", 4_500_000 + i * 1000)));
        call.qoe.dropped_frames = Some(dec(&format!("{}", i * 3)));
        call.qoe.frames_per_second = Some(dec("29.97"));
        t.accept(call);
    }
    t.accept(call_ms(500_000, "460.5", PauseStart)); // a stall-free, state-rich session
    let bytes = t.encode();
    eprintln!("full window, QoE on every call, 5 states: {} bytes", bytes.len());
    assert_eq!(t.window_len(), 10);
    assert!(bytes.len() < 550, "{} bytes", bytes.len());
    assert_eq!(Tracker::decode(&bytes).unwrap(), t);
}

#[test]
fn round_trip_keeps_everything() {
    let mut t = run(&adobe_vod(), &timeline1());
    for i in 0..12 {
        t.accept(state_call(90 + i, 45, StateStart, &format!("state-{i}")));
    }
    t.accept(call_ms(1, "0", Error)); // late
    let bytes = t.encode();
    let back = Tracker::decode(&bytes).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.encode(), bytes);
    assert_eq!(back.metrics(), t.metrics());
}

#[test]
fn damaged_bytes_are_refused() {
    let t = run(&adobe_vod(), &timeline1());
    let bytes = t.encode();
    assert_eq!(bytes[0], VERSION);
    assert_eq!(Tracker::decode(&[]), Err(DecodeError::Empty));
    assert_eq!(
        Tracker::decode(&[VERSION + 1, 0]),
        Err(DecodeError::Version(VERSION + 1))
    );
    for cut in 1..bytes.len() {
        assert!(Tracker::decode(&bytes[..cut]).is_err(), "prefix of {cut} bytes");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Tracker::decode(&longer), Err(DecodeError::Trailing(1)));
    let e: Box<dyn std::error::Error> = Box::new(DecodeError::Truncated);
    assert_eq!(e.to_string(), "metrics state: truncated");
    // Flipping any single byte never panics.
    for i in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0xff;
        if let Ok(t) = Tracker::decode(&damaged) {
            let _ = t.metrics();
        }
    }
}
