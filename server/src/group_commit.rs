//! Group commit: writes of one kind queue to one task that stores everything waiting in one
//! transaction, then answers each writer. Under load one commit (one fsync) carries many
//! writes; alone, a write is stored at once. A writer is answered only after the transaction
//! committed, so nothing acknowledged is lost. Autosaves (`autosave`) and paper starts
//! (`exam`) go through one each.

use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

struct Pending<I, O> {
    item: I,
    done: oneshot::Sender<Result<O, StoreError>>,
}

/// The queue of one kind of write.
pub struct GroupCommit<I, O> {
    queue: mpsc::UnboundedSender<Pending<I, O>>,
}

impl<I, O> Clone for GroupCommit<I, O> {
    fn clone(&self) -> Self {
        GroupCommit {
            queue: self.queue.clone(),
        }
    }
}

impl<I, O> std::fmt::Debug for GroupCommit<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<I: Send + 'static, O: Send + 'static> GroupCommit<I, O> {
    /// Starts the writer task: `store_batch` stores up to `max_batch` items in one
    /// transaction and returns one outcome per item, in order. The task ends when every
    /// `GroupCommit` is dropped.
    pub fn start<F, Fut>(max_batch: usize, mut store_batch: F) -> GroupCommit<I, O>
    where
        F: FnMut(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<O>, StoreError>> + Send,
    {
        let (queue, mut waiting) = mpsc::unbounded_channel::<Pending<I, O>>();
        tokio::spawn(async move {
            let mut batch: Vec<Pending<I, O>> = Vec::with_capacity(max_batch);
            while waiting.recv_many(&mut batch, max_batch).await > 0 {
                let (items, writers): (Vec<I>, Vec<_>) =
                    batch.drain(..).map(|p| (p.item, p.done)).unzip();
                match store_batch(items).await {
                    Ok(outcomes) => {
                        for (done, outcome) in writers.into_iter().zip(outcomes) {
                            let _ = done.send(Ok(outcome));
                        }
                    }
                    Err(e) => {
                        for done in writers {
                            let _ = done.send(Err(e.for_each_waiter()));
                        }
                    }
                }
            }
        });
        GroupCommit { queue }
    }

    /// Stores `item` with the next group commit; returns once the commit is durable.
    pub async fn write(&self, item: I) -> Result<O, StoreError> {
        let stopped = || StoreError::WriteFailed("the group-commit writer has stopped".to_owned());
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Pending { item, done })
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}
