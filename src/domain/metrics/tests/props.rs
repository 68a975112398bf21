//! Properties (proptest): the buckets add up to elapsedTime for any calls in any
//! order; bounded reordering gives the in-order metrics; the metrics are a pure
//! function of the calls, unchanged by encode / decode at any step; a batch equals
//! the same calls sent one by one (docs/api.md#how-time-is-counted, docs/api.md#how-time-is-counted).

use proptest::prelude::*;

use super::super::model::ALL_KINDS;
use super::super::state::State;
use super::super::view::view;
use super::super::window::{Ev, WINDOW};
use super::*;

const PLAYHEADS: [&str; 8] = ["0", "1", "1.0", "2", "2.5", "3", "10", "0.001"];
const NAMES: [&str; 12] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
const STEPS: [i64; 6] = [0, 0, 1, 500, 1000, 10_000];

/// A call drawn from small sets so that equal playheads, equal ts, the state
/// limit and every kind come up often.
fn call_at(ts: i64, kind: usize, playhead: usize, name: usize, qoe: u8) -> Call {
    let kind = ALL_KINDS[kind % ALL_KINDS.len()];
    let mut call = Call {
        ts,
        kind,
        playhead: dec(PLAYHEADS[playhead]),
        state_name: None,
        qoe: Qoe::default(),
    };
    if matches!(kind, Kind::StateStart | Kind::StateEnd) {
        call.state_name = Some(NAMES[name].to_owned());
    }
    match qoe {
        1 => call.qoe.bitrate = Some(dec("1000")),
        2 => call.qoe.bitrate = Some(dec("2000.5")),
        3 => {
            call.qoe.dropped_frames = Some(dec("3"));
            call.qoe.time_to_start = Some(dec("1500"));
        }
        _ => {}
    }
    call
}

/// Kinds weighted towards playback, so sessions actually play.
fn kind_index() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0usize..2, 1 => 0usize..ALL_KINDS.len(), 1 => 3usize..5]
}

/// A session in ts order (non-decreasing ts: a valid downloaded batch, D3). After
/// a sessionEnd only calls of its ts follow (the API refuses later ones, the events' storage (docs/api.md)).
fn in_order() -> impl Strategy<Value = Vec<Call>> {
    let one = (0..STEPS.len(), kind_index(), 0..PLAYHEADS.len(), 0..NAMES.len(), 0u8..6);
    prop::collection::vec(one, 0..60).prop_map(|raw| {
        let mut ts = T0;
        let mut end = None;
        raw.into_iter()
            .map(|(step, kind, ph, name, qoe)| {
                if end.is_none() {
                    ts += STEPS[step];
                }
                let call = call_at(ts, kind, ph, name, qoe);
                if call.kind == Kind::SessionEnd {
                    end = Some(ts);
                }
                call
            })
            .collect()
    })
}

/// Calls in any order, some even before the start's ts.
fn any_order() -> impl Strategy<Value = Vec<Call>> {
    let one = (
        -5_000i64..120_000,
        kind_index(),
        0..PLAYHEADS.len(),
        0..NAMES.len(),
        0u8..6,
    );
    prop::collection::vec(one, 0..60).prop_map(|raw| {
        raw.into_iter()
            .map(|(off, kind, ph, name, qoe)| call_at(T0 + off, kind, ph, name, qoe))
            .collect()
    })
}

fn ms_of(m: &Metrics, name: &str) -> BigDecimal {
    dec(m.number(name).unwrap_or_else(|| panic!("{name}")))
}

#[track_caller]
fn assert_buckets_add_up(m: &Metrics) {
    let sum = [
        "timePlayed",
        "stallTime",
        "adTimePlayed",
        "pauseTime",
        "bufferTime",
        "otherTime",
    ]
    .iter()
    .map(|n| ms_of(m, n))
    .fold(dec("0"), |a, b| a + b);
    assert_eq!(sum, ms_of(m, "elapsedTime"));
    assert_eq!(
        ms_of(m, "totalTimePlayed"),
        ms_of(m, "timePlayed") + ms_of(m, "adTimePlayed")
    );
    assert!(ms_of(m, "chapterTimePlayed") <= ms_of(m, "timePlayed"));
}

