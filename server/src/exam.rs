//! The exam service, as docs/SERVER.md's rules say: start or resume an attempt, autosave
//! answers, submit (idempotently) and grade — on submit, when a late attempt is next looked
//! at, by the sweeper after the deadline, and at close. `Exam` holds what that needs (the
//! store, the clock, the boards, the autosave path, the bank snapshot) and answers with
//! `ExamError`; the HTTP layer maps it. Handlers call these; the store only stores.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Mutex;

use question_bank::{
    Choice, Kind, PaperQuestion, Points, Question, assemble, grade_paper, option_key,
};
use serde::Serialize;

use crate::autosave::{AttemptFacts, AttemptFactsCache, AutosaveWriter};
use crate::board::Boards;
use crate::clock::{Clock, Millis, rfc3339};
use crate::group_commit::GroupCommit;
use crate::rules::{ANSWER_GRACE_MS, WindowState, deadline, window_state, within_grace};
use crate::store::attempts::{AnswerToSave, Attempt, FinalGrade, NewAttempt, PaperEntry};
use crate::store::bank::BankSnapshot;
use crate::store::competitions::Competition;
use crate::store::{Store, StoreError};

/// How often the sweeper looks for attempts whose deadline passed.
/// Most new papers one transaction stores.
const MAX_STARTS_PER_COMMIT: usize = 128;
const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// What the exam refuses, and why. Messages are the participant's, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum ExamError {
    #[error("竞赛不存在")]
    CompetitionNotFound,
    /// No such attempt, or someone else's.
    #[error("答卷不存在")]
    AttemptNotFound,
    #[error("第 {0} 题不存在")]
    QuestionNotFound(i64),
    #[error("竞赛尚未开始,开始时间为 {opens_at}")]
    NotOpen { opens_at: String },
    #[error("竞赛已结束,不能再作答")]
    Closed,
    #[error("你已完成本次竞赛(每人可作答 {max_attempts} 次),不能再次作答")]
    NoAttemptsLeft { max_attempts: i64 },
    #[error("题库已变化,无法按本竞赛的要求组卷,请联系组织者")]
    BankChanged,
    /// Past the deadline and its grace; the message says what happened to the request.
    #[error("{0}")]
    DeadlinePassed(&'static str),
    /// Already submitted; the message says what happened to the request.
    #[error("{0}")]
    Submitted(&'static str),
    /// Keys the question does not have, or several for a single-answer question.
    #[error("{0}")]
    InvalidChoice(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that cannot happen unless the store was edited by hand.
    #[error("{0}")]
    Internal(String),
}

/// The exam in motion. Cheap to clone: everything is shared.
#[derive(Clone, Debug)]
pub struct Exam {
    store: Store,
    clock: Clock,
    /// Told of every started and graded attempt.
    boards: Arc<Boards>,
    /// What autosaves are checked against, per attempt, kept in memory.
    attempt_facts: Arc<AttemptFactsCache>,
    /// Group commit for autosaves.
    autosave: AutosaveWriter,
    /// Group commit for new papers: a synchronized start of thousands is stored a batch per
    /// transaction (one fsync each) instead of one transaction per paper.
    starts: GroupCommit<Arc<NewAttempt>, Option<Attempt>>,
    /// The bank snapshot papers are drawn from, rebuilt when the store's bank generation
    /// moves. A tokio Mutex: rebuilding awaits the store, and concurrent starts should wait
    /// for one rebuild rather than each do their own.
    bank: Arc<Mutex<Option<Arc<BankSnapshot>>>>,
}

impl Exam {
    /// The exam over `store`, telling `boards` what happens; starts the autosave writer.
    pub fn new(store: Store, clock: Clock, boards: Arc<Boards>) -> Exam {
        let writer = store.clone();
        Exam {
            autosave: AutosaveWriter::start(store.clone()),
            starts: GroupCommit::start(MAX_STARTS_PER_COMMIT, move |news: Vec<Arc<NewAttempt>>| {
                let store = writer.clone();
                async move {
                    let news: Vec<&NewAttempt> = news.iter().map(Arc::as_ref).collect();
                    store.create_attempts(&news).await
                }
            }),
            attempt_facts: Arc::new(AttemptFactsCache::default()),
            bank: Arc::new(Mutex::new(None)),
            store,
            clock,
            boards,
        }
    }

    /// The competition, or 404.
    pub async fn competition(&self, id: i64) -> Result<Competition, ExamError> {
        self.store
            .competition(id)
            .await?
            .ok_or(ExamError::CompetitionNotFound)
    }

    /// Starts a new attempt, or resumes the one in progress (same paper, same saved answers).
    pub async fn start_attempt(
        &self,
        competition_id: i64,
        participant_id: i64,
    ) -> Result<StartedAttempt, ExamError> {
        let competition = self.competition(competition_id).await?;
        // A rehearsal's participants start only its competitions, real ones only real ones.
        let participant = self.store.participant(participant_id).await?;
        if participant.is_none_or(|p| (p.rehearsal != 0) != competition.rehearsal) {
            return Err(ExamError::CompetitionNotFound);
        }
        let now = self.clock.now();
        match window_state(now, competition.opens_at, competition.closes_at) {
            WindowState::Upcoming => {
                return Err(ExamError::NotOpen {
                    opens_at: china_time(competition.opens_at),
                });
            }
            WindowState::Closed => return Err(ExamError::Closed),
            WindowState::Open => {}
        }
        let attempts = self
            .store
            .attempts_of(competition_id, participant_id)
            .await?;
        if let Some(current) = attempts.iter().find(|a| !a.is_submitted()) {
            if within_grace(now, current.deadline) {
                return Ok(StartedAttempt {
                    attempt: current.clone(),
                    created: false,
                    view: None,
                });
            }
            self.grade_attempt(current, current.deadline).await?;
        }
        if attempts.len() as i64 >= competition.max_attempts {
            return Err(ExamError::NoAttemptsLeft {
                max_attempts: competition.max_attempts,
            });
        }
        let snapshot = self.bank_snapshot().await?;
        let seed = u64::from_le_bytes(crate::auth::random_bytes::<8>());
        let paper = assemble(&snapshot.bank, &competition.blueprint, seed).map_err(|e| {
        tracing::error!(competition_id, error = %e, "the bank no longer satisfies the blueprint");
        ExamError::BankChanged
    })?;
        let new = NewAttempt {
            competition_id,
            participant_id,
            attempt_no: attempts.len() as i64 + 1,
            seed: seed as i64,
            started_at: now,
            deadline: deadline(now, competition.duration_minutes, competition.closes_at),
            max_score: i64::from(paper.max_score().hundredths()),
            paper: paper
                .questions
                .iter()
                .map(|q| PaperEntry {
                    no: i64::from(q.no),
                    question: snapshot.refs[q.bank_index],
                    points: i64::from(q.points.hundredths()),
                    partial_credit: q.partial_credit,
                    option_order: q.option_order.clone(),
                })
                .collect(),
        };
        let new = Arc::new(new);
        match self.starts.write(new.clone()).await? {
            Some(attempt) => {
                self.boards
                    .attempt_started(competition_id, participant_id)
                    .await;
                // The paper was just drawn from the snapshot: answer from memory, and prime the
                // facts autosaves are checked against.
                let questions: Vec<(&PaperEntry, &Question)> = new
                    .paper
                    .iter()
                    .zip(&paper.questions)
                    .map(|(entry, drawn)| (entry, snapshot.bank.question(drawn.bank_index)))
                    .collect();
                self.attempt_facts.insert(
                    attempt.id,
                    AttemptFacts {
                        participant_id,
                        deadline: attempt.deadline,
                        shapes: questions
                            .iter()
                            .map(|(_, q)| (q.kind(), q.option_count()))
                            .collect(),
                    },
                );
                let view = AttemptView {
                    attempt_id: attempt.id,
                    competition_id,
                    status: "in_progress",
                    deadline: rfc3339(attempt.deadline),
                    server_time: rfc3339(now),
                    questions: questions
                        .iter()
                        .map(|(entry, q)| question_view(entry, q, false))
                        .collect(),
                    answers: BTreeMap::new(),
                    max_score: points(attempt.max_score),
                    score: None,
                    correct_count: None,
                    submitted_at: None,
                    rank: None,
                    tab_switches: 0,
                    max_tab_switches: competition.max_tab_switches,
                };
                Ok(StartedAttempt {
                    attempt,
                    created: true,
                    view: Some(view),
                })
            }
            // Two "start" taps at once: the other one created it; resume that.
            None => {
                let attempts = self
                    .store
                    .attempts_of(competition_id, participant_id)
                    .await?;
                let attempt = attempts
                    .into_iter()
                    .find(|a| a.attempt_no == new.attempt_no)
                    .ok_or_else(|| ExamError::Internal("the concurrent attempt vanished".into()))?;
                Ok(StartedAttempt {
                    attempt,
                    created: false,
                    view: None,
                })
            }
        }
    }

    /// The cached bank snapshot, rebuilt when another import changed the bank.
    async fn bank_snapshot(&self) -> Result<Arc<BankSnapshot>, ExamError> {
        let generation = self.store.bank_generation().await?;
        let mut cached = self.bank.lock().await;
        if let Some(snapshot) = cached.as_ref().filter(|s| s.generation == generation) {
            return Ok(snapshot.clone());
        }
        let snapshot = Arc::new(self.store.load_bank().await?);
        *cached = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// An attempt of this participant, or 404 (someone else's attempt is "not found" too).
    pub async fn owned_attempt(
        &self,
        attempt_id: i64,
        participant_id: i64,
    ) -> Result<Attempt, ExamError> {
        self.store
            .attempt(attempt_id)
            .await?
            .filter(|a| a.participant_id == participant_id)
            .ok_or(ExamError::AttemptNotFound)
    }

    /// Autosaves one answer. Keys are the participant's (shuffled) option keys. Checked against
    /// the attempt's cached facts; the store checks that it is still in progress as it writes.
    pub async fn save_answer(
        &self,
        attempt_id: i64,
        participant_id: i64,
        no: i64,
        keys: &[String],
    ) -> Result<(), ExamError> {
        let facts = self
            .attempt_facts
            .get(&self.store, attempt_id)
            .await?
            .filter(|facts| facts.participant_id == participant_id)
            .ok_or(ExamError::AttemptNotFound)?;
        let now = self.clock.now();
        if !within_grace(now, facts.deadline) {
            return Err(ExamError::DeadlinePassed("作答时间已到,答案未保存"));
        }
        let &(kind, option_count) = usize::try_from(no - 1)
            .ok()
            .and_then(|index| facts.shapes.get(index))
            .ok_or(ExamError::QuestionNotFound(no))?;
        let choice = Choice::from_keys(kind, option_count, keys).map_err(|_| {
            let valid: Vec<&str> = (0..option_count).map(|i| option_key(kind, i)).collect();
            ExamError::InvalidChoice(format!("选项只能是 {}", valid.join("、")))
        })?;
        if kind != Kind::Multiple && choice.len() > 1 {
            return Err(ExamError::InvalidChoice(format!(
                "{}只能选一个答案",
                kind.label()
            )));
        }
        let answer = AnswerToSave {
            attempt_id,
            no,
            choice,
            saved_at: now,
        };
        match self.autosave.save(answer).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ExamError::Submitted("试卷已提交,不能再修改答案")),
            Err(e) => Err(e.into()),
        }
    }

    /// Submits (once; later calls return the same result) and ranks the attempt.
    pub async fn submit(
        &self,
        attempt_id: i64,
        participant_id: i64,
    ) -> Result<SubmitResult, ExamError> {
        let mut attempt = self.owned_attempt(attempt_id, participant_id).await?;
        if !attempt.is_submitted() {
            let submitted_at = self.clock.now().min(attempt.deadline);
            self.grade_attempt(&attempt, submitted_at).await?;
            attempt = self.owned_attempt(attempt_id, participant_id).await?;
        }
        let rank = self
            .current_rank(attempt.competition_id, participant_id)
            .await?;
        Ok(SubmitResult {
            score: points(attempt.score.unwrap_or(0)),
            max_score: points(attempt.max_score),
            correct_count: attempt.correct_count.unwrap_or(0),
            duration_seconds: attempt.duration_ms.unwrap_or(0) / 1000,
            rank,
        })
    }

    /// A participant's rank among individuals. The live board already holds every graded
    /// attempt: rank from memory; should another request still be applying one, ask the store.
    async fn current_rank(
        &self,
        competition_id: i64,
        participant_id: i64,
    ) -> Result<Option<u32>, ExamError> {
        let board = self
            .boards
            .board(competition_id)
            .await?
            .ok_or(ExamError::CompetitionNotFound)?;
        match board.rank_of(participant_id) {
            Some(rank) => Ok(Some(rank)),
            None => Ok(crate::board::rank_of(&self.store, competition_id, participant_id).await?),
        }
    }

    /// Counts a switch away from the exam page (切屏); one over the competition's limit submits
    /// the attempt from its saved answers.
    pub async fn record_tab_switch(
        &self,
        attempt_id: i64,
        participant_id: i64,
    ) -> Result<TabSwitchOutcome, ExamError> {
        let attempt = self.owned_attempt(attempt_id, participant_id).await?;
        let already_submitted = || ExamError::Submitted("试卷已提交,切屏不再记录");
        if attempt.is_submitted() {
            return Err(already_submitted());
        }
        if !within_grace(self.clock.now(), attempt.deadline) {
            return Err(ExamError::DeadlinePassed(
                "答题时间已到,试卷已按已保存的答案自动交卷",
            ));
        }
        let tab_switches = self
            .store
            .record_tab_switch(attempt_id)
            .await?
            .ok_or_else(already_submitted)?;
        let competition = self.competition(attempt.competition_id).await?;
        let over_limit = competition
            .max_tab_switches
            .is_some_and(|max| tab_switches > max);
        let result = if over_limit {
            tracing::info!(
                attempt_id,
                tab_switches,
                "tab switch limit exceeded: submitting"
            );
            Some(self.submit(attempt_id, participant_id).await?)
        } else {
            None
        };
        Ok(TabSwitchOutcome {
            tab_switches,
            max_tab_switches: competition.max_tab_switches,
            submitted: result.is_some(),
            result,
        })
    }

    /// The issued paper with the question versions it pins.
    async fn paper_with_questions(
        &self,
        attempt_id: i64,
    ) -> Result<Vec<(PaperEntry, Question)>, ExamError> {
        let paper = self.store.paper(attempt_id).await?;
        let refs: Vec<_> = paper.iter().map(|e| e.question).collect();
        let mut versions = self.store.question_versions(&refs).await?;
        paper
            .into_iter()
            .map(|entry| {
                let question = versions.remove(&entry.question).ok_or_else(|| {
                    ExamError::Internal(format!("question version {:?} is missing", entry.question))
                })?;
                Ok((entry, question))
            })
            .collect()
    }

    /// Grades an attempt from its saved answers and records the grade, unless it was already
    /// graded (by another request, the sweeper, or another server process).
    pub async fn grade_attempt(
        &self,
        attempt: &Attempt,
        submitted_at: Millis,
    ) -> Result<(), ExamError> {
        // The paper and its question versions never change; only the answers are read inside the
        // grading transaction.
        let paper = self.paper_with_questions(attempt.id).await?;
        let items: Vec<(PaperQuestion, &Question)> = paper
            .iter()
            .map(|(entry, question)| (paper_question(entry, question), question))
            .collect();
        let mut score = Points::ZERO;
        let finished = self
            .store
            .finish_attempt(attempt.id, |answers| {
                let answers: BTreeMap<i64, Choice> = answers.iter().copied().collect();
                let shown: Vec<Choice> = items
                    .iter()
                    .map(|(item, _)| {
                        answers
                            .get(&i64::from(item.no))
                            .copied()
                            .unwrap_or(Choice::EMPTY)
                    })
                    .collect();
                let grade = grade_paper(
                    items
                        .iter()
                        .zip(&shown)
                        .map(|((item, question), &response)| (item, *question, response)),
                );
                score = grade.score;
                let responses = paper
                    .iter()
                    .zip(&items)
                    .zip(&shown)
                    .map(|(((entry, _), (item, _)), &response)| {
                        (entry.question, item.to_original(response))
                    })
                    .collect();
                FinalGrade {
                    score: i64::from(grade.score.hundredths()),
                    correct_count: i64::from(grade.correct_count),
                    submitted_at,
                    duration_ms: (submitted_at - attempt.started_at).max(0),
                    responses,
                }
            })
            .await?;
        if finished {
            tracing::info!(attempt_id = attempt.id, %score, "attempt graded");
            self.boards
                .attempt_graded(
                    attempt.competition_id,
                    attempt.participant_id,
                    i64::from(score.hundredths()),
                    (submitted_at - attempt.started_at).max(0),
                    submitted_at,
                )
                .await;
        }
        Ok(())
    }

    /// Grades every attempt whose deadline (plus grace) passed, each at its deadline.
    pub async fn grade_overdue(&self) -> Result<usize, ExamError> {
        let overdue = self
            .store
            .overdue_attempts(self.clock.now() - ANSWER_GRACE_MS)
            .await?;
        for id in &overdue {
            if let Some(attempt) = self.store.attempt(*id).await? {
                self.grade_attempt(&attempt, attempt.deadline).await?;
            }
        }
        Ok(overdue.len())
    }

    /// The background sweeper: grades overdue attempts every second until told to stop.
    pub async fn sweep_overdue_attempts(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SWEEP_INTERVAL) => {}
                _ = stop.changed() => return,
            }
            match self.grade_overdue().await {
                // The store's health has logged the storage fault once; the next sweep retries.
                Err(ExamError::Store(e)) if e.fault().is_some() => {}
                Err(e) => tracing::warn!(error = %e, "grading overdue attempts failed; retrying"),
                Ok(_) => {}
            }
        }
    }

    /// Ends a competition now: the window closes and every attempt in progress is graded from
    /// its saved answers before this returns.
    pub async fn close_competition(&self, competition_id: i64) -> Result<Competition, ExamError> {
        self.competition(competition_id).await?;
        let now = self.clock.now();
        self.store.close_competition(competition_id, now).await?;
        for id in self.store.open_attempts(competition_id).await? {
            if let Some(attempt) = self.store.attempt(id).await? {
                self.grade_attempt(&attempt, now.min(attempt.deadline))
                    .await?;
            }
        }
        self.competition(competition_id).await
    }

    /// The participant's view of an attempt. A late attempt is graded first, so it shows its
    /// result at once. The answer key and explanations are included only once the competition
    /// has closed and nobody can answer any more.
    pub async fn attempt_view(
        &self,
        attempt_id: i64,
        participant_id: i64,
    ) -> Result<AttemptView, ExamError> {
        let mut attempt = self.owned_attempt(attempt_id, participant_id).await?;
        let now = self.clock.now();
        if !attempt.is_submitted() && !within_grace(now, attempt.deadline) {
            self.grade_attempt(&attempt, attempt.deadline).await?;
            attempt = self.owned_attempt(attempt_id, participant_id).await?;
        }
        let competition = self.competition(attempt.competition_id).await?;
        // The key is shown only once no attempt of the competition can still be answered, and
        // only on a graded attempt: after the planned close plus the answer grace, or at once when
        // an organizer closed it (closing grades every attempt in progress).
        let answering_over =
            competition.closed_early_at.is_some() || now > competition.closes_at + ANSWER_GRACE_MS;
        let reveal = attempt.is_submitted() && answering_over;
        let paper = self.paper_with_questions(attempt.id).await?;
        let answers = self.store.answers(attempt.id).await?;
        let kinds: BTreeMap<i64, Kind> = paper.iter().map(|(e, q)| (e.no, q.kind())).collect();
        Ok(AttemptView {
            attempt_id: attempt.id,
            competition_id: attempt.competition_id,
            status: if attempt.is_submitted() {
                "submitted"
            } else {
                "in_progress"
            },
            deadline: rfc3339(attempt.deadline),
            server_time: rfc3339(now),
            questions: paper
                .iter()
                .map(|(entry, question)| question_view(entry, question, reveal))
                .collect(),
            answers: answers
                .into_iter()
                .filter_map(|(no, choice)| Some((no.to_string(), choice.keys(*kinds.get(&no)?))))
                .collect(),
            max_score: points(attempt.max_score),
            score: attempt.score.map(points),
            correct_count: attempt.correct_count,
            submitted_at: attempt.submitted_at.map(rfc3339),
            rank: if attempt.is_submitted() {
                self.current_rank(attempt.competition_id, participant_id)
                    .await?
            } else {
                None
            },
            tab_switches: attempt.tab_switches,
            max_tab_switches: competition.max_tab_switches,
        })
    }
}

