//! A final in this process: loaded from the store on first use (`Finals::live_final`), its
//! frames built and published through the shared fan-out, its countdown closed by a task on
//! the server's clock, the audience counts kept fresh, the other servers on PostgreSQL heard
//! (`Finals::listen_for_other_processes`: their changes, and their seats' connections for
//! `presence`), and the audience's answers stored in batches.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::presence::{PRESENCE_EVERY, Presence};
use super::show::{Phase, Show};
use super::view::{self, Surroundings};
use super::{
    AUDIENCE_BATCH, AudienceReply, CHANNEL, COUNTS_REFRESH, FRAMES_PER_SECOND, FinalError, Finals,
    parse_show,
};
use crate::clock::rfc3339;
use crate::fanout::{Fanout, Versioned};
use crate::store::finals::AudienceAnswer;
use crate::store::{Backend, Store, StoreError};

/// A frame of one final: the public and the host's JSON, each serialized once.
#[derive(Debug)]
pub struct FinalFrame {
    version: u64,
    pub public: Bytes,
    pub host: Bytes,
}

impl Versioned for FinalFrame {
    fn version(&self) -> u64 {
        self.version
    }
}

/// One final in this process.
#[derive(Debug)]
pub struct LiveFinal {
    pub id: i64,
    pub title: String,
    pub code: String,
    /// The show as stored. An async Mutex: held across the store write of a change, so the
    /// changes of this process are applied one at a time, in order.
    pub(super) show: tokio::sync::Mutex<Show>,
    /// A copy of the last stored show for readers that must not wait on a change.
    pub(super) latest: Mutex<Arc<Show>>,
    /// Seat index → the generation of the device that holds it; a socket whose generation is
    /// older is told `replaced` and closed.
    pub(super) generations: watch::Sender<Vec<i64>>,
    /// Which seats' phones are connected, here and in the other processes.
    pub(super) presence: Presence,
    pub(super) fanout: Fanout<FinalFrame>,
    pub(super) frame_version: AtomicU64,
    /// The last frame's content without its `server_time`, to publish only real changes.
    pub(super) last_content: Mutex<(Value, Value)>,
    /// Wakes the countdown task after a change.
    pub(super) show_changed: tokio::sync::Notify,
}

impl LiveFinal {
    pub(super) fn snapshot(&self) -> Arc<Show> {
        self.latest
            .lock()
            .expect("the lock is never poisoned")
            .clone()
    }

    pub fn subscribe(&self) -> (Arc<FinalFrame>, watch::Receiver<Arc<FinalFrame>>) {
        let frames = self.fanout.subscribe();
        let current = frames.borrow().clone();
        (current, frames)
    }

    /// Resolves when `seat`'s device of `generation` has been replaced by another.
    pub async fn replaced(&self, seat: u32, generation: i64) {
        let index = seat as usize - 1;
        let mut generations = self.generations.subscribe();
        let replaced = generations
            .wait_for(|g| g.get(index).is_some_and(|&current| current > generation))
            .await
            .map(|_| ());
        if replaced.is_err() {
            // The final was unloaded: nobody replaces anyone any more.
            std::future::pending::<()>().await;
        }
    }

    /// Counts a seat's socket as connected until the returned guard is dropped.
    pub fn connect(self: &Arc<Self>, seat: u32) -> Connected {
        let index = seat as usize - 1;
        self.presence.count(index, true);
        self.fanout.changed();
        Connected {
            live: self.clone(),
            index,
        }
    }

    pub(super) fn viewers(&self) -> usize {
        self.fanout.viewers()
    }
}

/// A seat's socket, counted while it lives.
#[derive(Debug)]
pub struct Connected {
    live: Arc<LiveFinal>,
    index: usize,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.live.presence.count(self.index, false);
        self.live.fanout.changed();
    }
}

impl Finals {
    pub(super) fn loaded(&self, id: i64) -> Option<Arc<LiveFinal>> {
        self.live
            .lock()
            .expect("the lock is never poisoned")
            .get(&id)
            .cloned()
    }

