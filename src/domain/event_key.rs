//! Where an event is kept within its session, and what a key that another
//! call already holds means. This is the one place that says what "the same
//! event" is, for every store and for a downloaded batch: the same
//! `playerTime.ts`, the same `eventType` and the same body as a JSON value.
//!
//! An event's key is `playerTime.ts` as 15 digits, `#`, its type as sent
//! (`001509045324153#play`): events sort by player time, and a retry lands
//! on the key it took the first time. Two *different* events can share `ts`
//! and type (Adobe's SDKs re-send every active player state at one instant
//! when they restart a session: `stateStart` mute, then `stateStart`
//! fullscreen): the one that finds the key taken goes under the longer key
//! that adds `#` and the first 16 hex digits of its body's fingerprint, where
//! its own retry lands too. Keys of events that never collide are unchanged.

use super::Fingerprint;

/// Which of an event's two keys it is kept under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyForm {
    /// `ts#type`: every event that finds it free.
    #[default]
    Plain,
    /// `ts#type#` and 16 hex digits of the body's fingerprint: an event that
    /// found its plain key held by a different event.
    WithBody,
}

/// Hex digits of the body's fingerprint in a [`KeyForm::WithBody`] key.
pub const BODY_DIGITS: usize = 16;

/// What to do when the key an event asked for is held by another call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTaken {
    /// The holder is this very event (same `ts`, type and body): a retry,
    /// stored once; nothing is written.
    Retry,
    /// A different event holds it: try this key instead.
    Try(KeyForm),
    /// A different event holds even the body's key (two bodies whose
    /// fingerprints share 64 bits): it cannot be kept apart.
    NoKeyLeft,
}

/// The rule: `ours` asked for `form` and found it held by a body whose
/// fingerprint is `holder`.
pub fn when_taken(form: KeyForm, ours: &Fingerprint, holder: &Fingerprint) -> KeyTaken {
    match form {
        _ if ours == holder => KeyTaken::Retry,
        KeyForm::Plain => KeyTaken::Try(KeyForm::WithBody),
        KeyForm::WithBody => KeyTaken::NoKeyLeft,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_same_body_is_a_retry_and_another_takes_the_longer_key() {
        let mute = Fingerprint::of(&json!({ "params": { "media.state.name": "mute" } }));
        let same = Fingerprint::of(&json!({ "params": { "media.state.name": "mute" } }));
        let fullscreen = Fingerprint::of(&json!({ "params": { "media.state.name": "fullscreen" } }));
        assert_eq!(when_taken(KeyForm::Plain, &same, &mute), KeyTaken::Retry);
        assert_eq!(when_taken(KeyForm::WithBody, &same, &mute), KeyTaken::Retry);
        assert_eq!(
            when_taken(KeyForm::Plain, &fullscreen, &mute),
            KeyTaken::Try(KeyForm::WithBody)
        );
        assert_eq!(when_taken(KeyForm::WithBody, &fullscreen, &mute), KeyTaken::NoKeyLeft);
    }
}
