//! The committed state's part of the tracker encoding (see `codec`): one flags
//! varint for the enums, booleans and present optionals, then the numbers.

use std::collections::BTreeMap;

use super::codec::{DecodeError, get_qoe_values};
use super::state::{AdPhase, AdPlay, Buckets, Counts, Main, Pending, PlayerState, STATE_LIMIT, State};
use super::wire::{Reader, Writer};

// Bits of the flags varint.
const F_CHAPTER: u64 = 1 << 7;
const F_CLOSED: u64 = 1 << 8;
const F_PLAYED: u64 = 1 << 9;
const F_COMPLETED: u64 = 1 << 10;
const F_LIVE: u64 = 1 << 11;
const F_RESUME: u64 = 1 << 12;
const F_STARTUP: u64 = 1 << 13;
const F_MAX: u64 = 1 << 14;
const F_MAX_IS_LAST: u64 = 1 << 15;
const F_PENDING: u64 = 1 << 16;
const F_QOE_SHIFT: u32 = 17; // 4 bits: bitrate, dropped frames, fps, time to start

pub(super) fn put_state(w: &mut Writer, s: &State) {
    let max_is_last = s.max_playhead.as_ref().is_some_and(|m| *m == s.last_playhead);
    let gauges = [
        &s.qoe.bitrate,
        &s.qoe.dropped_frames,
        &s.qoe.frames_per_second,
        &s.qoe.time_to_start,
    ];
    let mut flags = main_code(s.main) | ad_code(s.ad) << 3 | ad_play_code(s.ad_play) << 5;
    for (bit, on) in [
        (F_CHAPTER, s.chapter_open),
        (F_CLOSED, s.closed),
        (F_PLAYED, s.is_played),
        (F_COMPLETED, s.is_completed),
        (F_LIVE, s.live),
        (F_RESUME, s.resume),
        (F_STARTUP, s.startup_ms.is_some()),
        (F_MAX, s.max_playhead.is_some()),
        (F_MAX_IS_LAST, max_is_last),
        (F_PENDING, s.pending.is_some()),
    ] {
        if on {
            flags |= bit;
        }
    }
    for (i, g) in gauges.iter().enumerate() {
        if g.is_some() {
            flags |= 1 << (F_QOE_SHIFT + i as u32);
        }
    }
    w.var(flags);
    w.ivar(s.start_ts);
    w.var(s.clock.abs_diff(s.start_ts));
    w.dec(&s.last_playhead);
    w.var(s.still);
    if let Some(p) = &s.pending {
        w.var(p.ms);
        let same = p.bitrate.is_some() && p.bitrate == s.qoe.bitrate;
        let mode = match (&p.bitrate, same) {
            (None, _) => 0u8,
            (Some(_), true) => 1,
            (Some(_), false) => 2,
        };
        w.u8(u8::from(p.chapter) | mode << 1);
        if let (Some(b), false) = (&p.bitrate, same) {
            w.dec(b);
        }
    }
    let b = &s.ms;
    for v in [b.played, b.ad, b.chapter, b.pause, b.buffer, b.stall, b.other] {
        w.var(v);
    }
    for v in counts_list(&s.counts) {
        w.var(v);
    }
    if let Some(ms) = s.startup_ms {
        w.var(ms);
    }
    if let (Some(m), false) = (&s.max_playhead, max_is_last) {
        w.dec(m);
    }
    for g in gauges.into_iter().flatten() {
        w.dec(g);
    }
    w.var(s.bitrate_ms);
    w.dec(&s.bitrate_weighted);
    w.dec(&s.media_length);
    w.var(s.states.len() as u64);
    for (name, st) in &s.states {
        w.str(name);
        w.var128(u128::from(st.count) << 1 | u128::from(st.active));
        w.var(st.time_ms);
    }
}