    /// The final, loaded from the store on first use (and its tasks started).
    pub async fn live_final(self: &Arc<Self>, id: i64) -> Result<Arc<LiveFinal>, FinalError> {
        if let Some(live) = self.loaded(id) {
            return Ok(live);
        }
        let _loading = self.loading.lock().await;
        if let Some(live) = self.loaded(id) {
            return Ok(live);
        }
        let stored = self
            .store
            .final_by_id(id)
            .await?
            .ok_or(FinalError::NotFound)?;
        let show = parse_show(&stored)?;
        let seats = self.store.final_seats(id).await?;
        let seat_count = show.plan.seats.len();
        let mut generations = vec![0; seat_count];
        for seat in &seats {
            if let Some(index) = usize::try_from(seat.seat - 1)
                .ok()
                .filter(|&i| i < seat_count)
            {
                generations[index] = seat.generation;
            }
        }
        let empty = Arc::new(FinalFrame {
            version: 0,
            public: Bytes::new(),
            host: Bytes::new(),
        });
        let live = Arc::new(LiveFinal {
            id,
            title: stored.title.clone(),
            code: stored.code.clone(),
            latest: Mutex::new(Arc::new(show.clone())),
            show: tokio::sync::Mutex::new(show),
            generations: watch::channel(generations).0,
            presence: Presence::new(seat_count),
            fanout: Fanout::new(empty),
            frame_version: AtomicU64::new(0),
            last_content: Mutex::new((Value::Null, Value::Null)),
            show_changed: tokio::sync::Notify::new(),
        });
        // The first frame before anyone subscribes: a viewer never sees an empty one.
        live.fanout.publish_now(self.build_frame(&live).await?);
        self.live
            .lock()
            .expect("the lock is never poisoned")
            .insert(id, live.clone());
        tokio::spawn(self.clone().publish(live.clone()));
        tokio::spawn(self.clone().run_countdown(live.clone()));
        if self.store.backend() == Backend::Postgres {
            tokio::spawn(self.clone().refresh_counts(live.clone()));
            tokio::spawn(self.clone().share_presence(live.clone()));
        }
        Ok(live)
    }

    /// What the frames need besides the show.
    pub(super) async fn surroundings(
        &self,
        live: &LiveFinal,
        show: &Show,
    ) -> Result<Surroundings, StoreError> {
        let question = show
            .at
            .map(|at| (at.round as i64 + 1, at.question as i64 + 1));
        let counts = self.store.audience_counts(live.id, question).await?;
        let audience_choices = match (show.phase, question) {
            (Phase::Revealed | Phase::Scoreboard, Some((round, q))) => self
                .store
                .audience_choices(live.id, round, q)
                .await?
                .into_iter()
                .map(|(bits, count)| (u8::try_from(bits).unwrap_or(0), count))
                .collect(),
            _ => Vec::new(),
        };
        let audience_top = if show.has_revealed() {
            self.store.audience_top(live.id, 10).await?
        } else {
            Vec::new()
        };
        let connected = live.presence.connected();
        Ok(Surroundings {
            final_id: live.id,
            title: live.title.clone(),
            code: live.code.clone(),
            connected,
            audience_joined: counts.joined,
            audience_answered: counts.answered,
            audience_choices,
            audience_top,
        })
    }

    /// Closes a countdown that ran out before the timer task did (reads see the truth).
    pub(super) async fn expire_if_due(
        self: &Arc<Self>,
        live: &Arc<LiveFinal>,
    ) -> Result<(), FinalError> {
        let due = live
            .snapshot()
            .deadline
            .is_some_and(|deadline| self.clock.now() >= deadline);
        if due {
            self.change(live, None, |_, _| Ok(())).await?;
        }
        Ok(())
    }

    /// The host's state now (with a fresh `server_time`).
    pub(super) async fn host_state(
        self: &Arc<Self>,
        live: &Arc<LiveFinal>,
    ) -> Result<Value, FinalError> {
        self.expire_if_due(live).await?;
        let show = live.snapshot();
        let around = self.surroundings(live, &show).await?;
        Ok(view::host_state(&show, &around, self.clock.now()))
    }

    /// The public state now (`GET /api/finals/{id}/state`).
    pub async fn public_state(self: &Arc<Self>, id: i64) -> Result<Value, FinalError> {
        let live = self.live_final(id).await?;
        self.expire_if_due(&live).await?;
        let show = live.snapshot();
        let around = self.surroundings(&live, &show).await?;
        Ok(view::public_state(&show, &around, self.clock.now()))
    }

