//! Live leaderboards: one in-memory board per competition, loaded from the store when first
//! asked for, updated in place on every started and graded attempt, and published to
//! websocket viewers as frames; and the standings they load from the store (`best_results`,
//! `rank_of`).
//!
//! - A frame is ranked once and serialized once per `top` value; every viewer asking for that
//!   `top` gets the same bytes (`FrameJson` clones share one buffer).
//! - Frames go out through the shared fan-out (`fanout::Fanout`, a `watch` channel):
//!   latest-value semantics, so a slow viewer simply gets the newest frame when it next can,
//!   never a backlog. A publisher task per board sends at most `FRAMES_PER_SECOND` frames a
//!   second, however many submissions arrive.
//! - Several server processes on one PostgreSQL: every change is announced with
//!   `pg_notify('ecoquiz_board', …)`; each process listens (`listen_for_other_processes`) and
//!   reloads the named board from the store. A lost listener connection is re-established and
//!   every board reloaded, since notifications sent meanwhile are gone.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use question_bank::Points;
use serde_json::json;
use tokio::sync::watch;

use crate::clock::Millis;
use crate::fanout::{Fanout, Versioned};
use crate::rules::{self, CompanyResult, CompanyScoreRule, IndividualResult};
use crate::store::{Backend, Store, StoreError};

/// Most frames a board sends per second (docs/API.md: "at most 5 a second"). 5, not 4: at 4 a
/// change landing just after a frame waited the whole 250 ms delay budget (issue 14).
pub const FRAMES_PER_SECOND: u64 = 5;
/// Rows kept in a frame: the largest `top` a viewer may ask for.
pub const MAX_ROWS: usize = 100;
/// The PostgreSQL channel boards are announced on.
const CHANNEL: &str = "ecoquiz_board";

/// A ranked board at one moment, with its serializations cached per `top`.
#[derive(Debug)]
pub struct Frame {
    /// Grows with every change of the board.
    pub seq: u64,
    individuals: Vec<(u32, IndividualResult)>,
    companies: Vec<(u32, CompanyResult)>,
    registered: i64,
    started: i64,
    submitted: i64,
    /// `top` → the frame's JSON for that many rows. A std Mutex: held for a map lookup or
    /// one serialization, never across an await.
    encoded: Mutex<HashMap<usize, FrameJson>>,
}

/// A frame's JSON text: one buffer, shared by every clone (so every viewer of a `top` gets
/// the same bytes without a copy).
#[derive(Clone, Debug)]
pub struct FrameJson(Bytes);

impl FrameJson {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a frame is serialized from a String")
    }

    /// The shared bytes (UTF-8 JSON).
    pub fn bytes(&self) -> Bytes {
        self.0.clone()
    }
}

impl Versioned for Frame {
    fn version(&self) -> u64 {
        self.seq
    }
}

impl Frame {
    /// `{type, seq, individuals, companies, stats}` with `top` rows of each, serialized once
    /// per `top` and shared by every viewer asking for it.
    pub fn json(&self, top: usize) -> FrameJson {
        let mut encoded = self.encoded.lock().expect("the lock is never poisoned");
        encoded
            .entry(top)
            .or_insert_with(|| FrameJson(Bytes::from(self.to_json(top).to_string())))
            .clone()
    }

    fn to_json(&self, top: usize) -> serde_json::Value {
        let individuals: Vec<_> = self
            .individuals
            .iter()
            .take(top)
            .map(|(rank, r)| {
                json!({
                    "rank": rank, "name": r.name, "company": r.company,
                    "score": r.score, "duration_seconds": r.duration_ms / 1000,
                })
            })
            .collect();
        let companies: Vec<_> = self
            .companies
            .iter()
            .take(top)
            .map(|(rank, c)| {
                json!({
                    "rank": rank, "company": c.company,
                    "participants": c.participants, "score": c.score,
                })
            })
            .collect();
        json!({
            "type": "snapshot",
            "seq": self.seq,
            "individuals": individuals,
            "companies": companies,
            "stats": { "registered": self.registered, "started": self.started, "submitted": self.submitted },
        })
    }
}

