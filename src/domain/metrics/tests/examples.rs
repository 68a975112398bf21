//! docs/api.md#worked-examples worked examples: final values exactly as written there.

use super::*;

const EXAMPLE1_NUMBERS: [(&str, &str); 16] = [
    ("adTimePlayed", "30"),
    ("timePlayed", "45"),
    ("totalTimePlayed", "75"),
    ("bufferTime", "3"),
    ("bufferCount", "1"),
    ("pauseTime", "10"),
    ("pauseCount", "1"),
    ("elapsedTime", "88"),
    ("otherTime", "0"),
    ("adCount", "3"),
    ("adBreakCount", "2"),
    ("adCompleteCount", "3"),
    ("startupTime", "0"),
    ("averageMinuteAudience", "0.745856"),
    ("estimatedStreams", "1"),
    ("stallTime", "0"),
];

#[track_caller]
fn check_example1(m: &Metrics) {
    assert_numbers(m, &EXAMPLE1_NUMBERS);
    assert_other_counts_zero(m, &EXAMPLE1_NUMBERS);
    assert_flags(
        m,
        &[
            ("isViewed", true),
            ("isPlayed", true),
            ("isCompleted", true),
            ("isDroppedBeforeStart", false),
            ("hasProgress10", true),
            ("hasProgress25", true),
            ("hasProgress50", true),
            ("hasProgress75", false),
            ("hasProgress95", false),
            ("hasPauseImpactedStreams", true),
            ("hasBufferImpactedStreams", true),
            ("hasStallImpactedStreams", false),
            ("hasErrorImpactedStreams", false),
            ("hasBitrateChangeImpactedStreams", false),
            ("hasDroppedFrameImpactedStreams", false),
        ],
    );
}

#[test]
fn example1_adobe_timeline1() {
    let t = run(&adobe_vod(), &timeline1());
    check_example1(&t.metrics());
}

/// Each group of equal ts sent in reverse order: the rank (docs/api.md#how-time-is-counted) restores it.
#[test]
fn example1_equal_ts_groups_reversed() {
    let calls = timeline1();
    let mut reversed = Vec::new();
    let mut i = 0;
    while i < calls.len() {
        let j = calls[i..].iter().take_while(|c| c.ts == calls[i].ts).count() + i;
        reversed.extend(calls[i..j].iter().rev().cloned());
        i = j;
    }
    assert_ne!(reversed, calls, "the timeline has equal-ts groups");
    let t = run(&adobe_vod(), &reversed);
    check_example1(&t.metrics());
    assert_eq!(t.metrics(), run(&adobe_vod(), &calls).metrics());
}

#[test]
fn example2_live_with_stall() {
    use Kind::*;
    let start = Start {
        ts: T0,
        playhead: dec("43200"),
        media_length: dec("86400"),
        live: true,
        resume: false,
        qoe: Qoe::default(),
    };
    let p = |s: i64| 43200 + s;
    let calls = [
        at(2, p(2), Play),
        at(12, p(12), Ping),
        at(22, p(22), Ping),
        at(32, p(22), Ping),
        at(42, p(22), Ping),
        at(52, p(22), Ping),
        at(62, p(32), Ping),
        at(65, p(35), BufferStart),
        at(70, p(35), Play),
        at(80, p(45), Ping),
        at(85, p(50), SessionEnd),
    ];
    let m = run(&start, &calls).metrics();
    let numbers = [
        ("otherTime", "2"),
        ("timePlayed", "48"),
        ("stallTime", "30"),
        ("stallCount", "1"),
        ("bufferTime", "5"),
        ("bufferCount", "1"),
        ("elapsedTime", "85"),
        ("startupTime", "2"),
        ("averageMinuteAudience", "0.000556"),
        ("adTimePlayed", "0"),
        ("pauseTime", "0"),
        ("totalTimePlayed", "48"),
    ];
    assert_numbers(&m, &numbers);
    assert_other_counts_zero(&m, &numbers);
    assert_flags(
        &m,
        &[
            ("isDroppedBeforeStart", false),
            ("isPlayed", true),
            ("isCompleted", false),
            ("hasStallImpactedStreams", true),
            ("hasProgress10", false),
            ("hasProgress25", false),
            ("hasProgress50", false),
            ("hasProgress75", false),
            ("hasProgress95", false),
        ],
    );
}
