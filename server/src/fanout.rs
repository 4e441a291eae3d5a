//! Latest-value fan-out, shared by the live boards and the live finals: a frame is built and
//! serialized once, every viewer gets the same bytes, and a slow viewer gets the newest frame
//! when it next can — never a backlog (a `watch` channel holds one value). A publisher sends
//! at most a set number of frames a second, however many changes arrive.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// A frame that knows which version of its source it shows: only a newer one is published.
pub trait Versioned {
    fn version(&self) -> u64;
}

/// One source's viewers: the last published frame, and the wake-up for its publisher.
#[derive(Debug)]
pub struct Fanout<F> {
    frames: watch::Sender<Arc<F>>,
    /// Wakes the publisher after a change (a stored permit coalesces many changes).
    changed: Notify,
}

impl<F: Versioned + Send + Sync + 'static> Fanout<F> {
    pub fn new(first: Arc<F>) -> Fanout<F> {
        Fanout {
            frames: watch::channel(first).0,
            changed: Notify::new(),
        }
    }

    /// A receiver whose current value is the last published frame.
    pub fn subscribe(&self) -> watch::Receiver<Arc<F>> {
        self.frames.subscribe()
    }

    /// How many viewers are subscribed.
    pub fn viewers(&self) -> usize {
        self.frames.receiver_count()
    }

    /// The source changed: the publisher builds a new frame soon.
    pub fn changed(&self) {
        self.changed.notify_one();
    }

    /// Publishes `frame` at once when it is newer than the last (a source's first frame).
    pub fn publish_now(&self, frame: Arc<F>) {
        if frame.version() > self.frames.borrow().version() {
            self.frames.send_replace(frame);
        }
    }

    /// Until `stopped`: after each change, builds a frame with `build` and publishes it when it
    /// is newer than the last, then waits out the rest of `1 / per_second`.
    pub async fn publish<B, Built>(
        &self,
        per_second: u64,
        mut stopped: watch::Receiver<bool>,
        mut build: B,
    ) where
        B: FnMut() -> Built,
        Built: Future<Output = Arc<F>>,
    {
        let pause = Duration::from_millis(1000 / per_second.max(1));
        loop {
            tokio::select! {
                () = self.changed.notified() => {}
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
            self.publish_now(build().await);
            tokio::time::sleep(pause).await;
        }
    }
}