    /// A frame built now, for a viewer's first message (its `server_time` is fresh).
    pub async fn fresh_frame(
        self: &Arc<Self>,
        live: &Arc<LiveFinal>,
    ) -> Result<Arc<FinalFrame>, FinalError> {
        self.expire_if_due(live).await?;
        Ok(self.build_frame(live).await?)
    }

    /// A frame of the show as it stands, with a new version only when its content changed.
    pub(super) async fn build_frame(
        &self,
        live: &LiveFinal,
    ) -> Result<Arc<FinalFrame>, StoreError> {
        let show = live.snapshot();
        let around = self.surroundings(live, &show).await?;
        let now = self.clock.now();
        let mut public = view::public_state(&show, &around, now);
        let mut host = view::host_state(&show, &around, now);
        // Compared without the clock, which changes at every build.
        public["server_time"] = Value::Null;
        host["server_time"] = Value::Null;
        let unchanged = {
            let mut last = live
                .last_content
                .lock()
                .expect("the lock is never poisoned");
            let unchanged = last.0 == public && last.1 == host;
            *last = (public.clone(), host.clone());
            unchanged
        };
        let version = if unchanged {
            live.frame_version.load(Ordering::SeqCst)
        } else {
            live.frame_version.fetch_add(1, Ordering::SeqCst) + 1
        };
        public["server_time"] = json!(rfc3339(now));
        host["server_time"] = json!(rfc3339(now));
        Ok(Arc::new(FinalFrame {
            version,
            public: Bytes::from(public.to_string()),
            host: Bytes::from(host.to_string()),
        }))
    }

    pub(super) async fn publish(self: Arc<Self>, live: Arc<LiveFinal>) {
        let stopped = self.stopped.subscribe();
        live.fanout
            .publish(FRAMES_PER_SECOND, stopped, || {
                let (finals, live) = (self.clone(), live.clone());
                async move {
                    loop {
                        match finals.build_frame(&live).await {
                            Ok(frame) => return frame,
                            Err(e) => {
                                if e.fault().is_none() {
                                    tracing::warn!(final_id = live.id, error = %e, "final frame failed; retrying");
                                }
                                tokio::time::sleep(Duration::from_millis(500)).await;
                            }
                        }
                    }
                }
            })
            .await;
    }

