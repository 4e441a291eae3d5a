//! The autosave path, built for a venue of phones answering at once:
//!
//! - `AttemptFacts`: what checking an autosave needs and never changes (owner, deadline, each
//!   question's kind and option count), read from the store once per attempt and kept in
//!   memory. Whether the attempt is still in progress is *not* cached: the store checks it
//!   inside the write.
//! - `AutosaveWriter`: autosaves through a `group_commit::GroupCommit` (one transaction,
//!   `Store::save_answers`, for every answer waiting), each request answered only after its
//!   transaction committed, so nothing acknowledged is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use question_bank::Kind;

use crate::group_commit::GroupCommit;
use crate::store::attempts::AnswerToSave;
use crate::store::{Store, StoreError};

/// Most answers one transaction carries.
const MAX_BATCH: usize = 256;
/// Attempts whose facts are kept; past this the cache starts over (facts reload on demand).
const MAX_CACHED_ATTEMPTS: usize = 200_000;

/// The unchanging facts of an attempt that an autosave is checked against.
#[derive(Debug)]
pub struct AttemptFacts {
    pub participant_id: i64,
    pub deadline: i64,
    /// `shapes[no - 1]`: the question's kind and how many options it has.
    pub shapes: Vec<(Kind, usize)>,
}

/// Attempt facts by attempt id.
#[derive(Debug, Default)]
pub struct AttemptFactsCache {
    /// A std Mutex: held for a lookup or an insert, never across an await.
    facts: Mutex<HashMap<i64, Arc<AttemptFacts>>>,
}

impl AttemptFactsCache {
    /// Remembers an attempt's facts (e.g. of one just created).
    pub fn insert(&self, attempt_id: i64, facts: AttemptFacts) -> Arc<AttemptFacts> {
        let facts = Arc::new(facts);
        let mut cached = self.facts.lock().expect("the lock is never poisoned");
        if cached.len() >= MAX_CACHED_ATTEMPTS {
            cached.clear();
        }
        cached.insert(attempt_id, facts.clone());
        facts
    }

    /// The attempt's facts, from memory or the store; `None` when there is no such attempt.
    pub async fn get(
        &self,
        store: &Store,
        attempt_id: i64,
    ) -> Result<Option<Arc<AttemptFacts>>, StoreError> {
        if let Some(facts) = self
            .facts
            .lock()
            .expect("the lock is never poisoned")
            .get(&attempt_id)
        {
            return Ok(Some(facts.clone()));
        }
        let Some(attempt) = store.attempt(attempt_id).await? else {
            return Ok(None);
        };
        let facts = AttemptFacts {
            participant_id: attempt.participant_id,
            deadline: attempt.deadline,
            shapes: store.paper_shapes(attempt_id).await?,
        };
        Ok(Some(self.insert(attempt_id, facts)))
    }
}

/// The queue of autosaves waiting for the next group commit.
#[derive(Clone, Debug)]
pub struct AutosaveWriter {
    writes: GroupCommit<AnswerToSave, bool>,
}

impl AutosaveWriter {
    /// Starts the writer task; it ends when every `AutosaveWriter` is dropped.
    pub fn start(store: Store) -> AutosaveWriter {
        let writes = GroupCommit::start(MAX_BATCH, move |answers: Vec<AnswerToSave>| {
            let store = store.clone();
            async move { store.save_answers(&answers).await }
        });
        AutosaveWriter { writes }
    }

    /// Saves one answer with the next group commit; `Ok(false)` when the attempt was
    /// already submitted (nothing written). Returns once the commit is durable.
    pub async fn save(&self, answer: AnswerToSave) -> Result<bool, StoreError> {
        self.writes.write(answer).await
    }
}