/// What a board knows. Changed only under its mutex.
#[derive(Debug)]
struct BoardState {
    rule: CompanyScoreRule,
    /// Each participant's best graded attempt.
    best: HashMap<i64, IndividualResult>,
    /// Participants who started at least one attempt.
    started: HashSet<i64>,
    /// Registered participants (all competitions share them).
    registered: i64,
    /// Grows with every change; a frame built at this version has this `seq`.
    version: u64,
    /// Another process changed the board: reload it from the store before the next frame.
    stale: bool,
    /// The frame for `version`, once built.
    latest: Option<Arc<Frame>>,
}

impl BoardState {
    fn changed(&mut self) {
        self.version += 1;
    }

    /// The frame for the current version, built if needed.
    fn frame(&mut self) -> Arc<Frame> {
        if let Some(frame) = self.latest.as_ref().filter(|f| f.seq == self.version) {
            return frame.clone();
        }
        let results: Vec<IndividualResult> = self.best.values().cloned().collect();
        let mut companies = rules::rank_companies(&results, self.rule);
        companies.truncate(MAX_ROWS);
        let mut individuals = rules::rank_individuals(results);
        individuals.truncate(MAX_ROWS);
        let frame = Arc::new(Frame {
            seq: self.version,
            individuals,
            companies,
            registered: self.registered,
            started: self.started.len() as i64,
            submitted: self.best.len() as i64,
            encoded: Mutex::new(HashMap::new()),
        });
        self.latest = Some(frame.clone());
        frame
    }
}

/// One competition's live board.
#[derive(Debug)]
pub struct Board {
    competition_id: i64,
    /// A std Mutex: held only for in-memory updates and ranking, never across an await.
    state: Mutex<BoardState>,
    /// The last published frame and the publisher's wake-up; viewers subscribe here.
    fanout: Fanout<Frame>,
}

impl Board {
    /// How many websocket viewers are connected.
    pub fn viewers(&self) -> usize {
        self.fanout.viewers()
    }

    /// A receiver whose current value is the last published frame.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Frame>> {
        self.fanout.subscribe()
    }

    /// The board as it is now (what `GET …/leaderboard` returns): a submit's reply is sent
    /// after its attempt is in here.
    pub fn frame(&self) -> Arc<Frame> {
        self.state
            .lock()
            .expect("the lock is never poisoned")
            .frame()
    }

    /// A participant's rank among individuals, once they have a graded attempt.
    pub fn rank_of(&self, participant_id: i64) -> Option<u32> {
        let state = self.state.lock().expect("the lock is never poisoned");
        let target = state.best.get(&participant_id)?;
        Some(rules::rank_among(state.best.values(), target))
    }

    /// Every participant's best score, in hundredths (for the monitor's histogram).
    pub fn best_scores(&self) -> Vec<u32> {
        let state = self.state.lock().expect("the lock is never poisoned");
        state.best.values().map(|r| r.score.hundredths()).collect()
    }

    fn update(&self, change: impl FnOnce(&mut BoardState)) {
        let mut state = self.state.lock().expect("the lock is never poisoned");
        change(&mut state);
        state.changed();
        drop(state);
        self.fanout.changed();
    }
}

/// Every live board of this process.
#[derive(Debug)]
pub struct Boards {
    store: Store,
    /// competition → board. A std Mutex: held for a lookup or an insert only.
    boards: Mutex<HashMap<i64, Arc<Board>>>,
    /// This process, so it can ignore its own notifications.
    instance: String,
    /// Set when the server shuts down: publishers and the listener stop.
    stopped: watch::Sender<bool>,
}

/// Loads what a board needs from the store.
async fn load_state(store: &Store, competition_id: i64) -> Result<Option<BoardState>, StoreError> {
    let Some(competition) = store.competition(competition_id).await? else {
        return Ok(None);
    };
    let best = best_results(store, competition_id)
        .await?
        .into_iter()
        .map(|r| (r.participant_id, r))
        .collect();
    Ok(Some(BoardState {
        rule: competition.company_score,
        best,
        started: store
            .started_participants(competition_id)
            .await?
            .into_iter()
            .collect(),
        registered: store.participant_count().await?,
        version: 0,
        stale: false,
        latest: None,
    }))
}

