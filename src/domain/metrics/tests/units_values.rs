//! Unit tests of single rules about time and values: stalls (docs/api.md#what-the-player-is-doing), player states
//! (docs/api.md#what-the-player-is-doing), progress markers, bitrate average rounding, number text, the map's names.

use super::super::METRIC_NAMES;
use super::*;
use Kind::*;

#[test]
fn stall_is_confirmed_by_the_third_still_call_and_takes_back_played_time() {
    let start = vod("1000");
    let mut calls = vec![
        with_bitrate(at(0, 0, Play), "1000"),
        at(0, 0, ChapterStart),
        at(10, 10, Ping),
    ];
    calls.push(with_bitrate(at(20, 10, Ping), "2000")); // 1st still interval 10–20: provisional
    calls.push(at(20, 10, Error)); // zero length: neutral
    let t = run(&start, &calls);
    let m = t.metrics();
    assert_numbers(
        &m,
        &[
            ("timePlayed", "20"),
            ("chapterTimePlayed", "20"),
            ("stallTime", "0"),
            ("bitrateAverage", "1000"),
        ],
    );
    assert_eq!(Tracker::decode(&t.encode()).unwrap(), t);

    calls.push(at(30, 10, Ping)); // 2nd still interval: confirmed, 10–30 is stall
    let m = run(&start, &calls).metrics();
    let expected = [
        ("timePlayed", "10"),
        ("chapterTimePlayed", "10"),
        ("stallTime", "20"),
        ("stallCount", "1"),
        ("bitrateAverage", "1000"),
        ("elapsedTime", "30"),
    ];
    assert_numbers(&m, &expected);
    assert_flags(&m, &[("hasStallImpactedStreams", true)]);

    calls.push(at(40, 10, Ping)); // 3rd: straight to stallTime
    calls.push(at(50, 20, Ping)); // moves: played at 2000
    let m = run(&start, &calls).metrics();
    // bitrateAverage = (1000 × 10 s + 2000 × 10 s) / 20 s
    assert_numbers(
        &m,
        &[
            ("timePlayed", "20"),
            ("stallTime", "30"),
            ("stallCount", "1"),
            ("bitrateAverage", "1500"),
        ],
    );
}

#[test]
fn still_intervals_need_main_playing_outside_a_break() {
    // 10–20 still (1st), then the break is open: 20–40 played, the run ends.
    let calls = [
        at(0, 0, Play),
        at(10, 10, Ping),
        at(20, 10, AdBreakStart),
        at(30, 10, Ping),
        at(40, 10, Ping),
    ];
    assert_numbers(
        &run(&vod("100"), &calls).metrics(),
        &[("timePlayed", "40"), ("stallTime", "0")],
    );
    // Equal playheads compare as numbers: 10 == 10.0.
    let mut calls = vec![at(0, 0, Play), at(10, 10, Ping)];
    calls.push(call_ms(20_000, "10.0", Ping));
    calls.push(call_ms(30_000, "10.000", Ping));
    assert_numbers(
        &run(&vod("100"), &calls).metrics(),
        &[("stallTime", "20"), ("stallCount", "1")],
    );
    // Paused with a still playhead is a pause, not a stall.
    let calls = [
        at(0, 0, Play),
        at(10, 10, PauseStart),
        at(20, 10, Ping),
        at(30, 10, Ping),
    ];
    assert_numbers(
        &run(&vod("100"), &calls).metrics(),
        &[("pauseTime", "20"), ("stallCount", "0")],
    );
}

#[test]
fn states_are_limited_to_ten_names_and_accrue_while_active() {
    let mut calls: Vec<Call> = (0..11)
        .map(|i| state_call(i + 1, 0, StateStart, &format!("s{i:02}")))
        .collect();
    calls.push(state_call(12, 0, StateStart, "s00")); // already active: ignored
    calls.push(state_call(13, 0, StateEnd, "s00"));
    calls.push(state_call(15, 0, StateStart, "s00")); // count 2
    calls.push(state_call(16, 0, StateEnd, "unknown"));
    calls.push(at(20, 0, PauseStart)); // no splitting: time accrues whatever the playback state
    calls.push(at(30, 0, Ping));
    let m = run(&vod("100"), &calls).metrics();
    let Some(MetricValue::States(states)) = m.get("states") else {
        panic!("states")
    };
    assert_eq!(states.len(), 10);
    assert!(!states.contains_key("s10"), "the 11th name is ignored");
    // s00: 1–13 and 15–30 active = 12 + 15
    assert_eq!(
        states["s00"],
        StateMetric {
            count: 2,
            time: "27".to_owned()
        }
    );
    assert_eq!(
        states["s09"],
        StateMetric {
            count: 1,
            time: "20".to_owned()
        }
    );
}

