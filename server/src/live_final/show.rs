//! The live final's rules as a pure state machine (docs/FINAL.md): phases, the host's actions,
//! seats' answers, buzzes and stakes, scoring and undo. No IO and no clock: every call takes
//! `now`; the service stores each new `Show` before anyone hears of it.
//!
//! Two counters: `seq` moves at every transition (what the host acts on, and what a seat's
//! answer, buzz or stake names), `revision` at every change, counters included (what the store
//! compares before it writes, so two servers never both apply a change).

use std::collections::BTreeMap;

use question_bank::{Choice, Kind};
use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// Scores in a final are whole points and may fall below zero.
pub type Score = i64;

/// 必答, 抢答, 风险题.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    Required,
    Buzz,
    Risk,
}

impl RoundKind {
    pub fn parse(text: &str) -> Option<RoundKind> {
        match text.trim() {
            "required" | "必答" | "必答题" => Some(RoundKind::Required),
            "buzz" | "抢答" | "抢答题" => Some(RoundKind::Buzz),
            "risk" | "风险" | "风险题" => Some(RoundKind::Risk),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RoundKind::Required => "必答题",
            RoundKind::Buzz => "抢答题",
            RoundKind::Risk => "风险题",
        }
    }
}

/// A question as the final plays it: a copy of one bank question version, options in the
/// bank's order (everyone sees one screen, so nothing is shuffled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalQuestion {
    pub question_id: i64,
    pub version: i64,
    pub kind: Kind,
    pub stem: String,
    pub options: Vec<String>,
    /// The answer key as option bits (`Choice::bits`).
    pub answer: u8,
    pub explanation: Option<String>,
}

impl FinalQuestion {
    pub fn answer(&self) -> Choice {
        Choice::from_bits(self.answer)
    }

    /// How many options a response may name (judge questions: `T` and `F`).
    pub fn option_count(&self) -> usize {
        match self.kind {
            Kind::Judge => 2,
            Kind::Single | Kind::Multiple => self.options.len(),
        }
    }

    /// The option texts with their keys, as every screen shows them.
    pub fn keyed_options(&self) -> Vec<(&'static str, &str)> {
        match self.kind {
            Kind::Judge => vec![("T", "正确"), ("F", "错误")],
            Kind::Single | Kind::Multiple => self
                .options
                .iter()
                .enumerate()
                .map(|(i, text)| (question_bank::option_key(self.kind, i), text.as_str()))
                .collect(),
        }
    }
}

/// One round as the organizer set it up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub kind: RoundKind,
    pub title: String,
    /// The countdown: answering time (必答, 风险题), or how long the buzzer stays armed (抢答).
    pub seconds: u32,
    /// What a right answer earns (the audience earns it on every kind of round).
    pub points: Score,
    /// What a wrong or missing answer costs (not on 风险题, which stake instead).
    pub penalty: Score,
    /// 抢答: how long the buzz winner has to answer.
    pub answer_seconds: u32,
    /// 风险题: the stakes offered, ascending.
    pub stakes: Vec<Score>,
    pub questions: Vec<FinalQuestion>,
}

/// A seat on stage: one finalist or one company's team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub name: String,
    pub company: Option<String>,
}

/// Everything fixed when the final is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub base_score: Score,
    pub early_buzz_penalty: Score,
    pub seats: Vec<Seat>,
    pub rounds: Vec<Round>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Lobby,
    Stakes,
    Question,
    Open,
    Answering,
    Closed,
    Revealed,
    Scoreboard,
    Finished,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Lobby => "lobby",
            Phase::Stakes => "stakes",
            Phase::Question => "question",
            Phase::Open => "open",
            Phase::Answering => "answering",
            Phase::Closed => "closed",
            Phase::Revealed => "revealed",
            Phase::Scoreboard => "scoreboard",
            Phase::Finished => "finished",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Phase::Lobby => "等待开始",
            Phase::Stakes => "选择分值",
            Phase::Question => "出题",
            Phase::Open => "作答中",
            Phase::Answering => "抢答者作答中",
            Phase::Closed => "作答结束",
            Phase::Revealed => "公布答案",
            Phase::Scoreboard => "显示比分",
            Phase::Finished => "比赛结束",
        }
    }
}

/// Which question of which round (both from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub round: usize,
    pub question: usize,
}

