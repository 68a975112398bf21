//! What the emulator remembers between HTTP calls: events not yet handed to
//! the runtime, the runtime's open long-polls (several at once under Lambda
//! Managed Instances), the invocations waiting for their outcome, and what
//! the init phase reported. Kept apart from the HTTP layer so that the
//! hand-over rules (FIFO both ways, a vanished poll never swallows an event)
//! sit in one place.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::{oneshot, watch};

use super::Outcome;

/// An event on its way to the runtime.
#[derive(Debug)]
pub(crate) struct Queued {
    pub request_id: String,
    pub body: Bytes,
}

/// The outcome of one invocation and when the emulator received it.
pub(crate) type Completed = (Outcome, Instant);

/// What the init phase has shown so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct InitStatus {
    pub first_poll: Option<Instant>,
    pub error: Option<Value>,
}

#[derive(Default)]
struct Queues {
    /// Events no poll has taken yet, oldest first.
    events: VecDeque<Queued>,
    /// Polls waiting for an event, oldest first.
    polls: VecDeque<oneshot::Sender<Queued>>,
    /// Invocations handed out (or queued) whose outcome is awaited, by request id.
    pending: HashMap<String, oneshot::Sender<Completed>>,
}

pub(crate) struct State {
    queues: Mutex<Queues>,
    init: watch::Sender<InitStatus>,
}

impl State {
    pub fn new() -> Self {
        Self {
            queues: Mutex::new(Queues::default()),
            init: watch::Sender::new(InitStatus::default()),
        }
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        // A panic while holding the lock cannot leave the queues half-updated
        // (every update is a single push or pop), so a poisoned lock is usable.
        self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers an invocation: its outcome will be sent to the returned receiver.
    pub fn register(&self, request_id: &str) -> oneshot::Receiver<Completed> {
        let (tx, rx) = oneshot::channel();
        self.queues().pending.insert(request_id.to_owned(), tx);
        rx
    }

    /// Hands an event to the oldest waiting poll, or queues it.
    pub fn enqueue(&self, mut event: Queued) {
        let mut queues = self.queues();
        while let Some(poll) = queues.polls.pop_front() {
            match poll.send(event) {
                Ok(()) => return,
                // That poll's connection went away: try the next one.
                Err(returned) => event = returned,
            }
        }
        queues.events.push_back(event);
    }

    /// The runtime's `GET /next`: the oldest queued event, or the next one to
    /// arrive. `None` when the emulator is shutting down.
    pub async fn next_event(&self) -> Option<Queued> {
        self.init.send_if_modified(|status| {
            let first = status.first_poll.is_none();
            if first {
                status.first_poll = Some(Instant::now());
            }
            first
        });
        let rx = {
            let mut queues = self.queues();
            if let Some(event) = queues.events.pop_front() {
                return Some(event);
            }
            let (tx, rx) = oneshot::channel();
            queues.polls.push_back(tx);
            rx
        };
        rx.await.ok()
    }

    /// Delivers an invocation's outcome; `false` when no invocation has that id.
    pub fn complete(&self, request_id: &str, outcome: Outcome) -> bool {
        let received = Instant::now();
        match self.queues().pending.remove(request_id) {
            // The caller may have given up (timeout): the id was still known.
            Some(tx) => {
                let _ = tx.send((outcome, received));
                true
            }
            None => false,
        }
    }

    /// Forgets an invocation whose caller gave up, and its event if no poll took it.
    pub fn forget(&self, request_id: &str) {
        let mut queues = self.queues();
        queues.pending.remove(request_id);
        queues.events.retain(|event| event.request_id != request_id);
    }

    pub fn set_init_error(&self, error: Value) {
        self.init.send_modify(|status| status.error = Some(error));
    }

    pub fn init_status(&self) -> watch::Receiver<InitStatus> {
        self.init.subscribe()
    }

    pub fn init_error(&self) -> Option<Value> {
        self.init.borrow().error.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> Queued {
        Queued {
            request_id: id.to_owned(),
            body: Bytes::from_static(b"{}"),
        }
    }

    #[tokio::test]
    async fn queued_events_go_out_oldest_first() {
        let state = State::new();
        state.enqueue(event("a"));
        state.enqueue(event("b"));
        assert_eq!(state.next_event().await.unwrap().request_id, "a");
        assert_eq!(state.next_event().await.unwrap().request_id, "b");
        assert!(state.init_status().borrow().first_poll.is_some());
    }

    #[tokio::test]
    async fn an_abandoned_poll_does_not_swallow_an_event() {
        let state = std::sync::Arc::new(State::new());
        // A poll that starts waiting, then goes away (its connection closed).
        let abandoned = tokio::spawn({
            let state = state.clone();
            async move { state.next_event().await }
        });
        tokio::task::yield_now().await;
        abandoned.abort();
        let _ = abandoned.await;
        state.enqueue(event("a"));
        assert_eq!(state.next_event().await.unwrap().request_id, "a");
    }

    #[tokio::test]
    async fn waiting_polls_are_served_in_order() {
        let state = std::sync::Arc::new(State::new());
        let first = tokio::spawn({
            let state = state.clone();
            async move { state.next_event().await.unwrap().request_id }
        });
        tokio::task::yield_now().await;
        let second = tokio::spawn({
            let state = state.clone();
            async move { state.next_event().await.unwrap().request_id }
        });
        tokio::task::yield_now().await;
        state.enqueue(event("a"));
        state.enqueue(event("b"));
        assert_eq!(first.await.unwrap(), "a");
        assert_eq!(second.await.unwrap(), "b");
    }

    #[tokio::test]
    async fn outcomes_reach_their_own_invocation_only() {
        let state = State::new();
        let rx = state.register("a");
        assert!(!state.complete("unknown", Outcome::Response(Value::Null)));
        assert!(state.complete("a", Outcome::Response(Value::Bool(true))));
        let (outcome, _) = rx.await.unwrap();
        assert!(matches!(outcome, Outcome::Response(Value::Bool(true))));
        // Delivered once: a second answer for the same id is refused.
        assert!(!state.complete("a", Outcome::Response(Value::Null)));
    }

    #[tokio::test]
    async fn a_forgotten_invocation_leaves_the_queue() {
        let state = State::new();
        let _rx = state.register("a");
        state.enqueue(event("a"));
        state.enqueue(event("b"));
        state.forget("a");
        assert_eq!(state.next_event().await.unwrap().request_id, "b");
        assert!(!state.complete("a", Outcome::Response(Value::Null)));
    }
}
