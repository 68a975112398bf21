//! The committed state of docs/api.md#how-time-is-counted and the state machine of docs/api.md#what-the-player-is-doing (applying
//! one call in sort order), plus the late path. Durations are integer ms.

use std::collections::BTreeMap;

use bigdecimal::BigDecimal;

use super::model::{Kind, Qoe, Start};
use super::num::times_ms;
use super::window::Ev;

/// At most this many player state names are tracked (docs/api.md#what-the-player-is-doing).
pub(super) const STATE_LIMIT: usize = 10;

/// The main-content playback state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Main {
    Init,
    Playing,
    Paused,
    Buffering,
    Complete,
}

/// Where the session is with respect to ads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AdPhase {
    None,
    Break,
    Ad,
}

/// The playback state inside an ad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AdPlay {
    Playing,
    Paused,
    Buffering,
}

/// The first still interval of a stall run, credited to played provisionally
/// (docs/api.md#what-the-player-is-doing) and taken back if the run is confirmed.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pending {
    pub ms: u64,
    pub chapter: bool,
    /// The bitrate the interval was weighted with, if any.
    pub bitrate: Option<BigDecimal>,
}

/// One player state (docs/api.md#what-the-player-is-doing stateStart / stateEnd, `states`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct PlayerState {
    pub active: bool,
    pub count: u64,
    pub time_ms: u64,
}

/// The ms accumulators of docs/api.md#what-the-player-is-doing (each positive interval goes to exactly one bucket,
/// chapter being a subset of played).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Buckets {
    pub played: u64,
    pub ad: u64,
    pub chapter: u64,
    pub pause: u64,
    pub buffer: u64,
    pub stall: u64,
    pub other: u64,
}

/// The plain counters of docs/api.md#the-metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub pause: u64,
    pub buffer: u64,
    pub stall: u64,
    pub ad: u64,
    pub ad_break: u64,
    pub ad_complete: u64,
    pub ad_skip: u64,
    pub chapter: u64,
    pub chapter_complete: u64,
    pub chapter_skip: u64,
    pub error: u64,
    pub bitrate_change: u64,
    pub late: u64,
}

/// The committed state (docs/api.md#how-time-is-counted), also used as the scratch copy the
/// window is applied to for the published view.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct State {
    pub start_ts: i64,
    /// ts of the last applied call (the start's ts before any).
    pub clock: i64,
    pub last_playhead: BigDecimal,
    pub main: Main,
    pub ad: AdPhase,
    pub ad_play: AdPlay,
    pub chapter_open: bool,
    pub closed: bool,
    /// Consecutive still intervals so far (docs/api.md#what-the-player-is-doing).
    pub still: u64,
    /// The first still interval while `still == 1`.
    pub pending: Option<Pending>,
    pub ms: Buckets,
    pub counts: Counts,
    pub is_played: bool,
    pub is_completed: bool,
    pub startup_ms: Option<u64>,
    pub max_playhead: Option<BigDecimal>,
    /// The QoE gauges (latest reported values).
    pub qoe: Qoe,
    /// Σ bitrate × ms over played intervals with a known bitrate.
    pub bitrate_weighted: BigDecimal,
    /// Σ ms of those intervals.
    pub bitrate_ms: u64,
    pub states: BTreeMap<String, PlayerState>,
    pub media_length: BigDecimal,
    pub live: bool,
    pub resume: bool,
}

impl State {
    /// The state right after the sessionStart (its QoE values are the first gauges).
    pub(super) fn new(start: &Start) -> State {
        State {
            start_ts: start.ts,
            clock: start.ts,
            last_playhead: start.playhead.normalized(),
            main: Main::Init,
            ad: AdPhase::None,
            ad_play: AdPlay::Playing,
            chapter_open: false,
            closed: false,
            still: 0,
            pending: None,
            ms: Buckets::default(),
            counts: Counts::default(),
            is_played: false,
            is_completed: false,
            startup_ms: None,
            max_playhead: None,
            qoe: start.qoe.normalized(),
            bitrate_weighted: BigDecimal::from(0u8),
            bitrate_ms: 0,
            states: BTreeMap::new(),
            media_length: start.media_length.normalized(),
            live: start.live,
            resume: start.resume,
        }
    }

    /// Applies one call in sort order (docs/api.md#what-the-player-is-doing). The caller guarantees
    /// `e.ts >= self.clock` (window invariant); an older ts counts as zero length.
    pub(super) fn apply(&mut self, e: &Ev) {
        if self.closed {
            return;
        }
        if e.ts > self.clock {
            let d = e.ts.abs_diff(self.clock);
            self.attribute(d, &e.playhead);
            self.clock = e.ts;
        }
        self.update_gauges(&e.qoe);
        self.transition(e);
        self.last_playhead = e.playhead.clone();
        if self.is_played && self.max_playhead.as_ref().is_none_or(|m| e.playhead > *m) {
            self.max_playhead = Some(e.playhead.clone());
        }
    }