/// The metrics of `calls` applied straight to a state in sort-key order (no window).
fn reference(start: &Start, calls: &[(Call, u64)]) -> Metrics {
    let mut evs: Vec<Ev> = calls.iter().map(|(c, seq)| Ev::from_call(c.clone(), *seq)).collect();
    evs.sort_by_key(Ev::key);
    let mut state = State::new(start);
    for ev in &evs {
        state.apply(ev);
    }
    view(&state)
}

fn start_for(length: u8, live: bool) -> Start {
    Start {
        live,
        ..vod(["0", "3", "60.3333333333333", "10"][usize::from(length % 4)])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// (a) timePlayed + stallTime + adTimePlayed + pauseTime + bufferTime + otherTime
    /// == elapsedTime after every call, whatever the order.
    #[test]
    fn buckets_sum_to_elapsed(calls in any_order(), length in 0u8..4, live in any::<bool>()) {
        let mut t = Tracker::start(&start_for(length, live));
        for call in calls {
            t.accept(call);
            assert_buckets_add_up(&t.metrics());
        }
    }

    /// (b) Any arrival order in which no call is overtaken (in sort-key order) by
    /// more than 10 others gives the metrics of the in-order sequence.
    #[test]
    fn bounded_reordering_gives_in_order_metrics(
        calls in in_order(),
        jitter in prop::collection::vec(0usize..=WINDOW, 60),
        length in 0u8..4,
    ) {
        let start = start_for(length, false);
        let mut order: Vec<usize> = (0..calls.len()).collect();
        order.sort_by_key(|&i| (i + jitter[i], i));
        let arrival: Vec<Call> = order.iter().map(|&i| calls[i].clone()).collect();
        let keyed: Vec<(Call, u64)> = arrival.iter().cloned().zip(0u64..).collect();
        let key = |(c, seq): &(Call, u64)| (c.ts, c.kind.rank(), *seq);
        let overtaken = keyed.iter().enumerate().map(|(i, c)| keyed[..i].iter().filter(|x| key(x) > key(c)).count());
        prop_assume!(overtaken.max().unwrap_or(0) <= WINDOW);

        let got = run(&start, &arrival);
        prop_assert_eq!(got.metrics().number("lateEventCount").map(str::to_owned), Some("0".to_owned()));
        let expected = reference(&start, &keyed);
        prop_assert_eq!(&got.metrics(), &expected);
        // The in-order sequence (same calls, sort-key order) through the tracker.
        let mut sorted = keyed.clone();
        sorted.sort_by_key(key);
        let in_order: Vec<Call> = sorted.into_iter().map(|(c, _)| c).collect();
        prop_assert_eq!(run(&start, &in_order).metrics(), expected);
    }

    /// (c) The metrics are a pure function of the calls: two trackers fed the same
    /// calls encode equally, and decode(encode) at every step changes nothing.
    #[test]
    fn encoding_at_every_step_changes_nothing(calls in any_order(), length in 0u8..4, live in any::<bool>()) {
        let start = start_for(length, live);
        let (mut a, mut b) = (Tracker::start(&start), Tracker::start(&start));
        let mut c = Tracker::decode(&Tracker::start(&start).encode()).unwrap();
        for call in calls {
            a.accept(call.clone());
            b.accept(call.clone());
            c.accept(call);
            let bytes = c.encode();
            let back = Tracker::decode(&bytes).unwrap();
            prop_assert_eq!(&back, &c);
            prop_assert_eq!(back.encode(), bytes.clone());
            c = back;
            prop_assert_eq!(a.encode(), b.encode());
            prop_assert_eq!(a.encode(), bytes);
            prop_assert_eq!(a.metrics(), c.metrics());
        }
    }

    /// (d) A batch applied through accept() in array order equals the same calls
    /// applied one by one with encode / decode between each call (the live path).
    #[test]
    fn batch_equals_one_by_one(calls in in_order(), length in 0u8..4) {
        let start = start_for(length, false);
        let batch = run(&start, &calls);
        let mut bytes = Tracker::start(&start).encode();
        for call in &calls {
            let mut t = Tracker::decode(&bytes).unwrap();
            t.accept(call.clone());
            bytes = t.encode();
        }
        let live = Tracker::decode(&bytes).unwrap();
        prop_assert_eq!(live.metrics(), batch.metrics());
        prop_assert_eq!(bytes, batch.encode());
        prop_assert_eq!(batch.metrics().number("lateEventCount").map(str::to_owned), Some("0".to_owned()));
    }
}
