//! The transitions of docs/api.md#what-the-player-is-doing: what one call does to the playback, ad,
//! chapter and player states and to the counters (after its interval is attributed).

use super::model::Kind;
use super::state::{AdPhase, AdPlay, Main, PlayerState, STATE_LIMIT, State};
use super::window::Ev;

impl State {
    fn set_startup(&mut self, ts: i64) {
        if self.startup_ms.is_none() {
            self.startup_ms = Some(if ts > self.start_ts {
                ts.abs_diff(self.start_ts)
            } else {
                0
            });
        }
    }

    /// The transitions, call by call.
    pub(super) fn transition(&mut self, e: &Ev) {
        let in_ad = self.ad == AdPhase::Ad;
        let c = &mut self.counts;
        let bump = |n: &mut u64| *n = n.saturating_add(1);
        match e.kind {
            Kind::Play if in_ad => self.ad_play = AdPlay::Playing,
            Kind::Play => {
                self.main = Main::Playing;
                self.is_played = true;
                self.set_startup(e.ts);
            }
            Kind::PauseStart if in_ad => {
                if self.ad_play != AdPlay::Paused {
                    bump(&mut c.pause);
                }
                self.ad_play = AdPlay::Paused;
            }
            Kind::PauseStart => {
                if self.main != Main::Paused {
                    bump(&mut c.pause);
                }
                self.main = Main::Paused;
            }
            Kind::BufferStart if in_ad => {
                if self.ad_play != AdPlay::Buffering {
                    bump(&mut c.buffer);
                }
                self.ad_play = AdPlay::Buffering;
            }
            Kind::BufferStart => {
                if self.main != Main::Buffering {
                    bump(&mut c.buffer);
                }
                self.main = Main::Buffering;
            }
            Kind::AdBreakStart => {
                bump(&mut c.ad_break);
                self.ad = AdPhase::Break;
            }
            Kind::AdStart if self.ad == AdPhase::None => {}
            Kind::AdStart => {
                bump(&mut c.ad);
                self.ad = AdPhase::Ad;
                self.ad_play = AdPlay::Playing;
                self.set_startup(e.ts);
            }
            Kind::AdComplete | Kind::AdSkip if in_ad => {
                bump(if e.kind == Kind::AdComplete {
                    &mut c.ad_complete
                } else {
                    &mut c.ad_skip
                });
                self.ad = AdPhase::Break;
            }
            Kind::AdComplete | Kind::AdSkip => {}
            Kind::AdBreakComplete => self.ad = AdPhase::None,
            Kind::ChapterStart => {
                bump(&mut c.chapter);
                self.chapter_open = true;
            }
            Kind::ChapterComplete | Kind::ChapterSkip if self.chapter_open => {
                let n = if e.kind == Kind::ChapterComplete {
                    &mut c.chapter_complete
                } else {
                    &mut c.chapter_skip
                };
                bump(n);
                self.chapter_open = false;
            }
            Kind::ChapterComplete | Kind::ChapterSkip => {}
            Kind::StateStart => self.state_start(e.state_name.as_deref()),
            Kind::StateEnd => {
                if let Some(state) = e.state_name.as_deref().and_then(|n| self.states.get_mut(n)) {
                    state.active = false;
                }
            }
            Kind::Error => bump(&mut c.error),
            Kind::BitrateChange => bump(&mut c.bitrate_change),
            Kind::SessionComplete => {
                self.is_completed = true;
                self.main = Main::Complete;
            }
            Kind::SessionEnd => self.closed = true,
            Kind::Ping => {}
        }
    }

    fn state_start(&mut self, name: Option<&str>) {
        let Some(name) = name else { return };
        if !self.states.contains_key(name) {
            if self.states.len() >= STATE_LIMIT {
                return;
            }
            self.states.insert(name.to_owned(), PlayerState::default());
        }
        if let Some(state) = self.states.get_mut(name)
            && !state.active
        {
            state.active = true;
            state.count = state.count.saturating_add(1);
        }
    }
}
