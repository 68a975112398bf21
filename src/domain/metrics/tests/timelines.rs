//! Adobe's three documented timelines (AdobeDocs/media-analytics.en
//! `mc-api-timeline-{1,2,3}.md`), call by call with the tables' playheads.
//! Expected values are hand-computed from docs/api.md#8a-session-metrics; the arithmetic is in comments.

use super::*;

/// Feeds `calls` one by one and checks the listed metrics after call `i` (0-based).
#[track_caller]
fn call_by_call(start: &Start, calls: &[Call], checkpoints: &[(usize, &[(&str, &str)])]) -> Metrics {
    let mut t = Tracker::start(start);
    for (i, call) in calls.iter().enumerate() {
        t.accept(call.clone());
        let m = t.metrics();
        // Every step: the buckets add up to the elapsed time (docs/api.md#how-time-is-counted).
        let ms = |name: &str| dec(m.number(name).unwrap());
        let sum = ms("timePlayed")
            + ms("stallTime")
            + ms("adTimePlayed")
            + ms("pauseTime")
            + ms("bufferTime")
            + ms("otherTime");
        assert_eq!(sum, ms("elapsedTime"), "after call {i}");
        for (_, expected) in checkpoints.iter().filter(|(at, _)| *at == i) {
            assert_numbers(&m, expected);
        }
    }
    t.metrics()
}

#[test]
fn timeline1_view_to_end() {
    let calls = timeline1();
    let m = call_by_call(
        &adobe_vod(),
        &calls,
        &[
            // 0–22 s: two pre-roll ads, 15 + 7 s, no gap.
            (
                10,
                &[
                    ("adTimePlayed", "22"),
                    ("otherTime", "0"),
                    ("startupTime", "0"),
                    ("adCompleteCount", "2"),
                ],
            ),
            // 22–33 played 11 s, 33–36 buffering.
            (13, &[("timePlayed", "11"), ("bufferTime", "3"), ("bufferCount", "1")]),
            // + 36–46 played (10), 46–54 mid-roll ad (8).
            (19, &[("timePlayed", "21"), ("adTimePlayed", "30"), ("adCount", "3")]),
            // + 54–64 played (10), 64–74 paused.
            (23, &[("timePlayed", "31"), ("pauseTime", "10"), ("pauseCount", "1")]),
        ],
    );
    let expected = [
        ("timePlayed", "45"),
        ("adTimePlayed", "30"),
        ("totalTimePlayed", "75"),
        ("bufferTime", "3"),
        ("pauseTime", "10"),
        ("elapsedTime", "88"),
        ("chapterTimePlayed", "0"),
        ("averageMinuteAudience", "0.745856"),
    ];
    assert_numbers(&m, &expected);
    assert_flags(
        &m,
        &[("isCompleted", true), ("hasProgress50", true), ("hasProgress75", false)],
    );
}

/// Timeline 2: VOD, pre-roll ad, mid-roll, an error, the user abandons (sessionEnd).
///
/// - 0–12 pre-roll ad playing: ad 12. At 12 adComplete, adBreakComplete, play
///   (bitrate 10000; startupTime stays 0 from the adStart at 0).
/// - played 12–20 (8), 20–30 (10), 30–32 (2; error at 32, no state change),
///   32–37 (5: the play at 37 has the error's playhead 20, one still interval,
///   provisional, never confirmed), 37–40 (3), 40–45 (5) → timePlayed 33.
/// - 45 adBreakStart + adStart, ad 45–48 (3) → adTimePlayed 15; 48 sessionEnd.
/// - elapsed 48 = 33 + 15. bitrateAverage = 10000 × 33000 / 33000 = 10000.
/// - maxPlayhead 33: 3300 ≥ 10/25/50 × 60.333… (603.3, 1508.3, 3016.7), < 4525.
/// - averageMinuteAudience = 33 / 60.3333333333333 = 0.54696132… → 0.546961.
#[test]
fn timeline2_user_abandons() {
    use Kind::*;
    let calls = [
        at(0, 0, AdBreakStart),
        at(0, 0, AdStart),
        at(1, 0, Ping),
        at(12, 0, AdComplete),
        at(12, 0, AdBreakComplete),
        with_bitrate(at(12, 0, Play), "10000"),
        at(20, 8, Ping),
        at(30, 18, Ping),
        at(32, 20, Error),
        with_bitrate(at(37, 20, Play), "10000"),
        at(40, 28, Ping),
        at(45, 33, AdBreakStart),
        at(45, 33, AdStart),
        at(48, 33, SessionEnd),
    ];
    let m = call_by_call(
        &adobe_vod(),
        &calls,
        &[
            (5, &[("adTimePlayed", "12"), ("bitrate", "10000")]),
            (9, &[("timePlayed", "25"), ("stallTime", "0")]),
        ],
    );
    let numbers = [
        ("timePlayed", "33"),
        ("adTimePlayed", "15"),
        ("totalTimePlayed", "48"),
        ("elapsedTime", "48"),
        ("otherTime", "0"),
        ("pauseTime", "0"),
        ("bufferTime", "0"),
        ("stallTime", "0"),
        ("chapterTimePlayed", "0"),
        ("startupTime", "0"),
        ("adCount", "2"),
        ("adBreakCount", "2"),
        ("adCompleteCount", "1"),
        ("errorCount", "1"),
        ("bitrate", "10000"),
        ("bitrateAverage", "10000"),
        ("averageMinuteAudience", "0.546961"),
        ("estimatedStreams", "1"),
    ];
    assert_numbers(&m, &numbers);
    assert_other_counts_zero(&m, &numbers);
    assert_flags(
        &m,
        &[
            ("isPlayed", true),
            ("isCompleted", false),
            ("isDroppedBeforeStart", false),
            ("hasErrorImpactedStreams", true),
            ("hasProgress10", true),
            ("hasProgress25", true),
            ("hasProgress50", true),
            ("hasProgress75", false),
            ("hasProgress95", false),
        ],
    );
    assert!(m.get("timeToStart").is_none() && m.get("droppedFrames").is_none());
}

