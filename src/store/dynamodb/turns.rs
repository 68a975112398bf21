//! Events of one session that this process appends take turns. Each append
//! is a transaction conditional on the session record it read, so two
//! appends of one session in flight at once cost a cancelled transaction,
//! and n at once about n²/2 of them, each another round trip within the
//! time budget. Several invocations at once in one environment
//! (`AWS_LAMBDA_MAX_CONCURRENCY`) fed by a player that sends without
//! waiting for the answer would pay that inside one process, where waiting
//! for the previous append is cheaper than racing it. Appends from other
//! processes are still ordered by the transaction's conditions.

use std::fmt;
use std::sync::Arc;

use lockable::LockPool;

use crate::domain::SessionId;

#[derive(Clone, Default)]
pub(super) struct SessionTurns(Arc<LockPool<SessionId>>);

impl SessionTurns {
    /// Runs `append` once no other append of `session` runs in this
    /// process (in the order they came).
    pub(super) async fn in_turn<T>(&self, session: &SessionId, append: impl Future<Output = T>) -> T {
        let _turn = self.0.async_lock(session.clone()).await;
        append.await
    }
}

impl fmt::Debug for SessionTurns {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SessionTurns")
            .field("sessions_in_turn", &self.0.num_locked())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn appends_of_one_session_never_overlap_and_keep_their_order() {
        let turns = SessionTurns::default();
        let session = SessionId::generate();
        let running = Arc::new(AtomicUsize::new(0));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let appends = (0..8).map(|index| {
            let (turns, session, running, order) =
                (turns.clone(), session.clone(), Arc::clone(&running), Arc::clone(&order));
            async move {
                turns
                    .in_turn(&session, async {
                        assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "another append was running");
                        order.lock().unwrap().push(index);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await;
            }
        });
        futures_util::future::join_all(appends).await;
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
        assert_eq!(turns.0.num_locked(), 0, "no turn left behind");
    }

    #[tokio::test]
    async fn appends_of_different_sessions_run_at_once() {
        let turns = SessionTurns::default();
        let both_running = tokio::sync::Barrier::new(2);
        let append = |session: SessionId| {
            let (turns, both_running) = (&turns, &both_running);
            async move { turns.in_turn(&session, both_running.wait()).await }
        };
        let together = futures_util::future::join(append(SessionId::generate()), append(SessionId::generate()));
        tokio::time::timeout(Duration::from_secs(5), together)
            .await
            .expect("the second session waited for the first");
    }
}