    /// A call older than the committed clock (docs/api.md#how-time-is-counted): its plain count only.
    pub(super) fn apply_late(&mut self, kind: Kind) {
        let c = &mut self.counts;
        c.late = c.late.saturating_add(1);
        let slot = match kind {
            Kind::AdStart => &mut c.ad,
            Kind::AdBreakStart => &mut c.ad_break,
            Kind::AdComplete => &mut c.ad_complete,
            Kind::AdSkip => &mut c.ad_skip,
            Kind::ChapterStart => &mut c.chapter,
            Kind::ChapterComplete => &mut c.chapter_complete,
            Kind::ChapterSkip => &mut c.chapter_skip,
            Kind::Error => &mut c.error,
            Kind::BitrateChange => &mut c.bitrate_change,
            Kind::SessionComplete => {
                self.is_completed = true;
                return;
            }
            Kind::SessionEnd => {
                self.closed = true;
                return;
            }
            _ => return,
        };
        *slot = slot.saturating_add(1);
    }

    fn update_gauges(&mut self, qoe: &Qoe) {
        let set = |gauge: &mut Option<BigDecimal>, value: &Option<BigDecimal>| {
            if let Some(v) = value {
                *gauge = Some(v.clone());
            }
        };
        set(&mut self.qoe.bitrate, &qoe.bitrate);
        set(&mut self.qoe.dropped_frames, &qoe.dropped_frames);
        set(&mut self.qoe.frames_per_second, &qoe.frames_per_second);
        set(&mut self.qoe.time_to_start, &qoe.time_to_start);
    }

    /// Attributes a positive interval of `d` ms by the state before the call (docs/api.md#what-the-player-is-doing),
    /// with the stall run of docs/api.md#what-the-player-is-doing.
    fn attribute(&mut self, d: u64, playhead: &BigDecimal) {
        for state in self.states.values_mut().filter(|s| s.active) {
            state.time_ms = state.time_ms.saturating_add(d);
        }
        let add = |bucket: &mut u64| *bucket = bucket.saturating_add(d);
        if self.ad == AdPhase::Ad {
            self.end_run();
            match self.ad_play {
                AdPlay::Playing => add(&mut self.ms.ad),
                AdPlay::Paused => add(&mut self.ms.pause),
                AdPlay::Buffering => add(&mut self.ms.buffer),
            }
            return;
        }
        match self.main {
            Main::Playing if self.ad == AdPhase::None && *playhead == self.last_playhead => self.still_interval(d),
            Main::Playing => {
                self.end_run();
                self.credit_played(d);
            }
            Main::Paused => {
                self.end_run();
                add(&mut self.ms.pause);
            }
            Main::Buffering => {
                self.end_run();
                add(&mut self.ms.buffer);
            }
            Main::Init | Main::Complete => {
                self.end_run();
                add(&mut self.ms.other);
            }
        }
    }

    fn end_run(&mut self) {
        self.still = 0;
        self.pending = None;
    }

    /// A still interval (docs/api.md#what-the-player-is-doing): the 1st is played provisionally, the 2nd confirms a
    /// stall and takes the 1st back, later ones go to stallTime directly.
    fn still_interval(&mut self, d: u64) {
        self.still = self.still.saturating_add(1);
        match self.still {
            1 => {
                let bitrate = self.credit_played(d);
                self.pending = Some(Pending {
                    ms: d,
                    chapter: self.chapter_open,
                    bitrate,
                });
            }
            2 => {
                self.counts.stall = self.counts.stall.saturating_add(1);
                let first = self.pending.take().map_or(0, |p| self.take_back(p));
                self.ms.stall = self.ms.stall.saturating_add(first).saturating_add(d);
            }
            _ => self.ms.stall = self.ms.stall.saturating_add(d),
        }
    }

    /// Credits a played interval; returns the bitrate it was weighted with.
    fn credit_played(&mut self, d: u64) -> Option<BigDecimal> {
        self.ms.played = self.ms.played.saturating_add(d);
        if self.chapter_open {
            self.ms.chapter = self.ms.chapter.saturating_add(d);
        }
        let bitrate = self.qoe.bitrate.clone()?;
        self.bitrate_weighted += times_ms(&bitrate, d);
        self.bitrate_ms = self.bitrate_ms.saturating_add(d);
        Some(bitrate)
    }

    /// Removes a provisionally played interval again; returns its ms.
    fn take_back(&mut self, p: Pending) -> u64 {
        self.ms.played = self.ms.played.saturating_sub(p.ms);
        if p.chapter {
            self.ms.chapter = self.ms.chapter.saturating_sub(p.ms);
        }
        if let Some(bitrate) = &p.bitrate {
            self.bitrate_weighted -= times_ms(bitrate, p.ms);
            self.bitrate_ms = self.bitrate_ms.saturating_sub(p.ms);
        }
        p.ms
    }
}