/// Timeline 3: chapters. Tables' playheads (action 12: 1, action 29: 44).
///
/// - ads 0–15 and 15–22 → 22; mid-roll 46–54 → 8; adTimePlayed 30.
/// - played: 22–23 (1), 23–30 (7 ch), 30–33 (3 ch), [33–36 buffer 3],
///   36–40 (4 ch), 40–45 (5 ch; chapter 1 completes at 45), 45–46 (1),
///   54–55 (1; chapter 2 starts at 55), 55–60 (5 ch), 60–64 (4 ch),
///   [64–74 paused 10], 74–80 (6 ch), 80–87 (7 ch; chapter 2 completes), 87–88 (1)
///   → timePlayed 1+7+3+4+5+1+1+5+4+6+7+1 = 45; chapterTimePlayed 19 + 22 = 41.
/// - elapsed 88 = 45 + 30 + 3 + 10. maxPlayhead 45 → markers 10/25/50;
///   averageMinuteAudience 45 / 60.3333333333333 → 0.745856.
#[test]
fn timeline3_chapters() {
    use Kind::*;
    let calls = [
        at(0, 0, AdBreakStart),
        at(0, 0, AdStart),
        at(10, 0, Ping),
        at(15, 0, AdComplete),
        at(15, 0, AdStart),
        at(16, 0, Ping),
        at(22, 0, AdComplete),
        at(22, 0, AdBreakComplete),
        at(22, 0, Play),
        at(23, 1, ChapterStart),
        at(30, 8, Ping),
        at(33, 11, BufferStart),
        at(36, 11, Play),
        at(40, 15, Ping),
        at(45, 20, ChapterComplete),
        at(46, 21, AdBreakStart),
        at(46, 21, AdStart),
        at(47, 21, Ping),
        at(54, 21, AdComplete),
        at(54, 21, AdBreakComplete),
        at(55, 22, ChapterStart),
        at(60, 27, Ping),
        at(64, 31, PauseStart),
        at(70, 31, Ping),
        at(74, 31, Play),
        at(80, 37, Ping),
        at(87, 44, ChapterComplete),
        at(88, 45, SessionComplete),
    ];
    let m = call_by_call(
        &adobe_vod(),
        &calls,
        &[
            (
                14,
                &[
                    ("timePlayed", "20"),
                    ("chapterTimePlayed", "19"),
                    ("chapterCompleteCount", "1"),
                ],
            ),
            (
                20,
                &[
                    ("timePlayed", "22"),
                    ("chapterTimePlayed", "19"),
                    ("adTimePlayed", "30"),
                ],
            ),
        ],
    );
    let numbers = [
        ("timePlayed", "45"),
        ("chapterTimePlayed", "41"),
        ("adTimePlayed", "30"),
        ("totalTimePlayed", "75"),
        ("bufferTime", "3"),
        ("pauseTime", "10"),
        ("stallTime", "0"),
        ("otherTime", "0"),
        ("elapsedTime", "88"),
        ("startupTime", "0"),
        ("adCount", "3"),
        ("adBreakCount", "2"),
        ("adCompleteCount", "3"),
        ("chapterCount", "2"),
        ("chapterCompleteCount", "2"),
        ("pauseCount", "1"),
        ("bufferCount", "1"),
        ("averageMinuteAudience", "0.745856"),
        ("estimatedStreams", "1"),
    ];
    assert_numbers(&m, &numbers);
    assert_other_counts_zero(&m, &numbers);
    assert_flags(
        &m,
        &[
            ("isPlayed", true),
            ("isCompleted", true),
            ("isDroppedBeforeStart", false),
            ("hasProgress10", true),
            ("hasProgress25", true),
            ("hasProgress50", true),
            ("hasProgress75", false),
        ],
    );
}