fn individual(
    participant_id: i64,
    name: String,
    company: String,
    credit_code: String,
    score: i64,
    duration_ms: i64,
    submitted_at: Millis,
) -> IndividualResult {
    IndividualResult {
        participant_id,
        name,
        company,
        credit_code,
        score: Points::from_hundredths(u32::try_from(score).unwrap_or(0)),
        duration_ms,
        submitted_at,
    }
}

impl Boards {
    pub fn new(store: Store) -> Boards {
        let instance = crate::auth::random_bytes::<8>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Boards {
            store,
            boards: Mutex::new(HashMap::new()),
            instance,
            stopped: watch::channel(false).0,
        }
    }

    /// Stops every publisher and the listener (the server is shutting down).
    pub fn shut_down(&self) {
        self.stopped.send_replace(true);
    }

    fn loaded(&self, competition_id: i64) -> Option<Arc<Board>> {
        self.boards
            .lock()
            .expect("the lock is never poisoned")
            .get(&competition_id)
            .cloned()
    }

    fn all(&self) -> Vec<Arc<Board>> {
        self.boards
            .lock()
            .expect("the lock is never poisoned")
            .values()
            .cloned()
            .collect()
    }

    /// The competition's board, loaded from the store on first use; `None` when the
    /// competition does not exist.
    pub async fn board(
        self: &Arc<Self>,
        competition_id: i64,
    ) -> Result<Option<Arc<Board>>, StoreError> {
        if let Some(board) = self.loaded(competition_id) {
            return Ok(Some(board));
        }
        let Some(mut state) = load_state(&self.store, competition_id).await? else {
            return Ok(None);
        };
        let first = state.frame();
        let board = Arc::new(Board {
            competition_id,
            state: Mutex::new(state),
            fanout: Fanout::new(first),
        });
        let (board, inserted) = {
            let mut boards = self.boards.lock().expect("the lock is never poisoned");
            match boards.entry(competition_id) {
                std::collections::hash_map::Entry::Occupied(existing) => {
                    (existing.get().clone(), false)
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    (slot.insert(board).clone(), true)
                }
            }
        };
        if inserted {
            // Two first requests may both have loaded the board; only the one kept publishes.
            tokio::spawn(self.clone().publish(board.clone()));
        }
        Ok(Some(board))
    }

    /// The publisher of one board: after each change, at most `FRAMES_PER_SECOND` times a
    /// second, reload it if another process changed it, and publish the new frame.
    async fn publish(self: Arc<Self>, board: Arc<Board>) {
        let stopped = self.stopped.subscribe();
        board
            .fanout
            .publish(FRAMES_PER_SECOND, stopped, || {
                let (boards, board) = (self.clone(), board.clone());
                async move {
                    boards.reload_if_stale(&board).await;
                    board.frame()
                }
            })
            .await;
    }

    /// Reloads the board from the store when another process changed it.
    async fn reload_if_stale(&self, board: &Board) {
        let (stale, version_before) = {
            let state = board.state.lock().expect("the lock is never poisoned");
            (state.stale, state.version)
        };
        if !stale {
            return;
        }
        match load_state(&self.store, board.competition_id).await {
            Ok(Some(fresh)) => {
                let mut state = board.state.lock().expect("the lock is never poisoned");
                // Anything that changed the board while the store was being read (another
                // reload request, or a local update the read may have missed) asks for one
                // more reload, so nothing is lost.
                let changed_meanwhile = state.version != version_before;
                let version = state.version + 1;
                *state = BoardState {
                    version,
                    stale: changed_meanwhile,
                    ..fresh
                };
                drop(state);
                if changed_meanwhile {
                    board.fanout.changed();
                }
            }
            Ok(None) => {}
            Err(e) => {
                // A storage fault is logged once by the store's health.
                if e.fault().is_none() {
                    tracing::warn!(competition = board.competition_id, error = %e, "board reload failed; retrying");
                }
                board.fanout.changed();
            }
        }
    }

    /// A participant started an attempt.
    pub async fn attempt_started(&self, competition_id: i64, participant_id: i64) {
        if let Some(board) = self.loaded(competition_id) {
            board.update(|state| {
                state.started.insert(participant_id);
            });
        }
        self.announce(Some(competition_id)).await;
    }