/// A seat's answer to the current question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatAnswer {
    /// Option bits.
    pub choice: u8,
    pub at: Millis,
}

/// A buzz the server accepted, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buzz {
    pub seat: usize,
    /// Milliseconds after the arm it answered.
    pub ms: Millis,
}

/// A seat's result on a revealed question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatResult {
    pub seat: usize,
    pub choice: Option<u8>,
    pub correct: bool,
    pub delta: Score,
}

/// What happens on the current question (reset when the show moves to the next one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    /// The `seq` at which this question began: answers, buzzes and stakes naming an earlier
    /// `seq` belong to an earlier question.
    pub first_seq: u64,
    /// 风险题: seat → stake picked (every seat has one once the question is shown).
    pub stakes: BTreeMap<usize, Score>,
    /// Seat → answer. 抢答: the answers of the buzz winners.
    pub answers: BTreeMap<usize, SeatAnswer>,
    /// When the countdown first started (the audience's speed bonus counts from here).
    pub opened_at: Option<Millis>,
    /// 抢答: when the buzzer was last armed.
    pub armed_at: Option<Millis>,
    /// 抢答: every accepted buzz on this question, earliest first.
    pub buzzes: Vec<Buzz>,
    /// 抢答: the seat answering now (the last arm's winner).
    pub winner: Option<usize>,
    /// 抢答: every seat that won a buzz on this question (after a re-arm, more than one).
    pub winners: Vec<usize>,
    /// The host's rulings: seat → correct, overriding the seat's choice.
    pub rulings: BTreeMap<usize, bool>,
    /// Set by `reveal`.
    pub results: Option<Vec<SeatResult>>,
}

/// One step `undo` can revert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ScoringStep {
    Reveal {
        at: Position,
        deltas: Vec<(usize, Score)>,
    },
    Judge {
        at: Position,
        seat: usize,
        previous: Option<bool>,
        delta: Score,
    },
    Adjust {
        seat: usize,
        delta: Score,
        reason: String,
    },
    EarlyBuzz {
        seat: usize,
        delta: Score,
    },
}

/// The host's actions (docs/FINAL.md, "Actions"). Seats are numbered from 1 here, as in the
/// API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Show,
    Open,
    Close,
    Reveal,
    Scoreboard,
    Next,
    Pause,
    Resume,
    Rearm,
    Judge {
        seat: u32,
        correct: bool,
    },
    Adjust {
        seat: u32,
        delta: Score,
        reason: String,
    },
    Undo,
    Finish,
}

impl Action {
    /// The action of this name when it takes no arguments (`judge` and `adjust` do).
    pub fn without_arguments(name: &str) -> Option<Action> {
        Some(match name {
            "start" => Action::Start,
            "show" => Action::Show,
            "open" => Action::Open,
            "close" => Action::Close,
            "reveal" => Action::Reveal,
            "scoreboard" => Action::Scoreboard,
            "next" => Action::Next,
            "pause" => Action::Pause,
            "resume" => Action::Resume,
            "rearm" => Action::Rearm,
            "undo" => Action::Undo,
            "finish" => Action::Finish,
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Show => "show",
            Action::Open => "open",
            Action::Close => "close",
            Action::Reveal => "reveal",
            Action::Scoreboard => "scoreboard",
            Action::Next => "next",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Rearm => "rearm",
            Action::Judge { .. } => "judge",
            Action::Adjust { .. } => "adjust",
            Action::Undo => "undo",
            Action::Finish => "finish",
        }
    }
}

/// Why the show refused something. Each is a 409 or a 422 in the HTTP layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShowError {
    #[error("当前阶段({phase})不能执行此操作:{what}")]
    Phase { phase: &'static str, what: String },
    #[error("题目已经变化,请刷新后再操作")]
    StaleSeq,
    #[error("还没有开始抢答,请等主持人宣布开始后再按")]
    TooEarly,
    #[error("作答时间已到")]
    TooLate,
    #[error("本题已经作答,不能修改")]
    AlreadyAnswered,
    #[error("本题已经抢过答")]
    AlreadyBuzzed,
    #[error("现在不是你作答:只有抢到题的选手可以作答")]
    NotYourTurn,
    #[error("比赛已暂停")]
    Paused,
    #[error("分值 {0} 不在本轮可选的分值中")]
    StakeNotOffered(Score),
    #[error("选项无效:{0}")]
    InvalidChoice(String),
    #[error("没有这个席位:{0}")]
    NoSuchSeat(u32),
    #[error("{0}")]
    InvalidAction(String),
    /// An adjustment's delta or reason is not acceptable (a 422 on that field).
    #[error("{message}")]
    InvalidAdjustment {
        field: &'static str,
        message: String,
    },
    #[error("没有可以撤销的计分")]
    NothingToUndo,
}

/// What a seat's buzz got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuzzOutcome {
    pub won: bool,
    pub order: Vec<Buzz>,
}