#[test]
fn progress_markers_are_exact_at_the_boundary() {
    let marker = |length: &str, playhead: &str, name: &str| {
        let calls = [at(0, 0, Play), call_ms(10_000, playhead, Ping)];
        run(&vod(length), &calls).metrics().flag(name).unwrap()
    };
    assert!(marker("60.3333333333333", "6.03333333333333", "hasProgress10"));
    assert!(!marker("60.3333333333333", "6.03333333333332", "hasProgress10"));
    assert!(marker("100", "95", "hasProgress95"));
    assert!(!marker("100", "94.99999999999999", "hasProgress95"));
    assert!(marker("3", "0.75", "hasProgress25"));
    assert!(!marker("0", "50", "hasProgress10"), "unknown length");
    // Playheads before the first main play do not count.
    let calls = [at(0, 90, Ping), at(1, 0, Play), at(2, 1, Ping)];
    assert!(!run(&vod("100"), &calls).metrics().flag("hasProgress10").unwrap());
    // Live: never; averageMinuteAudience absent while the length is 0.
    let mut live = vod("100");
    live.live = true;
    assert!(
        !run(&live, &[at(0, 0, Play), at(1, 99, Ping)])
            .metrics()
            .flag("hasProgress10")
            .unwrap()
    );
    assert!(
        run(&vod("0"), &[at(0, 0, Play)])
            .metrics()
            .get("averageMinuteAudience")
            .is_none()
    );
}

#[test]
fn bitrate_average_rounds_half_even() {
    let avg = |first: &str| {
        let calls = [
            with_bitrate(at(0, 0, Play), first),
            with_bitrate(at(1, 1, Ping), "1000"),
            at(2, 2, Ping),
        ];
        run(&vod("100"), &calls)
            .metrics()
            .number("bitrateAverage")
            .unwrap()
            .to_owned()
    };
    assert_eq!(avg("1000.001"), "1000"); // 1000.0005 -> 1000.000
    assert_eq!(avg("1000.003"), "1000.002"); // 1000.0015 -> 1000.002
    assert_eq!(avg("1000.005"), "1000.002"); // 1000.0025 -> 1000.002
    assert_eq!(avg("1000.007"), "1000.004"); // 1000.0035 -> 1000.004
    // Absent until a played interval has a bitrate (the bitrate in force at its start).
    let calls = [at(0, 0, Play), with_bitrate(at(1, 1, Ping), "500")];
    let m = run(&vod("100"), &calls).metrics();
    assert!(m.get("bitrateAverage").is_none());
    assert_numbers(&m, &[("bitrate", "500")]);
}

#[test]
fn numbers_are_exact_decimal_text() {
    let calls = [
        at(0, 0, Play),
        call_ms(100, "0.1", Ping),
        call_ms(300, "0.3", Ping),
        call_ms(9999, "9.999", Ping),
    ];
    let t = run(&vod("100"), &calls);
    assert_numbers(
        &t.metrics(),
        &[("timePlayed", "9.999"), ("elapsedTime", "9.999"), ("startupTime", "0")],
    );
    assert_numbers(&run(&vod("100"), &calls[..3]).metrics(), &[("timePlayed", "0.3")]);

    let mut start = vod("100");
    start.qoe.time_to_start = Some(dec("1500"));
    start.qoe.frames_per_second = Some(dec("29.970"));
    start.qoe.dropped_frames = Some(dec("0"));
    let mut call = at(1, 0, Ping);
    call.qoe.time_to_start = Some(dec("1234.5"));
    let m = run(&start, &[]).metrics();
    assert_numbers(
        &m,
        &[
            ("timeToStart", "1.5"),
            ("framesPerSecond", "29.97"),
            ("droppedFrames", "0"),
        ],
    );
    assert_flags(&m, &[("hasDroppedFrameImpactedStreams", false)]);
    assert_numbers(&run(&start, &[call]).metrics(), &[("timeToStart", "1.2345")]);
    // estimatedStreams = floor(ms / 1 800 000) + 1
    let long = [at(0, 0, Play), call_ms(1_799_999, "1799", Ping)];
    assert_numbers(&run(&vod("3600"), &long).metrics(), &[("estimatedStreams", "1")]);
    let long = [at(0, 0, Play), call_ms(1_800_000, "1800", Ping)];
    assert_numbers(&run(&vod("3600"), &long).metrics(), &[("estimatedStreams", "2")]);
}

#[test]
fn the_map_holds_exactly_the_named_metrics() {
    let m = run(&vod("100"), &[]).metrics();
    for name in [
        "startupTime",
        "timeToStart",
        "bitrate",
        "bitrateAverage",
        "droppedFrames",
        "framesPerSecond",
    ] {
        assert!(m.get(name).is_none(), "{name} absent until known");
    }
    assert_eq!(m.get("states"), Some(&MetricValue::States(Default::default())));
    assert_numbers(
        &m,
        &[
            ("elapsedTime", "0"),
            ("averageMinuteAudience", "0"),
            ("estimatedStreams", "1"),
        ],
    );
    assert_flags(
        &m,
        &[
            ("isViewed", true),
            ("isDroppedBeforeStart", false),
            ("hasResume", false),
        ],
    );

    let mut start = vod("100");
    start.resume = true;
    start.qoe = Qoe {
        bitrate: Some(dec("1")),
        dropped_frames: Some(dec("2")),
        frames_per_second: Some(dec("3")),
        time_to_start: Some(dec("4")),
    };
    let m = run(&start, &[at(0, 0, Play), at(1, 1, Ping)]).metrics();
    let names: Vec<&str> = m.0.keys().copied().collect();
    let mut all = METRIC_NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(names, all);
    assert_flags(&m, &[("hasResume", true), ("hasDroppedFrameImpactedStreams", true)]);
}
