//! The compact binary form of a [`Tracker`] for the session record's
//! `metricsState` (docs/api.md#how-time-is-counted size budget): a version byte, LEB128 varints,
//! times as deltas, kinds as one-byte codes, decimals as exact (scale, mantissa).

use std::fmt;

use bigdecimal::BigDecimal;

use super::codec_state::{get_state, put_state};
use super::model::{Kind, Qoe};
use super::window::{Ev, Tracker, WINDOW};
use super::wire::{Reader, Writer};

/// The first byte of every encoding; bump it on any layout change.
pub const VERSION: u8 = 1;

/// Why bytes are not a tracker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all.
    Empty,
    /// A version this code does not read.
    Version(u8),
    /// The bytes end inside a value.
    Truncated,
    /// A value out of range or an inconsistent state.
    Invalid(&'static str),
    /// Bytes left after the tracker.
    Trailing(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "metrics state: no bytes"),
            DecodeError::Version(v) => write!(f, "metrics state: unknown version {v} (expected {VERSION})"),
            DecodeError::Truncated => write!(f, "metrics state: truncated"),
            DecodeError::Invalid(what) => write!(f, "metrics state: invalid {what}"),
            DecodeError::Trailing(n) => write!(f, "metrics state: {n} trailing bytes"),
        }
    }
}

impl std::error::Error for DecodeError {}

// Bits of a window entry's kind byte.
const K_QOE: u8 = 1 << 5;
const K_NAME: u8 = 1 << 6;
const K_CODE: u8 = 0x1f;

impl Tracker {
    /// The compact binary form (see the module doc); `decode` gives it back exactly.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(VERSION);
        put_state(&mut w, &self.state);
        w.var(self.next_seq);
        w.var(self.window.len() as u64);
        let mut prev_ts = self.state.clock;
        for ev in &self.window {
            w.var(ev.ts.abs_diff(prev_ts));
            prev_ts = ev.ts;
            let mut code = ev.kind.code();
            if !ev.qoe.is_empty() {
                code |= K_QOE;
            }
            if ev.state_name.is_some() {
                code |= K_NAME;
            }
            w.u8(code);
            w.var(self.next_seq.saturating_sub(1).saturating_sub(ev.seq));
            w.dec(&ev.playhead);
            if !ev.qoe.is_empty() {
                put_qoe(&mut w, &ev.qoe);
            }
            if let Some(name) = &ev.state_name {
                w.str(name);
            }
        }
        w.into_bytes()
    }

    /// Reads what [`Tracker::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Tracker, DecodeError> {
        let mut r = Reader::new(bytes);
        match bytes.first() {
            None => return Err(DecodeError::Empty),
            Some(&VERSION) => r.u8()?,
            Some(&v) => return Err(DecodeError::Version(v)),
        };
        let state = get_state(&mut r)?;
        let next_seq = r.var()?;
        let len = r.var()?;
        if len > WINDOW as u64 {
            return Err(DecodeError::Invalid("window length"));
        }
        let mut window: Vec<Ev> = Vec::with_capacity(WINDOW);
        let mut prev_ts = state.clock;
        for _ in 0..len {
            let ts = i64::try_from(i128::from(prev_ts) + i128::from(r.var()?))
                .map_err(|_| DecodeError::Invalid("window ts"))?;
            prev_ts = ts;
            let code = r.u8()?;
            let kind = Kind::from_code(code & K_CODE).ok_or(DecodeError::Invalid("event kind"))?;
            if code & !(K_CODE | K_QOE | K_NAME) != 0 {
                return Err(DecodeError::Invalid("event kind"));
            }
            let back = r.var()?;
            let seq = next_seq
                .checked_sub(1)
                .and_then(|s| s.checked_sub(back))
                .ok_or(DecodeError::Invalid("window sequence"))?;
            let playhead = r.dec()?;
            let qoe = if code & K_QOE != 0 {
                get_qoe(&mut r)?
            } else {
                Qoe::default()
            };
            let state_name = if code & K_NAME != 0 { Some(r.str()?) } else { None };
            let ev = Ev {
                ts,
                kind,
                playhead,
                seq,
                state_name,
                qoe,
            };
            if window.last().is_some_and(|last| last.key() >= ev.key()) {
                return Err(DecodeError::Invalid("window order"));
            }
            window.push(ev);
        }
        if window
            .iter()
            .map(|e| e.seq)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            != window.len()
        {
            return Err(DecodeError::Invalid("window sequence"));
        }
        if r.remaining() > 0 {
            return Err(DecodeError::Trailing(r.remaining()));
        }
        Ok(Tracker {
            state,
            window,
            next_seq,
        })
    }
}

fn put_qoe(w: &mut Writer, q: &Qoe) {
    let values = [&q.bitrate, &q.dropped_frames, &q.frames_per_second, &q.time_to_start];
    let mask = values
        .iter()
        .enumerate()
        .fold(0u8, |m, (i, v)| if v.is_some() { m | 1 << i } else { m });
    w.u8(mask);
    for v in values.into_iter().flatten() {
        w.dec(v);
    }
}

fn get_qoe(r: &mut Reader) -> Result<Qoe, DecodeError> {
    let mask = r.u8()?;
    if mask & !0x0f != 0 {
        return Err(DecodeError::Invalid("qoe mask"));
    }
    get_qoe_values(r, u64::from(mask))
}

pub(super) fn get_qoe_values(r: &mut Reader, mask: u64) -> Result<Qoe, DecodeError> {
    let mut next = |bit: u64| -> Result<Option<BigDecimal>, DecodeError> {
        if mask & (1 << bit) != 0 {
            r.dec().map(Some)
        } else {
            Ok(None)
        }
    };
    Ok(Qoe {
        bitrate: next(0)?,
        dropped_frames: next(1)?,
        frames_per_second: next(2)?,
        time_to_start: next(3)?,
    })
}
