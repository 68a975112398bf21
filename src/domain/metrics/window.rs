//! The reorder window of docs/api.md#how-time-is-counted: accepted calls wait here, ordered by
//! (ts, rank, arrival sequence), until an 11th forces the least one to be folded
//! into the committed state; calls older than the committed clock take the late path.

use std::cmp::Ordering;

use bigdecimal::BigDecimal;

use super::model::{Call, Kind, Qoe, Start};
use super::state::State;
use super::view::{Metrics, view};

/// At most this many accepted calls wait unfolded (Adobe's reorder window, A3).
pub(super) const WINDOW: usize = 10;

/// An accepted call as kept in the window (docs/api.md#how-time-is-counted): ts, kind, playhead, arrival
/// sequence, state name (stateStart / stateEnd only) and QoE values.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Ev {
    pub ts: i64,
    pub kind: Kind,
    pub playhead: BigDecimal,
    pub seq: u64,
    pub state_name: Option<String>,
    pub qoe: Qoe,
}

impl Ev {
    pub(super) fn from_call(call: Call, seq: u64) -> Ev {
        let named = matches!(call.kind, Kind::StateStart | Kind::StateEnd);
        Ev {
            ts: call.ts,
            kind: call.kind,
            playhead: call.playhead.normalized(),
            seq,
            state_name: if named { call.state_name } else { None },
            qoe: call.qoe.normalized(),
        }
    }

    /// The sort key of docs/api.md#how-time-is-counted.
    pub(super) fn key(&self) -> (i64, u8, u64) {
        (self.ts, self.kind.rank(), self.seq)
    }
}

/// A session's metrics state: the committed state, the window (≤ 10 unfolded
/// calls, in sort order) and the arrival sequence counter (docs/api.md#how-time-is-counted).
#[derive(Clone, Debug, PartialEq)]
pub struct Tracker {
    pub(super) state: State,
    pub(super) window: Vec<Ev>,
    /// The arrival sequence number the next accepted call gets.
    pub(super) next_seq: u64,
}

impl Tracker {
    /// The tracker right after the sessionStart.
    pub fn start(start: &Start) -> Tracker {
        Tracker {
            state: State::new(start),
            window: Vec::new(),
            next_seq: 0,
        }
    }

    /// Accepts one call (never a retry: the store filters those, docs/api.md#how-time-is-counted). A call
    /// older than the committed clock takes the late path (docs/api.md#how-time-is-counted); any other waits
    /// in the window, and the least of 11 is folded into the committed state (docs/api.md#how-time-is-counted).
    pub fn accept(&mut self, call: Call) {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        if call.ts < self.state.clock {
            if call.kind == Kind::SessionEnd && !self.state.closed {
                // The end is older than the committed clock: the calls already
                // accepted stay applied as they are (DECISIONS.md), nothing later is.
                self.fold_all();
            }
            self.state.apply_late(call.kind);
            return;
        }
        let ev = Ev::from_call(call, seq);
        let key = ev.key();
        let at = self.window.partition_point(|w| w.key().cmp(&key) != Ordering::Greater);
        self.window.insert(at, ev);
        if self.window.len() > WINDOW {
            let least = self.window.remove(0);
            self.state.apply(&least);
        }
    }

    /// Folds every window call into the committed state, in sort order.
    fn fold_all(&mut self) {
        for ev in std::mem::take(&mut self.window) {
            self.state.apply(&ev);
        }
    }

    /// The published metrics (docs/api.md#how-time-is-counted): a copy of the committed state with every
    /// window call applied in sort order, then the published view.
    pub fn metrics(&self) -> Metrics {
        view(&self.applied())
    }

    /// The committed state with the window applied (the state the metrics show).
    pub(super) fn applied(&self) -> State {
        let mut state = self.state.clone();
        for ev in &self.window {
            state.apply(ev);
        }
        state
    }

    /// How many calls wait unfolded in the window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }
}
