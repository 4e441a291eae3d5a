//! The live final (现场决赛) as a service beside the exam and the board (docs/FINAL.md):
//!
//! - [`show`]: the rules, a pure state machine; [`view`]: the state JSON built from it;
//!   [`setup`]: the organizer's input checked and turned into a plan; `running`: a final in
//!   this process (loading, frames, the countdown task, the other servers, the audience
//!   writer); `presence`: which seats' phones are connected, here and on the other servers.
//! - [`Finals`] (here): creating finals, joining them, and every change — a host's action, a
//!   seat's answer, buzz or stake — applied to a copy of the show, **stored** (its revision
//!   compared, so of two servers on one PostgreSQL only one applies a change: one buzz wins, in
//!   the database), and only then published. A countdown closes by a timer task per final;
//!   after a restart the final is loaded from the store with its absolute deadline.
//! - Frames go out through the board's fan-out (`fanout::Fanout`): serialized once per change
//!   (public and host), at most `FRAMES_PER_SECOND` a second, latest value per viewer.
//! - Audience answers are many and apart from the show: queued and stored in batches, one
//!   transaction per batch, each acknowledged after its batch commits.

mod presence;
mod running;
pub mod setup;
pub mod show;
pub mod view;

pub use running::{Connected, FinalFrame, LiveFinal};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};

use self::setup::{CheckedFinal, FinalInput, Problems, SeatSource};
use self::show::{Action, Phase, Position, Score, ScoringStep, Seat, Show, ShowError};
use crate::auth::{JwtKeys, Role};
use crate::clock::{Clock, Millis, rfc3339};
use crate::rules;
use crate::store::finals::{
    AudienceAnswer, AudienceScoring, NewFinal, ShowChange, StoredFinal, StoredSeat,
};
use crate::store::{Store, StoreError};

/// Most frames a final sends per second (docs/FINAL.md: "at most 10 a second").
pub const FRAMES_PER_SECOND: u64 = 10;
/// The PostgreSQL channel finals are announced on.
const CHANNEL: &str = "ecoquiz_final";
/// Longest nickname of an audience member.
pub const MAX_NICKNAME_CHARS: usize = 20;
/// Audience answers stored in one transaction at most.
const AUDIENCE_BATCH: usize = 1_000;
/// How often, while a question is open on PostgreSQL, the audience counts are re-read (other
/// servers' audience answers are not announced one by one).
const COUNTS_REFRESH: Duration = Duration::from_millis(500);
/// Tries of a change when another server keeps moving the show first.
const CHANGE_ATTEMPTS: usize = 8;
/// Characters of seat join codes: no 0/O, 1/I/L look-alikes.
const JOIN_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const JOIN_CODE_LENGTH: usize = 8;

/// Why the final service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum FinalError {
    #[error("决赛不存在")]
    NotFound,
    #[error("加入码不存在,请核对后重新输入")]
    UnknownCode,
    #[error("{}", .0.values().cloned().collect::<Vec<_>>().join(";"))]
    Invalid(Problems),
    /// The show's rules refused; `state` is the host's current state (for a stale `seq`).
    #[error("{error}")]
    Refused {
        error: ShowError,
        state: Option<Value>,
    },
    #[error("已在另一台设备上加入,本设备已退出")]
    Replaced,
    #[error("决赛正忙,请稍后重试")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<ShowError> for FinalError {
    fn from(error: ShowError) -> FinalError {
        FinalError::Refused { error, state: None }
    }
}

/// Who a seat's or an audience member's token speaks for, once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Player {
    Seat { final_id: i64, seat: u32 },
    Audience { final_id: i64, audience_id: i64 },
}

impl Player {
    pub fn final_id(self) -> i64 {
        match self {
            Player::Seat { final_id, .. } | Player::Audience { final_id, .. } => final_id,
        }
    }
}

type AudienceReply = oneshot::Sender<Result<bool, StoreError>>;

/// Every final of this process and what they share.
#[derive(Debug)]
pub struct Finals {
    store: Store,
    clock: Clock,
    keys: Arc<JwtKeys>,
    live: Mutex<HashMap<i64, Arc<LiveFinal>>>,
    /// Loading a final happens once even when many phones ask at the same moment.
    loading: tokio::sync::Mutex<()>,
    audience_answers: mpsc::Sender<(AudienceAnswer, AudienceReply)>,
    /// This process, so it can ignore its own notifications.
    instance: String,
    stopped: watch::Sender<bool>,
}

