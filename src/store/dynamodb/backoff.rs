//! The pause before trying a DynamoDB call again: doubling from a first
//! pause to a ceiling, half of it fixed and half random, so that calls
//! retried at once spread out. Events and downloaded sessions each keep
//! their own bounds.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub(super) struct Backoff {
    pub(super) first: Duration,
    pub(super) longest: Duration,
}

impl Backoff {
    /// The pause before try `tries + 1`: half of it fixed, half random.
    pub(super) fn pause(&self, tries: u32) -> Duration {
        let half = self.ceiling(tries) / 2;
        let random = RandomState::new().hash_one(tries);
        half + half.mul_f64((random % 1_000) as f64 / 1_000.0)
    }

    fn ceiling(&self, tries: u32) -> Duration {
        self.first.saturating_mul(1 << tries.min(16)).min(self.longest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_ceiling_with_a_random_part() {
        let backoff = Backoff {
            first: Duration::from_millis(10),
            longest: Duration::from_millis(200),
        };
        for (tries, ceiling_ms) in [(1, 20), (2, 40), (5, 200), (40, 200)] {
            let ceiling = Duration::from_millis(ceiling_ms);
            let pause = backoff.pause(tries);
            assert!(pause >= ceiling / 2 && pause <= ceiling, "{tries}: {pause:?}");
        }
    }
}