pub(super) fn get_state(r: &mut Reader) -> Result<State, DecodeError> {
    let flags = r.var()?;
    if flags >> (F_QOE_SHIFT + 4) != 0 {
        return Err(DecodeError::Invalid("flags"));
    }
    let on = |bit: u64| flags & bit != 0;
    let main = main_from(flags & 7)?;
    let ad = ad_from(flags >> 3 & 3)?;
    let ad_play = ad_play_from(flags >> 5 & 3)?;
    let start_ts = r.ivar()?;
    let clock =
        i64::try_from(i128::from(start_ts) + i128::from(r.var()?)).map_err(|_| DecodeError::Invalid("clock"))?;
    let last_playhead = r.dec()?;
    let still = r.var()?;
    if on(F_PENDING) != (still == 1) {
        return Err(DecodeError::Invalid("stall run"));
    }
    let pending = if on(F_PENDING) { Some(r.var()?) } else { None };
    let pending_mode = if pending.is_some() { r.u8()? } else { 0 };
    if pending_mode > 5 {
        return Err(DecodeError::Invalid("stall run"));
    }
    let pending_explicit = if pending_mode >> 1 == 2 { Some(r.dec()?) } else { None };
    let mut v = [0u64; 7];
    for x in &mut v {
        *x = r.var()?;
    }
    let ms = Buckets {
        played: v[0],
        ad: v[1],
        chapter: v[2],
        pause: v[3],
        buffer: v[4],
        stall: v[5],
        other: v[6],
    };
    let mut c = [0u64; 13];
    for x in &mut c {
        *x = r.var()?;
    }
    let startup_ms = if on(F_STARTUP) { Some(r.var()?) } else { None };
    let max_playhead = match (on(F_MAX), on(F_MAX_IS_LAST)) {
        (true, true) => Some(last_playhead.clone()),
        (true, false) => Some(r.dec()?),
        (false, false) => None,
        (false, true) => return Err(DecodeError::Invalid("max playhead")),
    };
    let qoe = get_qoe_values(r, flags >> F_QOE_SHIFT)?;
    let bitrate_ms = r.var()?;
    let bitrate_weighted = r.dec()?;
    let media_length = r.dec()?;
    let n = r.var()?;
    if n > STATE_LIMIT as u64 {
        return Err(DecodeError::Invalid("states"));
    }
    let mut states = BTreeMap::new();
    for _ in 0..n {
        let name = r.str()?;
        let packed = r.var128()?;
        let count = u64::try_from(packed >> 1).map_err(|_| DecodeError::Invalid("state count"))?;
        let st = PlayerState {
            active: packed & 1 == 1,
            count,
            time_ms: r.var()?,
        };
        if states.insert(name, st).is_some() {
            return Err(DecodeError::Invalid("states"));
        }
    }
    let pending = pending.map(|ms| Pending {
        ms,
        chapter: pending_mode & 1 == 1,
        bitrate: match pending_mode >> 1 {
            1 => qoe.bitrate.clone(),
            _ => pending_explicit.clone(),
        },
    });
    if pending
        .as_ref()
        .is_some_and(|p| pending_mode >> 1 == 1 && p.bitrate.is_none())
    {
        return Err(DecodeError::Invalid("stall run"));
    }
    Ok(State {
        start_ts,
        clock,
        last_playhead,
        main,
        ad,
        ad_play,
        chapter_open: on(F_CHAPTER),
        closed: on(F_CLOSED),
        still,
        pending,
        ms,
        counts: counts_from(c),
        is_played: on(F_PLAYED),
        is_completed: on(F_COMPLETED),
        startup_ms,
        max_playhead,
        qoe,
        bitrate_weighted,
        bitrate_ms,
        states,
        media_length,
        live: on(F_LIVE),
        resume: on(F_RESUME),
    })
}

fn counts_list(c: &Counts) -> [u64; 13] {
    [
        c.pause,
        c.buffer,
        c.stall,
        c.ad,
        c.ad_break,
        c.ad_complete,
        c.ad_skip,
        c.chapter,
        c.chapter_complete,
        c.chapter_skip,
        c.error,
        c.bitrate_change,
        c.late,
    ]
}

fn counts_from(c: [u64; 13]) -> Counts {
    let [
        pause,
        buffer,
        stall,
        ad,
        ad_break,
        ad_complete,
        ad_skip,
        chapter,
        chapter_complete,
        chapter_skip,
        error,
        bitrate_change,
        late,
    ] = c;
    Counts {
        pause,
        buffer,
        stall,
        ad,
        ad_break,
        ad_complete,
        ad_skip,
        chapter,
        chapter_complete,
        chapter_skip,
        error,
        bitrate_change,
        late,
    }
}

fn main_code(m: Main) -> u64 {
    match m {
        Main::Init => 0,
        Main::Playing => 1,
        Main::Paused => 2,
        Main::Buffering => 3,
        Main::Complete => 4,
    }
}

fn main_from(code: u64) -> Result<Main, DecodeError> {
    [Main::Init, Main::Playing, Main::Paused, Main::Buffering, Main::Complete]
        .get(code as usize)
        .copied()
        .ok_or(DecodeError::Invalid("main state"))
}

fn ad_code(a: AdPhase) -> u64 {
    match a {
        AdPhase::None => 0,
        AdPhase::Break => 1,
        AdPhase::Ad => 2,
    }
}

fn ad_from(code: u64) -> Result<AdPhase, DecodeError> {
    [AdPhase::None, AdPhase::Break, AdPhase::Ad]
        .get(code as usize)
        .copied()
        .ok_or(DecodeError::Invalid("ad state"))
}

fn ad_play_code(a: AdPlay) -> u64 {
    match a {
        AdPlay::Playing => 0,
        AdPlay::Paused => 1,
        AdPlay::Buffering => 2,
    }
}

fn ad_play_from(code: u64) -> Result<AdPlay, DecodeError> {
    [AdPlay::Playing, AdPlay::Paused, AdPlay::Buffering]
        .get(code as usize)
        .copied()
        .ok_or(DecodeError::Invalid("ad playback state"))
}
