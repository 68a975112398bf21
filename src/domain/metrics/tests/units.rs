//! Unit tests of single rules about order and bookends: the late path (docs/api.md#how-time-is-counted), ad
//! bookends (docs/api.md#what-the-player-is-doing), window reordering (docs/api.md#how-time-is-counted), sessionEnd (docs/api.md#how-time-is-counted), sessionComplete.

use super::*;
use Kind::*;

/// play at 0, then pings every second with the playhead following: `n` calls.
fn playing(n: i64) -> Vec<Call> {
    let mut calls = vec![at(0, 0, Play)];
    calls.extend((1..n).map(|s| at(s, s, Ping)));
    calls
}

#[test]
fn late_calls_add_plain_counts_only() {
    let mut t = run(&vod("100"), &playing(13)); // 13 calls: 3 folded, clock at 2 s
    let before = t.metrics();
    let late = [
        AdStart,
        AdBreakStart,
        AdComplete,
        AdSkip,
        ChapterStart,
        ChapterComplete,
        ChapterSkip,
        Error,
        BitrateChange,
        PauseStart,
        BufferStart,
        Play,
        Ping,
        StateStart,
    ];
    for kind in late {
        let mut call = call_ms(1500, "77", kind);
        call.state_name = Some("mute".to_owned());
        call.qoe.bitrate = Some(dec("5"));
        t.accept(call);
    }
    let m = t.metrics();
    for name in [
        "timePlayed",
        "elapsedTime",
        "pauseCount",
        "bufferCount",
        "stallCount",
        "chapterTimePlayed",
    ] {
        assert_eq!(m.get(name), before.get(name), "{name}");
    }
    let ones = [
        ("adCount", "1"),
        ("adBreakCount", "1"),
        ("adCompleteCount", "1"),
        ("adSkipCount", "1"),
        ("chapterCount", "1"),
        ("chapterCompleteCount", "1"),
        ("chapterSkipCount", "1"),
        ("errorCount", "1"),
        ("bitrateChangeCount", "1"),
        ("lateEventCount", "14"),
        ("timePlayed", "12"),
    ];
    assert_numbers(&m, &ones);
    assert!(m.get("bitrate").is_none(), "a late call sets no gauge");
    assert_eq!(m.get("states"), Some(&MetricValue::States(Default::default())));
    assert_flags(&m, &[("hasProgress10", true), ("isCompleted", false)]);

    t.accept(call_ms(1500, "1", SessionComplete));
    assert_flags(&t.metrics(), &[("isCompleted", true)]);
    assert_numbers(&t.metrics(), &[("timePlayed", "12"), ("lateEventCount", "15")]);
}

#[test]
fn late_session_end_closes_and_keeps_accepted_calls() {
    let mut t = run(&vod("100"), &playing(13));
    t.accept(call_ms(1500, "1", SessionEnd));
    let m = t.metrics();
    assert_numbers(
        &m,
        &[("timePlayed", "12"), ("elapsedTime", "12"), ("lateEventCount", "1")],
    );
    assert_flags(&m, &[("isDroppedBeforeStart", false)]);
    // Closed: nothing applies any more; older calls still add plain counts.
    t.accept(at(13, 13, Ping));
    t.accept(at(5, 5, Error));
    assert_numbers(
        &t.metrics(),
        &[("elapsedTime", "12"), ("errorCount", "1"), ("lateEventCount", "2")],
    );

    // Not played: a late end marks the session dropped before start.
    let mut t = run(&vod("100"), &(0..12).map(|s| at(s, 0, Ping)).collect::<Vec<_>>());
    t.accept(call_ms(500, "0", SessionEnd));
    assert_flags(&t.metrics(), &[("isDroppedBeforeStart", true), ("isPlayed", false)]);
    assert_numbers(&t.metrics(), &[("otherTime", "11")]);
}

#[test]
fn ad_events_need_their_bookends() {
    let calls = [
        at(0, 0, Play),
        at(10, 10, AdStart),    // no break: ignored, main content plays on
        at(20, 20, AdComplete), // no ad: ignored
        at(20, 20, AdBreakStart),
        at(20, 20, AdStart),
        at(30, 20, AdStart),         // replaces the active ad
        at(40, 20, AdBreakComplete), // closes the ad, not completed
        at(45, 25, AdSkip),          // no ad: ignored
        at(50, 30, Ping),            // content plays on without a new play
    ];
    let m = run(&vod("100"), &calls).metrics();
    let expected = [
        ("adCount", "2"),
        ("adBreakCount", "1"),
        ("adCompleteCount", "0"),
        ("adSkipCount", "0"),
        ("adTimePlayed", "20"),
        ("timePlayed", "30"),
        ("startupTime", "0"),
    ];
    assert_numbers(&m, &expected);

    // startupTime: an adStart outside a break does not set it; one inside does.
    let calls = [
        at(5, 0, AdStart),
        at(6, 0, AdBreakStart),
        at(7, 0, AdStart),
        at(9, 0, Play),
    ];
    assert!(run(&vod("100"), &calls[..2]).metrics().get("startupTime").is_none());
    assert_numbers(
        &run(&vod("100"), &calls).metrics(),
        &[("startupTime", "7"), ("otherTime", "7")],
    );
}