/// The organizer's view of a final: the plan with join codes and keys, and the host's state.
#[derive(Debug)]
pub struct HostView(pub Value);

impl Finals {
    pub fn new(store: Store, clock: Clock, keys: Arc<JwtKeys>) -> Arc<Finals> {
        let (sender, receiver) = mpsc::channel(16 * AUDIENCE_BATCH);
        let finals = Arc::new(Finals {
            store: store.clone(),
            clock,
            keys,
            live: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            audience_answers: sender,
            instance: hex(&crate::auth::random_bytes::<8>()),
            stopped: watch::channel(false).0,
        });
        tokio::spawn(running::store_audience_answers(store, receiver));
        finals
    }

    /// Stops every final's tasks (the server is shutting down).
    pub fn shut_down(&self) {
        self.stopped.send_replace(true);
    }

    /// Loads every final that is not finished, so its countdown runs after a restart.
    pub async fn resume_all(self: &Arc<Self>) -> Result<(), FinalError> {
        for stored in self.store.finals().await? {
            let finished = serde_json::from_str::<Show>(&stored.show)
                .map(|show| show.phase == Phase::Finished)
                .unwrap_or(true);
            if !finished {
                self.live_final(stored.id).await?;
            }
        }
        Ok(())
    }

    // -------------------------------------------------------------------------------------
    // Creating and reading finals (organizers)
    // -------------------------------------------------------------------------------------

    /// Creates a final from the organizer's input.
    pub async fn create(
        self: &Arc<Self>,
        input: FinalInput,
        organizer_id: i64,
    ) -> Result<HostView, FinalError> {
        let checked = setup::check(input).map_err(FinalError::Invalid)?;
        let seats = self.seats_of(&checked).await?;
        let bank = self.store.load_bank().await?;
        let questions = setup::take_questions(&checked.rounds, &bank, random_below)
            .map_err(FinalError::Invalid)?;
        let show = Show::new(setup::plan(&checked, seats, questions));
        let document = serde_json::to_string(&show).expect("a show serializes");
        for _ in 0..CHANGE_ATTEMPTS {
            let code = format!("{:06}", random_below(1_000_000));
            let join_codes: Vec<(i64, String)> = (1..=show.plan.seats.len() as i64)
                .map(|seat| (seat, join_code()))
                .collect();
            let new = NewFinal {
                title: &checked.title,
                code: &code,
                created_by: organizer_id,
                show: &document,
                revision: show.revision as i64,
                join_codes: &join_codes,
            };
            if let Some(id) = self.store.create_final(&new, self.clock.now()).await? {
                return self.host_view(id).await;
            }
        }
        Err(FinalError::Internal(
            "could not draw free join codes".into(),
        ))
    }

    async fn seats_of(&self, checked: &CheckedFinal) -> Result<Vec<Seat>, FinalError> {
        let (competition_id, by_companies, top) = match &checked.seats {
            SeatSource::Typed(seats) => return Ok(seats.clone()),
            SeatSource::Seeded {
                competition_id,
                by_companies,
                top,
            } => (*competition_id, *by_companies, *top),
        };
        let invalid = |message: String| {
            FinalError::Invalid(Problems::from([(
                "seed.competition_id".to_owned(),
                message,
            )]))
        };
        let Some(competition) = self.store.competition(competition_id).await? else {
            return Err(invalid(format!("竞赛 {competition_id} 不存在")));
        };
        let results = crate::board::best_results(&self.store, competition_id).await?;
        let seats: Vec<Seat> = if by_companies {
            rules::rank_companies(&results, competition.company_score)
                .into_iter()
                .take(top)
                .map(|(_, c)| Seat {
                    name: c.company,
                    company: None,
                })
                .collect()
        } else {
            rules::rank_individuals(results)
                .into_iter()
                .take(top)
                .map(|(_, r)| Seat {
                    name: r.name,
                    company: Some(r.company),
                })
                .collect()
        };
        if seats.len() < setup::MIN_SEATS {
            return Err(invalid(format!(
                "竞赛「{}」只有 {} 个{}有成绩,不够组成决赛(至少 {} 个席位)",
                competition.title,
                seats.len(),
                if by_companies { "企业" } else { "人" },
                setup::MIN_SEATS
            )));
        }
        Ok(seats)
    }