/// A whole final as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Show {
    pub plan: Plan,
    pub seq: u64,
    pub revision: u64,
    pub phase: Phase,
    /// While paused: how much of the countdown was left (`deadline` is then `None`).
    pub paused_remaining: Option<Millis>,
    pub deadline: Option<Millis>,
    pub at: Option<Position>,
    /// Seat index → score.
    pub scores: Vec<Score>,
    pub play: Play,
    pub steps: Vec<ScoringStep>,
}

/// Longest reason an adjustment may carry.
pub const MAX_REASON_CHARS: usize = 200;

impl Show {
    /// A final in its lobby, every seat at the base score.
    pub fn new(plan: Plan) -> Show {
        let scores = vec![plan.base_score; plan.seats.len()];
        Show {
            plan,
            seq: 1,
            revision: 1,
            phase: Phase::Lobby,
            paused_remaining: None,
            deadline: None,
            at: None,
            scores,
            play: Play::default(),
            steps: Vec::new(),
        }
    }

    pub fn round(&self) -> Option<&Round> {
        self.at.map(|at| &self.plan.rounds[at.round])
    }

    pub fn question(&self) -> Option<&FinalQuestion> {
        self.at
            .map(|at| &self.plan.rounds[at.round].questions[at.question])
    }

    fn current(&self) -> (&Round, &FinalQuestion, Position) {
        let at = self.at.expect("a question is current in this phase");
        let round = &self.plan.rounds[at.round];
        (round, &round.questions[at.question], at)
    }