#[test]
fn pause_and_buffer_inside_an_ad() {
    let calls = [
        at(0, 0, AdBreakStart),
        at(0, 0, AdStart),
        at(5, 0, PauseStart),
        at(8, 0, Play),
        at(10, 0, BufferStart),
        at(11, 0, BufferStart),
        at(12, 0, Play),
        at(15, 0, AdComplete),
    ];
    let m = run(&vod("100"), &calls).metrics();
    let expected = [
        ("adTimePlayed", "10"),
        ("pauseTime", "3"),
        ("bufferTime", "2"),
        ("pauseCount", "1"),
        ("bufferCount", "1"),
    ];
    assert_numbers(&m, &expected);
    assert_flags(&m, &[("isPlayed", false)]);
}

#[test]
fn ad_start_overtaking_its_break_start() {
    // Equal ts, sent in the wrong order: the rank puts adBreakStart first.
    let calls = [at(0, 0, AdStart), at(0, 0, AdBreakStart), at(4, 0, AdComplete)];
    let m = run(&vod("100"), &calls).metrics();
    assert_numbers(
        &m,
        &[
            ("adCount", "1"),
            ("adTimePlayed", "4"),
            ("adCompleteCount", "1"),
            ("startupTime", "0"),
        ],
    );
    // 1 ms apart, adStart arriving first: the window reorders by ts.
    let calls = [
        call_ms(1000, "0", AdStart),
        call_ms(999, "0", AdBreakStart),
        call_ms(5000, "0", AdComplete),
    ];
    let m = run(&vod("100"), &calls).metrics();
    assert_numbers(
        &m,
        &[
            ("adCount", "1"),
            ("adTimePlayed", "4"),
            ("otherTime", "1"),
            ("lateEventCount", "0"),
        ],
    );
}

#[test]
fn session_end_closes() {
    let m = run(&vod("100"), &[at(5, 0, SessionEnd)]).metrics();
    assert_flags(&m, &[("isDroppedBeforeStart", true), ("isPlayed", false)]);
    assert_numbers(&m, &[("otherTime", "5"), ("elapsedTime", "5")]);

    // After the end is applied nothing else is; a call of the end's ts sorts before it.
    let calls = [
        at(0, 0, Play),
        at(10, 10, Ping),
        at(20, 20, SessionEnd),
        at(30, 30, Ping),
        at(20, 20, Error),
    ];
    let m = run(&vod("100"), &calls).metrics();
    assert_numbers(&m, &[("elapsedTime", "20"), ("timePlayed", "20"), ("errorCount", "1")]);
    assert_flags(&m, &[("isDroppedBeforeStart", false)]);
}

#[test]
fn late_arrivals_before_the_end_are_applied_in_ts_order() {
    let in_order = [
        at(0, 0, Play),
        at(10, 10, Ping),
        at(20, 20, PauseStart),
        at(25, 20, Play),
        at(30, 25, BufferStart),
        at(33, 25, Play),
        at(40, 32, Error),
        at(50, 42, Ping),
        at(60, 52, Ping),
        at(60, 52, BitrateChange),
        at(70, 62, Ping),
        at(80, 72, Ping),
        at(90, 82, SessionEnd),
    ];
    let expected = run(&vod("100"), &in_order).metrics();
    // The end (and one ping) arrive right after the play: 10 calls overtaken.
    let mut arrival = vec![in_order[0].clone(), in_order[12].clone(), in_order[11].clone()];
    arrival.extend(in_order[1..11].iter().cloned());
    let m = run(&vod("100"), &arrival).metrics();
    assert_eq!(m, expected);
    assert_numbers(
        &m,
        &[
            ("lateEventCount", "0"),
            ("pauseTime", "5"),
            ("bufferTime", "3"),
            ("elapsedTime", "90"),
        ],
    );
}

#[test]
fn session_complete_ends_main_time_and_a_play_resumes() {
    let calls = [
        at(0, 0, Play),
        at(10, 10, SessionComplete),
        at(15, 10, Ping),
        at(20, 10, Play),
        at(30, 20, Ping),
    ];
    let m = run(&vod("100"), &calls).metrics();
    assert_numbers(&m, &[("timePlayed", "20"), ("otherTime", "10"), ("elapsedTime", "30")]);
    assert_flags(&m, &[("isCompleted", true)]);
}

#[test]
fn event_type_names() {
    assert_eq!(Kind::from_event_type("contentComplete"), Some(SessionComplete));
    assert_eq!(Kind::from_event_type("sessionStart"), None);
    for kind in super::super::model::ALL_KINDS {
        assert_eq!(Kind::from_code(kind.code()), Some(kind));
    }
}