    /// An attempt was graded: the participant's best result may have changed.
    pub async fn attempt_graded(
        &self,
        competition_id: i64,
        participant_id: i64,
        score: i64,
        duration_ms: i64,
        submitted_at: Millis,
    ) {
        if let Some(board) = self.loaded(competition_id) {
            match self.store.participant(participant_id).await {
                Ok(Some(p)) => {
                    let result = individual(
                        participant_id,
                        p.name,
                        p.company_name,
                        p.credit_code,
                        score,
                        duration_ms,
                        submitted_at,
                    );
                    board.update(|state| {
                        state.started.insert(participant_id);
                        let kept = match state.best.remove(&participant_id) {
                            Some(previous) => rules::better(previous, result),
                            None => result,
                        };
                        state.best.insert(participant_id, kept);
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the graded participant; reloading the board");
                    board.update(|state| state.stale = true);
                }
            }
        }
        self.announce(Some(competition_id)).await;
    }

    /// A participant registered: every board's count grows.
    pub async fn participant_registered(&self) {
        for board in self.all() {
            board.update(|state| state.registered += 1);
        }
        self.announce(None).await;
    }

    /// Another process changed `competition` (or, with `None`, anything): reload.
    pub fn reload(&self, competition_id: Option<i64>) {
        let boards = match competition_id {
            Some(id) => self.loaded(id).into_iter().collect(),
            None => self.all(),
        };
        for board in boards {
            board.update(|state| state.stale = true);
        }
    }

    /// Tells the other processes sharing PostgreSQL. Nothing to do on SQLite (one process).
    async fn announce(&self, competition_id: Option<i64>) {
        if self.store.backend() != Backend::Postgres {
            return;
        }
        let payload =
            json!({ "instance": self.instance, "competition": competition_id }).to_string();
        if let Err(e) = self.store.notify(CHANNEL, &payload).await {
            // Other processes lost their listening connection too when the database failed,
            // and reload every board when they reconnect.
            if e.fault().is_none() {
                tracing::warn!(error = %e, "cannot announce a board change to other processes");
            }
        }
    }

    /// Listens for other processes' changes until `stop`; reconnects after a lost
    /// connection (with backoff) and then reloads every board.
    pub async fn listen_for_other_processes(self: Arc<Self>, url: String) {
        let stop = self.stopped.subscribe();
        Store::listen(&url, CHANNEL, stop, |payload| {
            match payload {
                Some(payload) => self.on_notification(&payload),
                None => self.reload(None),
            }
            std::future::ready(())
        })
        .await;
    }

    fn on_notification(&self, payload: &str) {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(payload) else {
            return;
        };
        if message["instance"].as_str() == Some(self.instance.as_str()) {
            return;
        }
        self.reload(message["competition"].as_i64());
    }
}

// ---------------------------------------------------------------------------------------
// Standings read from the store: what a board loads, and a rank when the board has not
// caught up yet.
// ---------------------------------------------------------------------------------------

/// Most rows a leaderboard returns.
pub const MAX_TOP: usize = 100;
pub const DEFAULT_TOP: usize = 20;

/// Each participant's best graded attempt at the competition.
pub async fn best_results(
    store: &Store,
    competition_id: i64,
) -> Result<Vec<IndividualResult>, StoreError> {
    let mut best: HashMap<i64, IndividualResult> = HashMap::new();
    for graded in store.graded_attempts(competition_id).await? {
        let result = IndividualResult {
            participant_id: graded.participant_id,
            name: graded.name,
            company: graded.company_name,
            credit_code: graded.credit_code,
            score: Points::from_hundredths(u32::try_from(graded.score).unwrap_or(0)),
            duration_ms: graded.duration_ms,
            submitted_at: graded.submitted_at,
        };
        let kept = match best.remove(&result.participant_id) {
            Some(previous) => rules::better(previous, result),
            None => result,
        };
        best.insert(kept.participant_id, kept);
    }
    Ok(best.into_values().collect())
}

/// A participant's rank among individuals, once they have a graded attempt.
pub async fn rank_of(
    store: &Store,
    competition_id: i64,
    participant_id: i64,
) -> Result<Option<u32>, StoreError> {
    let ranked = rules::rank_individuals(best_results(store, competition_id).await?);
    Ok(ranked
        .into_iter()
        .find(|(_, r)| r.participant_id == participant_id)
        .map(|(rank, _)| rank))
}