pub struct StartedAttempt {
    pub attempt: Attempt,
    /// False when an attempt in progress was resumed.
    pub created: bool,
    /// For a new attempt, its view built from what was just drawn (nothing to re-read).
    pub view: Option<AttemptView>,
}

/// The result of a submitted attempt.
#[derive(Debug, Serialize)]
pub struct SubmitResult {
    pub score: Points,
    pub max_score: Points,
    pub correct_count: i64,
    pub duration_seconds: i64,
    pub rank: Option<u32>,
}

/// What recording a tab switch did.
#[derive(Debug, Serialize)]
pub struct TabSwitchOutcome {
    pub tab_switches: i64,
    pub max_tab_switches: Option<i64>,
    /// True when this switch went over the limit and the attempt was submitted.
    pub submitted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<SubmitResult>,
}

fn points(hundredths: i64) -> Points {
    Points::from_hundredths(u32::try_from(hundredths).unwrap_or(0))
}

fn paper_question(entry: &PaperEntry, question: &Question) -> PaperQuestion {
    PaperQuestion {
        no: entry.no as u32,
        bank_index: 0,
        kind: question.kind(),
        points: points(entry.points),
        partial_credit: entry.partial_credit,
        option_order: entry.option_order.clone(),
    }
}

/// An option as participants see it.
#[derive(Debug, Serialize)]
pub struct OptionView {
    pub key: &'static str,
    pub text: String,
}