    /// Every final, the newest first: `{items: [{id, title, code, phase, seats, created_at}]}`.
    pub async fn list(&self) -> Result<Value, FinalError> {
        let items: Vec<Value> = self
            .store
            .finals()
            .await?
            .into_iter()
            .map(|f| {
                let show: Option<Show> = serde_json::from_str(&f.show).ok();
                json!({
                    "id": f.id,
                    "title": f.title,
                    "code": f.code,
                    "phase": show.as_ref().map(|s| s.phase.as_str()),
                    "seats": show.as_ref().map_or(0, |s| s.plan.seats.len()),
                    "created_at": rfc3339(f.created_at),
                })
            })
            .collect();
        Ok(json!({ "items": items }))
    }

    /// The organizer's view: the plan with join codes and answer keys, and the host's state.
    pub async fn host_view(self: &Arc<Self>, id: i64) -> Result<HostView, FinalError> {
        let live = self.live_final(id).await?;
        let stored = self
            .store
            .final_by_id(id)
            .await?
            .ok_or(FinalError::NotFound)?;
        let seats = self.store.final_seats(id).await?;
        let show = live.snapshot();
        let seat_list: Vec<Value> = show
            .plan
            .seats
            .iter()
            .enumerate()
            .map(|(i, seat)| {
                let mut entry = view::seat_entry(i, seat);
                entry["join_code"] = json!(
                    seats
                        .iter()
                        .find(|s| s.seat == i as i64 + 1)
                        .map(|s| s.join_code.clone())
                );
                entry
            })
            .collect();
        let rounds: Vec<Value> = show
            .plan
            .rounds
            .iter()
            .enumerate()
            .map(|(r, round)| {
                let questions: Vec<Value> = round
                    .questions
                    .iter()
                    .enumerate()
                    .map(|(q, question)| {
                        json!({
                            "no": q + 1,
                            "id": question.question_id,
                            "version": question.version,
                            "kind": question.kind.as_str(),
                            "stem": question.stem,
                            "options": view::options_json(question),
                            "answer": question.answer().keys(question.kind),
                            "explanation": question.explanation,
                        })
                    })
                    .collect();
                json!({
                    "no": r + 1,
                    "kind": round.kind,
                    "title": round.title,
                    "seconds": round.seconds,
                    "points": round.points,
                    "penalty": round.penalty,
                    "answer_seconds": round.answer_seconds,
                    "stakes": round.stakes,
                    "questions": questions,
                })
            })
            .collect();
        let state = self.host_state(&live).await?;
        Ok(HostView(json!({
            "id": id,
            "title": stored.title,
            "code": stored.code,
            "created_at": rfc3339(stored.created_at),
            "seats": seat_list,
            "rounds": rounds,
            "state": state,
        })))
    }

    /// Every host action of a final: `{items: [{at, organizer, action, effect}]}`.
    pub async fn log(self: &Arc<Self>, id: i64) -> Result<Value, FinalError> {
        self.store
            .final_by_id(id)
            .await?
            .ok_or(FinalError::NotFound)?;
        let items: Vec<Value> = self
            .store
            .final_log(id)
            .await?
            .into_iter()
            .map(|line| {
                json!({
                    "at": rfc3339(line.at),
                    "organizer": line.organizer,
                    "action": line.action,
                    "effect": serde_json::from_str::<Value>(&line.effect).unwrap_or(Value::Null),
                })
            })
            .collect();
        Ok(json!({ "items": items }))
    }

    // -------------------------------------------------------------------------------------
    // The show in motion
    // -------------------------------------------------------------------------------------

    /// The host's action on the state numbered `seq`: the host's state after it.
    pub async fn act(
        self: &Arc<Self>,
        id: i64,
        organizer_id: i64,
        action: Action,
        seq: u64,
    ) -> Result<Value, FinalError> {
        let live = self.live_final(id).await?;
        let name = action.name();
        let outcome = self
            .change(&live, Some((organizer_id, name)), |show, now| {
                if show.seq != seq {
                    return Err(ShowError::StaleSeq);
                }
                show.act(&action, now)
            })
            .await;
        match outcome {
            Ok(()) => self.host_state(&live).await,
            Err(FinalError::Refused { error, .. }) => Err(FinalError::Refused {
                error,
                state: Some(self.host_state(&live).await?),
            }),
            Err(other) => Err(other),
        }
    }

