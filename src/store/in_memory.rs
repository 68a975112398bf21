//! A [`SessionStore`] in a `Mutex<HashMap>`, for handler tests that need no
//! DynamoDB. It can be told to fail, to test the 500 path.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::domain::SessionRecord;

use super::{Created, SessionStore, StoreError};

#[derive(Debug, Default)]
pub struct InMemorySessionStore {
    records: Mutex<HashMap<String, SessionRecord>>,
    failing: Mutex<bool>,
}

impl InMemorySessionStore {
    /// A store whose every write fails, like an unreachable DynamoDB.
    pub fn failing() -> Self {
        Self {
            failing: Mutex::new(true),
            ..Self::default()
        }
    }

    pub fn get(&self, session_id: &str) -> Option<SessionRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(session_id)
            .cloned()
    }

    pub fn len(&self) -> usize {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for InMemorySessionStore {
    async fn create(&self, record: &SessionRecord) -> Result<Created, StoreError> {
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(StoreError::Failed("the in-memory store was told to fail".into()));
        }
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = records.get(record.session_id.as_str()) {
            return match (&record.fingerprint, &existing.fingerprint) {
                (Some(ours), Some(theirs)) if ours == theirs => Ok(Created::Replayed),
                (Some(_), _) => Err(StoreError::KeyReused),
                (None, _) => Err(StoreError::AlreadyExists),
            };
        }
        records.insert(record.session_id.to_string(), record.clone());
        Ok(Created::New)
    }
}