/// A question as participants see it; `answer` and `explanation` only after the close.
#[derive(Debug, Serialize)]
pub struct QuestionView {
    pub no: i64,
    pub kind: Kind,
    pub stem: String,
    pub options: Vec<OptionView>,
    pub points: Points,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regulation: Option<String>,
}

/// An attempt as its participant sees it.
#[derive(Debug, Serialize)]
pub struct AttemptView {
    pub attempt_id: i64,
    pub competition_id: i64,
    pub status: &'static str,
    pub deadline: String,
    pub server_time: String,
    pub questions: Vec<QuestionView>,
    pub answers: BTreeMap<String, Vec<&'static str>>,
    pub max_score: Points,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Points>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// The participant's current rank among individuals, once submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    pub tab_switches: i64,
    pub max_tab_switches: Option<i64>,
}

fn question_view(entry: &PaperEntry, question: &Question, reveal: bool) -> QuestionView {
    let item = paper_question(entry, question);
    QuestionView {
        no: entry.no,
        kind: question.kind(),
        stem: question.stem().to_owned(),
        options: entry
            .option_order
            .iter()
            .enumerate()
            .map(|(shown, &original)| OptionView {
                key: option_key(question.kind(), shown),
                text: question.option_text(usize::from(original)).to_owned(),
            })
            .collect(),
        points: item.points,
        answer: reveal.then(|| item.to_shown(question.answer()).keys(question.kind())),
        explanation: if reveal {
            question.explanation().map(str::to_owned)
        } else {
            None
        },
        regulation: reveal.then(|| {
            format!(
                "《{}》{}",
                question.regulation(),
                question.article().unwrap_or("")
            )
        }),
    }
}

/// A time as people in China read it: `2026-06-05 09:00`.
pub fn china_time(at: Millis) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("+08:00 is a valid offset");
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}