    /// A seat's or an audience member's answer to the current question.
    pub async fn answer(
        self: &Arc<Self>,
        player: Player,
        seq: u64,
        choice: Vec<String>,
    ) -> Result<(), FinalError> {
        let live = self.live_final(player.final_id()).await?;
        match player {
            Player::Seat { seat, .. } => {
                self.change(&live, None, |show, now| {
                    show.answer(seat, seq, &choice, now)
                })
                .await
            }
            Player::Audience { audience_id, .. } => {
                let now = self.clock.now();
                let show = live.snapshot();
                let at = show.audience_may_answer(seq, now)?;
                let round = &show.plan.rounds[at.round];
                let question = &round.questions[at.question];
                let chosen = show::parse_choice(question, &choice)?;
                let correct = chosen == question.answer();
                let opened = show.play.opened_at.unwrap_or(now);
                let answer = AudienceAnswer {
                    audience_id,
                    final_id: live.id,
                    round_no: at.round as i64 + 1,
                    question_no: at.question as i64 + 1,
                    choice: i64::from(chosen.bits()),
                    answered_at: now,
                    points: show::audience_points(round, correct, opened, now),
                };
                let (reply, stored) = oneshot::channel();
                self.audience_answers
                    .send((answer, reply))
                    .await
                    .map_err(|_| FinalError::Internal("the audience writer stopped".into()))?;
                let fresh = stored
                    .await
                    .map_err(|_| FinalError::Internal("the audience writer stopped".into()))??;
                if !fresh {
                    return Err(ShowError::AlreadyAnswered.into());
                }
                live.fanout.changed();
                Ok(())
            }
        }
    }

    /// A seat's buzz: `{won, order}`.
    pub async fn buzz(self: &Arc<Self>, player: Player, seq: u64) -> Result<Value, FinalError> {
        let Player::Seat { final_id, seat } = player else {
            return Err(ShowError::InvalidAction("只有决赛席位可以抢答".into()).into());
        };
        let live = self.live_final(final_id).await?;
        let outcome = self
            .change(&live, None, |show, now| show.buzz(seat, seq, now))
            .await?;
        let show = live.snapshot();
        let order: Vec<Value> = outcome
            .order
            .iter()
            .map(
                |b| json!({ "seat": b.seat + 1, "name": show.plan.seats[b.seat].name, "ms": b.ms }),
            )
            .collect();
        Ok(json!({ "won": outcome.won, "order": order }))
    }

    /// A seat's stake on a 风险题.
    pub async fn stake(
        self: &Arc<Self>,
        player: Player,
        seq: u64,
        stake: Score,
    ) -> Result<(), FinalError> {
        let Player::Seat { final_id, seat } = player else {
            return Err(ShowError::InvalidAction("只有决赛席位可以选择分值".into()).into());
        };
        let live = self.live_final(final_id).await?;
        self.change(&live, None, |show, _| show.stake(seat, seq, stake))
            .await
    }

    /// Applies `change` to a copy of the show (then closes a countdown that ran out) and, when
    /// the show moved, stores it with its revision compared — reloading and trying again when
    /// another server moved it first — before anyone hears of it. The result is `change`'s, even
    /// when it refused after moving the show (an early buzz's penalty is stored, then refused).
    async fn change<T>(
        self: &Arc<Self>,
        live: &Arc<LiveFinal>,
        host: Option<(i64, &str)>,
        mut change: impl FnMut(&mut Show, Millis) -> Result<T, ShowError>,
    ) -> Result<T, FinalError> {
        let mut show = live.show.lock().await;
        for _ in 0..CHANGE_ATTEMPTS {
            let now = self.clock.now();
            let mut next = show.clone();
            let result = change(&mut next, now);
            // A countdown that ran out closes now, whatever the change was (a late answer is
            // refused as late, then the question closes).
            next.expire(now);
            if next.revision == show.revision {
                return result.map_err(FinalError::from);
            }
            let document = serde_json::to_string(&next).expect("a show serializes");
            let effect = host.map(|(_, action)| effect_of(&show, &next, action, &result));
            let stored = self
                .store
                .save_show(&ShowChange {
                    final_id: live.id,
                    show: &document,
                    expected: show.revision as i64,
                    revision: next.revision as i64,
                    audience: audience_scoring(&show, &next),
                    log: host
                        .zip(effect.as_deref())
                        .map(|((organizer, action), effect)| (Some(organizer), action, effect)),
                    at: now,
                })
                .await?;
            if stored {
                *show = next;
                self.published(live, &show).await;
                return result.map_err(FinalError::from);
            }
            // Another server stored a change first: start again from what it stored.
            *show = self.stored_show(live.id).await?;
            self.published(live, &show).await;
        }
        Err(FinalError::Contended)
    }