    /// Whether any question has been revealed (and not undone): the audience's board exists
    /// from then on.
    pub fn has_revealed(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, ScoringStep::Reveal { .. }))
    }

    pub fn is_paused(&self) -> bool {
        self.paused_remaining.is_some()
    }

    /// The obvious next step for the host's big button, or `None` once finished.
    pub fn next_action(&self) -> Option<&'static str> {
        if self.is_paused() {
            return Some("resume");
        }
        Some(match self.phase {
            Phase::Lobby => "start",
            Phase::Stakes => "show",
            Phase::Question => "open",
            Phase::Open | Phase::Answering => "close",
            Phase::Closed => "reveal",
            Phase::Revealed => "scoreboard",
            Phase::Scoreboard => {
                if self.is_last_question() {
                    "finish"
                } else {
                    "next"
                }
            }
            Phase::Finished => return None,
        })
    }

    fn is_last_question(&self) -> bool {
        self.following_position().is_none()
    }

    fn following_position(&self) -> Option<Position> {
        let at = self.at?;
        let rounds = &self.plan.rounds;
        if at.question + 1 < rounds[at.round].questions.len() {
            return Some(Position {
                round: at.round,
                question: at.question + 1,
            });
        }
        (at.round + 1..rounds.len())
            .find(|&r| !rounds[r].questions.is_empty())
            .map(|round| Position { round, question: 0 })
    }

    fn refuse(&self, what: &str) -> ShowError {
        ShowError::Phase {
            phase: self.phase.label(),
            what: what.to_owned(),
        }
    }

    /// A transition: the phase moved, a score changed or the host ruled.
    fn transition(&mut self) {
        self.seq += 1;
        self.revision += 1;
    }

    /// A counter moved (an answer, a buzz after the winner's, a stake): no new `seq`.
    fn counted(&mut self) {
        self.revision += 1;
    }

    fn seat_index(&self, seat: u32) -> Result<usize, ShowError> {
        let index = (seat as usize).wrapping_sub(1);
        if index < self.plan.seats.len() {
            Ok(index)
        } else {
            Err(ShowError::NoSuchSeat(seat))
        }
    }

    /// Answers, buzzes and stakes name the `seq` they were meant for: one from before the
    /// current question began is stale.
    fn check_seq(&self, seq: u64) -> Result<(), ShowError> {
        if self.at.is_none() || seq < self.play.first_seq || seq > self.seq {
            Err(ShowError::StaleSeq)
        } else {
            Ok(())
        }
    }

    fn enter(&mut self, at: Position) {
        self.at = Some(at);
        self.deadline = None;
        self.paused_remaining = None;
        self.play = Play {
            first_seq: self.seq + 1,
            ..Play::default()
        };
        self.phase = if self.plan.rounds[at.round].kind == RoundKind::Risk {
            Phase::Stakes
        } else {
            Phase::Question
        };
    }

    /// The host's action. On success the show has moved (`seq` grew); on an error nothing
    /// changed.
    pub fn act(&mut self, action: &Action, now: Millis) -> Result<(), ShowError> {
        let mut next = self.clone();
        next.apply(action, now)?;
        next.transition();
        *self = next;
        Ok(())
    }

    fn apply(&mut self, action: &Action, now: Millis) -> Result<(), ShowError> {
        if self.is_paused() && matches!(action, Action::Pause | Action::Rearm) {
            return Err(ShowError::Paused);
        }
        match action {
            Action::Start => {
                if self.phase != Phase::Lobby {
                    return Err(self.refuse("开始比赛"));
                }
                let first = (0..self.plan.rounds.len())
                    .find(|&r| !self.plan.rounds[r].questions.is_empty())
                    .ok_or_else(|| ShowError::InvalidAction("决赛没有题目".into()))?;
                self.enter(Position {
                    round: first,
                    question: 0,
                });
            }
            Action::Show => {
                if self.phase != Phase::Stakes {
                    return Err(self.refuse("出题"));
                }
                let smallest = self.current().0.stakes.first().copied().unwrap_or(0);
                for seat in 0..self.plan.seats.len() {
                    self.play.stakes.entry(seat).or_insert(smallest);
                }
                self.phase = Phase::Question;
            }
            Action::Open => {
                if self.phase != Phase::Question {
                    return Err(self.refuse("开始计时"));
                }
                let seconds = self.current().0.seconds;
                let buzz = self.current().0.kind == RoundKind::Buzz;
                self.phase = Phase::Open;
                self.deadline = Some(now + Millis::from(seconds) * 1000);
                self.play.opened_at = Some(now);
                if buzz {
                    self.play.armed_at = Some(now);
                }
            }
            Action::Close => {
                if !matches!(self.phase, Phase::Open | Phase::Answering) {
                    return Err(self.refuse("结束作答"));
                }
                self.close();
            }
            Action::Reveal => {
                if self.phase != Phase::Closed {
                    return Err(self.refuse("公布答案"));
                }
                self.reveal();
            }
            Action::Scoreboard => {
                if self.phase != Phase::Revealed {
                    return Err(self.refuse("显示比分"));
                }
                self.phase = Phase::Scoreboard;
            }
            Action::Next => {
                if !matches!(self.phase, Phase::Revealed | Phase::Scoreboard) {
                    return Err(self.refuse("下一题"));
                }
                match self.following_position() {
                    Some(at) => self.enter(at),
                    None => self.finish(),
                }
            }
            Action::Pause => {
                if !matches!(self.phase, Phase::Open | Phase::Answering) {
                    return Err(self.refuse("暂停"));
                }
                let deadline = self.deadline.unwrap_or(now);
                self.paused_remaining = Some((deadline - now).max(0));
                self.deadline = None;
            }
            Action::Resume => {
                let Some(remaining) = self.paused_remaining else {
                    return Err(self.refuse("继续(比赛没有暂停)"));
                };
                self.paused_remaining = None;
                self.deadline = Some(now + remaining);
            }
            Action::Rearm => {
                let is_buzz = self.at.is_some() && self.current().0.kind == RoundKind::Buzz;
                if !is_buzz || !matches!(self.phase, Phase::Closed | Phase::Answering) {
                    return Err(self.refuse("重新开放抢答"));
                }
                if self.play.results.is_some() {
                    return Err(self.refuse("重新开放抢答(答案已公布)"));
                }
                let everyone_buzzed = (0..self.plan.seats.len())
                    .all(|seat| self.play.buzzes.iter().any(|b| b.seat == seat));
                if everyone_buzzed {
                    return Err(ShowError::InvalidAction(
                        "所有席位都已抢过答,不能再开放抢答".into(),
                    ));
                }
                let seconds = self.current().0.seconds;
                self.phase = Phase::Open;
                self.play.winner = None;
                self.play.armed_at = Some(now);
                self.deadline = Some(now + Millis::from(seconds) * 1000);
            }
            Action::Judge { seat, correct } => {
                let seat = self.seat_index(*seat)?;
                self.judge(seat, *correct)?;
            }
            Action::Adjust {
                seat,
                delta,
                reason,
            } => {
                let seat = self.seat_index(*seat)?;
                if self.phase == Phase::Lobby {
                    return Err(self.refuse("调整分数"));
                }
                if *delta == 0 || delta.abs() > 100_000 {
                    return Err(ShowError::InvalidAdjustment {
                        field: "delta",
                        message: "调整的分数必须是 -100000 到 100000 之间、不为 0 的整数".into(),
                    });
                }
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
                    return Err(ShowError::InvalidAdjustment {
                        field: "reason",
                        message: format!("请填写调整原因(1 到 {MAX_REASON_CHARS} 个字)"),
                    });
                }
                self.scores[seat] += delta;
                self.steps.push(ScoringStep::Adjust {
                    seat,
                    delta: *delta,
                    reason: reason.to_owned(),
                });
            }
            Action::Undo => self.undo()?,
            Action::Finish => {
                if self.phase == Phase::Finished {
                    return Err(self.refuse("结束比赛"));
                }
                self.finish();
            }
        }
        Ok(())
    }

    fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.deadline = None;
        self.paused_remaining = None;
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.deadline = None;
        self.paused_remaining = None;
        self.play.winner = None;
    }

    /// Whether a seat's answer to the current question is right, the host's ruling first.
    fn seat_correct(&self, seat: usize) -> Option<bool> {
        if let Some(&ruling) = self.play.rulings.get(&seat) {
            return Some(ruling);
        }
        let (_, question, _) = self.current();
        self.play
            .answers
            .get(&seat)
            .map(|a| Choice::from_bits(a.choice) == question.answer())
    }

    /// The seats that are scored on the current question, and what each scores.
    fn results(&self) -> Vec<SeatResult> {
        let (round, _, _) = self.current();
        let scored: Vec<usize> = match round.kind {
            RoundKind::Required | RoundKind::Risk => (0..self.plan.seats.len()).collect(),
            RoundKind::Buzz => {
                let mut seats = self.play.winners.clone();
                for &seat in self.play.rulings.keys() {
                    if !seats.contains(&seat) {
                        seats.push(seat);
                    }
                }
                seats
            }
        };
        scored
            .into_iter()
            .map(|seat| {
                let correct = self.seat_correct(seat).unwrap_or(false);
                let delta = match round.kind {
                    RoundKind::Risk => {
                        let stake = self.play.stakes.get(&seat).copied().unwrap_or(0);
                        if correct { stake } else { -stake }
                    }
                    RoundKind::Required | RoundKind::Buzz => {
                        if correct {
                            round.points
                        } else {
                            -round.penalty
                        }
                    }
                };
                SeatResult {
                    seat,
                    choice: self.play.answers.get(&seat).map(|a| a.choice),
                    correct,
                    delta,
                }
            })
            .collect()
    }

    fn reveal(&mut self) {
        let (_, _, at) = self.current();
        let results = self.results();
        let deltas: Vec<(usize, Score)> = results.iter().map(|r| (r.seat, r.delta)).collect();
        for &(seat, delta) in &deltas {
            self.scores[seat] += delta;
        }
        self.play.results = Some(results);
        self.steps.push(ScoringStep::Reveal { at, deltas });
        self.phase = Phase::Revealed;
    }

    fn judge(&mut self, seat: usize, correct: bool) -> Result<(), ShowError> {
        let allowed = matches!(
            self.phase,
            Phase::Answering | Phase::Closed | Phase::Revealed | Phase::Scoreboard
        );
        if !allowed {
            return Err(self.refuse("裁定"));
        }
        let (round, _, at) = self.current();
        if round.kind == RoundKind::Buzz
            && self.phase == Phase::Answering
            && self.play.winner != Some(seat)
        {
            return Err(ShowError::InvalidAction(
                "抢答作答中只能裁定抢到题的席位".into(),
            ));
        }
        let previous = self.play.rulings.insert(seat, correct);
        let mut delta = 0;
        if let Some(results) = &self.play.results {
            // Already revealed: the seat's result changes now, as a correction.
            let before = results
                .iter()
                .find(|r| r.seat == seat)
                .map_or(0, |r| r.delta);
            let fresh = self.results();
            let after = fresh.iter().find(|r| r.seat == seat).map_or(0, |r| r.delta);
            delta = after - before;
            self.scores[seat] += delta;
            self.play.results = Some(fresh);
        }
        self.steps.push(ScoringStep::Judge {
            at,
            seat,
            previous,
            delta,
        });
        if self.phase == Phase::Answering {
            // The buzz winner's oral answer was judged: the question is answered.
            self.close();
        }
        Ok(())
    }

    fn undo(&mut self) -> Result<(), ShowError> {
        let Some(step) = self.steps.last().cloned() else {
            return Err(ShowError::NothingToUndo);
        };
        match step {
            ScoringStep::Reveal { at, deltas } => {
                let current = self.at == Some(at)
                    && matches!(self.phase, Phase::Revealed | Phase::Scoreboard);
                if !current {
                    return Err(ShowError::InvalidAction(
                        "只能撤销当前题目的公布;之前题目的分数请用调整分数更正".into(),
                    ));
                }
                for (seat, delta) in deltas {
                    self.scores[seat] -= delta;
                }
                self.play.results = None;
                self.phase = Phase::Closed;
            }
            ScoringStep::Judge {
                at,
                seat,
                previous,
                delta,
            } => {
                self.scores[seat] -= delta;
                if self.at == Some(at) {
                    match previous {
                        Some(ruling) => self.play.rulings.insert(seat, ruling),
                        None => self.play.rulings.remove(&seat),
                    };
                    if self.play.results.is_some() {
                        self.play.results = Some(self.results());
                    }
                }
            }
            ScoringStep::Adjust { seat, delta, .. } | ScoringStep::EarlyBuzz { seat, delta } => {
                self.scores[seat] -= delta;
            }
        }
        self.steps.pop();
        Ok(())
    }

    /// Closes the question when its countdown has run out. True when it did (a transition).
    pub fn expire(&mut self, now: Millis) -> bool {
        let due = matches!(self.phase, Phase::Open | Phase::Answering)
            && self.deadline.is_some_and(|deadline| now >= deadline);
        if due {
            self.close();
            self.transition();
        }
        due
    }

    /// A seat's answer. Closes the question by itself when every seat has answered a 必答 or
    /// 风险题, or the buzz winner has answered.
    pub fn answer(
        &mut self,
        seat: u32,
        seq: u64,
        keys: &[String],
        now: Millis,
    ) -> Result<(), ShowError> {
        let seat = self.seat_index(seat)?;
        self.check_seq(seq)?;
        let (round, question, _) = self.current();
        let kind = round.kind;
        let answering = match kind {
            RoundKind::Required | RoundKind::Risk => self.phase == Phase::Open,
            RoundKind::Buzz => self.phase == Phase::Answering,
        };
        if !answering {
            if kind == RoundKind::Buzz && self.phase == Phase::Open {
                return Err(ShowError::NotYourTurn);
            }
            return Err(self.refuse("作答"));
        }
        if self.is_paused() {
            return Err(ShowError::Paused);
        }
        if self.deadline.is_some_and(|deadline| now >= deadline) {
            return Err(ShowError::TooLate);
        }
        if kind == RoundKind::Buzz && self.play.winner != Some(seat) {
            return Err(ShowError::NotYourTurn);
        }
        if self.play.answers.contains_key(&seat) {
            return Err(ShowError::AlreadyAnswered);
        }
        let choice = parse_choice(question, keys)?;
        self.play.answers.insert(
            seat,
            SeatAnswer {
                choice: choice.bits(),
                at: now,
            },
        );
        let everyone = match kind {
            RoundKind::Required | RoundKind::Risk => {
                self.play.answers.len() == self.plan.seats.len()
            }
            RoundKind::Buzz => true,
        };
        if everyone {
            self.close();
            self.transition();
        } else {
            self.counted();
        }
        Ok(())
    }

    /// A seat's buzz. Before the arm: refused (`TooEarly`), costing the final's early-buzz
    /// penalty when it has one. The first buzz accepted after the arm wins; later ones join the
    /// order.
    pub fn buzz(&mut self, seat: u32, seq: u64, now: Millis) -> Result<BuzzOutcome, ShowError> {
        let seat = self.seat_index(seat)?;
        self.check_seq(seq)?;
        let (round, _, _) = self.current();
        if round.kind != RoundKind::Buzz {
            return Err(ShowError::InvalidAction("本题不是抢答题".into()));
        }
        let answer_seconds = round.answer_seconds;
        match self.phase {
            Phase::Question => {
                let penalty = self.plan.early_buzz_penalty;
                if penalty > 0 {
                    self.scores[seat] -= penalty;
                    self.steps.push(ScoringStep::EarlyBuzz {
                        seat,
                        delta: -penalty,
                    });
                    self.transition();
                }
                return Err(ShowError::TooEarly);
            }
            Phase::Open | Phase::Answering => {}
            _ => return Err(self.refuse("抢答")),
        }
        if self.is_paused() {
            return Err(ShowError::Paused);
        }
        if self.play.buzzes.iter().any(|b| b.seat == seat) {
            return Err(ShowError::AlreadyBuzzed);
        }
        let armed_at = self.play.armed_at.unwrap_or(now);
        self.play.buzzes.push(Buzz {
            seat,
            ms: now - armed_at,
        });
        let won = self.phase == Phase::Open;
        if won {
            self.phase = Phase::Answering;
            self.play.winner = Some(seat);
            self.play.winners.push(seat);
            self.deadline = Some(now + Millis::from(answer_seconds) * 1000);
            self.transition();
        } else {
            self.counted();
        }
        Ok(BuzzOutcome {
            won,
            order: self.play.buzzes.clone(),
        })
    }

    /// A seat's stake on a 风险题, while the stakes are being picked. A seat may change its mind
    /// until the question is shown.
    pub fn stake(&mut self, seat: u32, seq: u64, stake: Score) -> Result<(), ShowError> {
        let seat = self.seat_index(seat)?;
        self.check_seq(seq)?;
        if self.phase != Phase::Stakes {
            return Err(self.refuse("选择分值(题目已经出示)"));
        }
        if !self.current().0.stakes.contains(&stake) {
            return Err(ShowError::StakeNotOffered(stake));
        }
        self.play.stakes.insert(seat, stake);
        self.counted();
        Ok(())
    }

    /// The audience may answer the current question now (named by `seq`): the question it is.
    pub fn audience_may_answer(&self, seq: u64, now: Millis) -> Result<Position, ShowError> {
        self.check_seq(seq)?;
        if !matches!(self.phase, Phase::Open | Phase::Answering) {
            return Err(self.refuse("作答"));
        }
        if self.is_paused() {
            return Err(ShowError::Paused);
        }
        // The audience answers within the question's own countdown, not a buzz winner's.
        let window_end = self.audience_window_end();
        if window_end.is_some_and(|end| now >= end) {
            return Err(ShowError::TooLate);
        }
        Ok(self.at.expect("a question is current while open"))
    }

    fn audience_window_end(&self) -> Option<Millis> {
        let (round, _, _) = self.current();
        match round.kind {
            RoundKind::Buzz => self
                .play
                .opened_at
                .map(|opened| opened + Millis::from(round.seconds) * 1000),
            RoundKind::Required | RoundKind::Risk => self.deadline,
        }
    }
}

/// A response as option keys, checked against the question.
pub fn parse_choice(question: &FinalQuestion, keys: &[String]) -> Result<Choice, ShowError> {
    let choice = Choice::from_keys(question.kind, question.option_count(), keys)
        .map_err(|e| ShowError::InvalidChoice(e.to_string()))?;
    if choice.is_empty() {
        return Err(ShowError::InvalidChoice("请至少选择一个选项".into()));
    }
    if question.kind != Kind::Multiple && choice.len() > 1 {
        return Err(ShowError::InvalidChoice("本题只能选择一个选项".into()));
    }
    Ok(choice)
}

/// What an audience member scores: the round's points for a right answer, plus a speed bonus
/// of up to half the points, in proportion to the time left in the question's countdown
/// (rounded down).
pub fn audience_points(
    round: &Round,
    correct: bool,
    opened_at: Millis,
    answered_at: Millis,
) -> Score {
    if !correct {
        return 0;
    }
    let window = Millis::from(round.seconds.max(1)) * 1000;
    let left = (window - (answered_at - opened_at)).clamp(0, window);
    round.points + round.points * left / (2 * window)
}

#[cfg(test)]
mod tests;