    /// Closes the current question when its countdown runs out, by the server's clock.
    pub(super) async fn run_countdown(self: Arc<Self>, live: Arc<LiveFinal>) {
        let mut stopped = self.stopped.subscribe();
        loop {
            let deadline = live.snapshot().deadline;
            let wait =
                deadline.map(|d| Duration::from_millis((d - self.clock.now()).max(0) as u64));
            let due = tokio::select! {
                () = live.show_changed.notified() => false,
                () = sleep_or_forever(wait) => true,
                _ = stopped.wait_for(|stopped| *stopped) => return,
            };
            if due {
                match self.change(&live, None, |_, _| Ok(())).await {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(final_id = live.id, error = %e, "closing a countdown failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        }
    }

    /// On PostgreSQL, while a question is open, re-reads the audience counts (other servers'
    /// audience answers are not announced one by one).
    pub(super) async fn refresh_counts(self: Arc<Self>, live: Arc<LiveFinal>) {
        let mut stopped = self.stopped.subscribe();
        loop {
            tokio::select! {
                () = tokio::time::sleep(COUNTS_REFRESH) => {}
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
            let open = matches!(live.snapshot().phase, Phase::Open | Phase::Answering);
            if open && live.viewers() > 0 {
                live.fanout.changed();
            }
        }
    }

    /// On PostgreSQL, for one loaded final until the server stops: tells the other processes
    /// which seats are connected here when that changes, and again every `PRESENCE_EVERY`
    /// while one is; forgets the processes that went silent.
    pub(super) async fn share_presence(self: Arc<Self>, live: Arc<LiveFinal>) {
        let mut stopped = self.stopped.subscribe();
        let mut repeat = tokio::time::interval(PRESENCE_EVERY);
        let mut told = vec![false; live.presence.here().len()];
        loop {
            let repeating = tokio::select! {
                () = live.presence.changed_here.notified() => false,
                _ = repeat.tick() => true,
                _ = stopped.wait_for(|stopped| *stopped) => return,
            };
            let here = live.presence.here();
            if here != told || (repeating && here.contains(&true)) {
                let payload =
                    json!({ "instance": self.instance, "final": live.id, "connected": here })
                        .to_string();
                match self.store.notify(CHANNEL, &payload).await {
                    Ok(()) => told = here,
                    Err(e) => {
                        if e.fault().is_none() {
                            tracing::warn!(final_id = live.id, error = %e, "cannot tell the other processes which seats are connected");
                        }
                    }
                }
            }
            if repeating && live.presence.forget_silent() {
                live.fanout.changed();
            }
        }
    }

    /// Another process said which of final `id`'s seats are connected to it.
    pub(super) fn heard_presence(&self, id: i64, instance: &str, connected: Vec<bool>) {
        if let Some(live) = self.loaded(id)
            && live.presence.heard(instance, connected)
        {
            live.fanout.changed();
        }
    }

    /// Tells the other processes sharing PostgreSQL that a final changed.
    pub(super) async fn announce(&self, id: i64) {
        if self.store.backend() != Backend::Postgres {
            return;
        }
        let payload = json!({ "instance": self.instance, "final": id }).to_string();
        if let Err(e) = self.store.notify(CHANNEL, &payload).await
            && e.fault().is_none()
        {
            tracing::warn!(error = %e, "cannot announce a final's change to other processes");
        }
    }

    /// Another process changed a final (or, with `None`, anything may have changed): reload.
    pub(super) async fn reload(&self, id: Option<i64>) {
        let finals: Vec<Arc<LiveFinal>> = match id {
            Some(id) => self.loaded(id).into_iter().collect(),
            None => self
                .live
                .lock()
                .expect("the lock is never poisoned")
                .values()
                .cloned()
                .collect(),
        };
        for live in finals {
            let Ok(stored) = self.stored_show(live.id).await else {
                continue;
            };
            let mut show = live.show.lock().await;
            if stored.revision > show.revision {
                *show = stored;
                self.published(&live, &show).await;
            }
            drop(show);
            if let Ok(seats) = self.store.final_seats(live.id).await {
                live.generations.send_modify(|g| {
                    for seat in &seats {
                        if let Some(current) = g.get_mut(seat.seat as usize - 1) {
                            *current = (*current).max(seat.generation);
                        }
                    }
                });
            }
        }
    }

    /// Listens for other processes' changes until stopped; after a lost connection, reloads
    /// every final (notifications sent meanwhile are gone).
    pub async fn listen_for_other_processes(self: Arc<Self>, url: String) {
        let stop = self.stopped.subscribe();
        Store::listen(&url, CHANNEL, stop, |payload| {
            let finals = self.clone();
            async move {
                let Some(payload) = payload else {
                    return finals.reload(None).await;
                };
                let Ok(message) = serde_json::from_str::<Value>(&payload) else {
                    return;
                };
                let (Some(instance), final_id) =
                    (message["instance"].as_str(), message["final"].as_i64())
                else {
                    return;
                };
                if instance == finals.instance {
                    return;
                }
                match (final_id, message["connected"].as_array()) {
                    (Some(id), Some(connected)) => finals.heard_presence(
                        id,
                        instance,
                        connected
                            .iter()
                            .map(|c| c.as_bool() == Some(true))
                            .collect(),
                    ),
                    _ => finals.reload(final_id).await,
                }
            }
        })
        .await;
    }
}

async fn sleep_or_forever(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}

/// Stores queued audience answers, a batch per transaction, and acknowledges each after its
/// batch committed.
pub(super) async fn store_audience_answers(
    store: Store,
    mut queue: mpsc::Receiver<(AudienceAnswer, AudienceReply)>,
) {
    let mut batch = Vec::with_capacity(AUDIENCE_BATCH);
    while queue.recv_many(&mut batch, AUDIENCE_BATCH).await > 0 {
        let (answers, replies): (Vec<AudienceAnswer>, Vec<AudienceReply>) =
            std::mem::take(&mut batch).into_iter().unzip();
        match store.save_audience_answers(&answers).await {
            Ok(fresh) => {
                for (reply, fresh) in replies.into_iter().zip(fresh) {
                    let _ = reply.send(Ok(fresh));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.for_each_waiter()));
                }
            }
        }
    }
}