    /// After the show changed (here or in another process): the snapshot, the frame, the
    /// countdown task and the other processes.
    async fn published(&self, live: &LiveFinal, show: &Show) {
        let stale = {
            let mut latest = live.latest.lock().expect("the lock is never poisoned");
            let stale = latest.revision != show.revision;
            *latest = Arc::new(show.clone());
            stale
        };
        if stale {
            live.fanout.changed();
            live.show_changed.notify_one();
            self.announce(live.id).await;
        }
    }

    async fn stored_show(&self, id: i64) -> Result<Show, FinalError> {
        let stored = self
            .store
            .final_by_id(id)
            .await?
            .ok_or(FinalError::NotFound)?;
        parse_show(&stored)
    }

    // -------------------------------------------------------------------------------------
    // Joining (phones) and tokens
    // -------------------------------------------------------------------------------------

    /// A device joins a seat: `{token, final_id, seat}`; an earlier device is replaced.
    pub async fn join_seat(self: &Arc<Self>, join_code: &str) -> Result<Value, FinalError> {
        let code = join_code.trim().to_ascii_uppercase();
        if code.is_empty() || code.len() > 32 {
            return Err(FinalError::UnknownCode);
        }
        let seat = self
            .store
            .join_seat(&code)
            .await?
            .ok_or(FinalError::UnknownCode)?;
        let live = self.live_final(seat.final_id).await?;
        live.generations.send_modify(|g| {
            if let Some(current) = g.get_mut(seat.seat as usize - 1) {
                *current = (*current).max(seat.generation);
            }
        });
        let token =
            self.keys
                .issue_for_generation(Role::Seat, seat.id, seat.generation, self.clock.now());
        Ok(json!({ "token": token, "final_id": seat.final_id, "seat": seat.seat }))
    }

    /// Someone in the hall joins the audience: `{token, final_id, audience_id}`.
    pub async fn join_audience(
        self: &Arc<Self>,
        code: &str,
        nickname: &str,
    ) -> Result<Value, FinalError> {
        let nickname = nickname.trim();
        let length = nickname.chars().count();
        if length == 0 || length > MAX_NICKNAME_CHARS {
            return Err(FinalError::Invalid(Problems::from([(
                "nickname".to_owned(),
                format!("昵称需要 1 到 {MAX_NICKNAME_CHARS} 个字,实际 {length} 个字"),
            )])));
        }
        let stored = self
            .store
            .final_by_code(code.trim())
            .await?
            .ok_or(FinalError::UnknownCode)?;
        let audience_id = self
            .store
            .join_audience(stored.id, nickname, self.clock.now())
            .await?;
        if let Some(live) = self.loaded(stored.id) {
            live.fanout.changed();
        }
        let token = self
            .keys
            .issue(Role::Audience, audience_id, self.clock.now());
        Ok(json!({ "token": token, "final_id": stored.id, "audience_id": audience_id }))
    }

    /// The player a checked token speaks for: a seat whose device was since replaced is not
    /// anyone any more.
    pub async fn player(
        &self,
        role: Role,
        id: i64,
        generation: Option<i64>,
    ) -> Result<Option<Player>, FinalError> {
        match role {
            Role::Seat => {
                let Some(StoredSeat {
                    final_id,
                    seat,
                    generation: current,
                    ..
                }) = self.store.final_seat(id).await?
                else {
                    return Ok(None);
                };
                if generation != Some(current) {
                    return Err(FinalError::Replaced);
                }
                Ok(Some(Player::Seat {
                    final_id,
                    seat: u32::try_from(seat).unwrap_or(0),
                }))
            }
            Role::Audience => {
                Ok(self
                    .store
                    .audience_member(id)
                    .await?
                    .map(|member| Player::Audience {
                        final_id: member.final_id,
                        audience_id: member.id,
                    }))
            }
            Role::Participant | Role::Organizer => Ok(None),
        }
    }

    /// The player's own standing: what a phone restores after sleeping.
    pub async fn me(self: &Arc<Self>, player: Player) -> Result<Value, FinalError> {
        let live = self.live_final(player.final_id()).await?;
        let show = live.snapshot();
        match player {
            Player::Seat { seat, .. } => {
                let index = seat as usize - 1;
                let answer = show.question().and_then(|q| {
                    show.play
                        .answers
                        .get(&index)
                        .map(|a| question_bank::Choice::from_bits(a.choice).keys(q.kind))
                });
                Ok(json!({
                    "role": "seat",
                    "seat": seat,
                    "name": show.plan.seats[index].name,
                    "score": show.scores[index],
                    "answer": answer,
                    "stake": show.play.stakes.get(&index),
                    "buzzed": show.play.buzzes.iter().any(|b| b.seat == index),
                }))
            }
            Player::Audience { audience_id, .. } => {
                let member = self
                    .store
                    .audience_member(audience_id)
                    .await?
                    .ok_or(FinalError::NotFound)?;
                let answer = match (show.at, show.question()) {
                    (Some(at), Some(question)) => self
                        .store
                        .audience_answer(audience_id, at.round as i64 + 1, at.question as i64 + 1)
                        .await?
                        .map(|bits| {
                            question_bank::Choice::from_bits(u8::try_from(bits).unwrap_or(0))
                                .keys(question.kind)
                        }),
                    _ => None,
                };
                Ok(json!({
                    "role": "audience",
                    "audience_id": audience_id,
                    "nickname": member.nickname,
                    "score": member.score,
                    "answer": answer,
                }))
            }
        }
    }
}

fn parse_show(stored: &StoredFinal) -> Result<Show, FinalError> {
    serde_json::from_str(&stored.show).map_err(|e| {
        FinalError::Store(StoreError::Corrupt(format!(
            "final {} show: {e}",
            stored.id
        )))
    })
}

/// A reveal added to or undone from the scoring steps moves the audience's scores too.
fn audience_scoring(before: &Show, after: &Show) -> Option<AudienceScoring> {
    let scoring = |at: &Position, sign| AudienceScoring {
        round_no: at.round as i64 + 1,
        question_no: at.question as i64 + 1,
        sign,
    };
    if after.steps.len() == before.steps.len() + 1
        && let Some(ScoringStep::Reveal { at, .. }) = after.steps.last()
    {
        return Some(scoring(at, 1));
    }
    if after.steps.len() + 1 == before.steps.len()
        && let Some(ScoringStep::Reveal { at, .. }) = before.steps.last()
    {
        return Some(scoring(at, -1));
    }
    None
}

/// What a host action changed, for the log.
fn effect_of<T>(
    before: &Show,
    after: &Show,
    action: &str,
    result: &Result<T, ShowError>,
) -> String {
    let scores: Vec<Value> = before
        .scores
        .iter()
        .zip(&after.scores)
        .enumerate()
        .filter(|(_, (b, a))| b != a)
        .map(|(i, (b, a))| json!({ "seat": i + 1, "from": b, "to": a }))
        .collect();
    json!({
        "action": action,
        "phase": after.phase.as_str(),
        "seq": after.seq,
        "scores": scores,
        "refused": result.as_ref().err().map(ToString::to_string),
    })
    .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A uniform random number below `n` (rejection sampling over the system's randomness).
pub fn random_below(n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let value = u64::from_le_bytes(crate::auth::random_bytes::<8>());
        if value < zone {
            return (value % n) as usize;
        }
    }
}

fn join_code() -> String {
    (0..JOIN_CODE_LENGTH)
        .map(|_| JOIN_CODE_ALPHABET[random_below(JOIN_CODE_ALPHABET.len())] as char)
        .collect()
}
