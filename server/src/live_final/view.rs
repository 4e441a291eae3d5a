//! The state every screen draws from (docs/FINAL.md, "The state"), built from a `Show`: the
//! public view (projector, seats, audience) and the host's, which adds the answer key. The key
//! enters the public view only from the reveal on, for the question revealed.

use std::collections::BTreeMap;

use question_bank::Choice;
use serde_json::{Value, json};

use super::show::{FinalQuestion, Phase, RoundKind, Seat, Show};
use crate::clock::{Millis, rfc3339};

/// What the show does not know: the final's name and code, who is connected, the audience.
#[derive(Clone, Debug, Default)]
pub struct Surroundings {
    pub final_id: i64,
    pub title: String,
    pub code: String,
    /// Seat index → a device is connected.
    pub connected: Vec<bool>,
    pub audience_joined: i64,
    pub audience_answered: i64,
    /// Option bits → how many audience members chose exactly that (for the reveal).
    pub audience_choices: Vec<(u8, i64)>,
    pub audience_top: Vec<(String, i64)>,
}

fn keys_of(question: &FinalQuestion, bits: u8) -> Vec<&'static str> {
    Choice::from_bits(bits).keys(question.kind)
}

fn question_json(show: &Show) -> Value {
    let (Some(round), Some(question), Some(at)) = (show.round(), show.question(), show.at) else {
        return Value::Null;
    };
    if matches!(show.phase, Phase::Stakes | Phase::Lobby | Phase::Finished) {
        return Value::Null;
    }
    let options = options_json(question);
    json!({
        "no": at.question + 1,
        "kind": question.kind.as_str(),
        "stem": question.stem,
        "options": options,
        "points": round.points,
        "seconds": round.seconds,
        "answer_seconds": (round.kind == RoundKind::Buzz).then_some(round.answer_seconds),
    })
}

/// How many chose each key (a multiple-choice answer counts once for each key it names).
fn distribution(question: &FinalQuestion, choices: impl Iterator<Item = (u8, i64)>) -> Value {
    let mut counts: BTreeMap<&'static str, i64> = question
        .keyed_options()
        .into_iter()
        .map(|(key, _)| (key, 0))
        .collect();
    for (bits, count) in choices {
        for key in keys_of(question, bits) {
            *counts.entry(key).or_default() += count;
        }
    }
    json!(counts)
}

fn reveal_json(show: &Show, around: &Surroundings) -> Value {
    let (Some(question), Some(results)) = (show.question(), show.play.results.as_ref()) else {
        return Value::Null;
    };
    let seat_choices = show.play.answers.values().map(|a| (a.choice, 1));
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "seat": r.seat + 1,
                "choice": r.choice.map(|bits| keys_of(question, bits)),
                "correct": r.correct,
                "delta": r.delta,
            })
        })
        .collect();
    json!({
        "answer": question.answer().keys(question.kind),
        "explanation": question.explanation,
        "distribution": distribution(question, seat_choices),
        "audience_distribution": distribution(question, around.audience_choices.iter().copied()),
        "results": results,
    })
}

fn buzz_json(show: &Show) -> Value {
    if show.round().is_none_or(|r| r.kind != RoundKind::Buzz) || show.play.buzzes.is_empty() {
        return Value::Null;
    }
    json!({
        "winner": show.play.winner.map(|s| s + 1),
        "order": buzz_order(show),
    })
}

/// The accepted buzzes, earliest first, with names and milliseconds after the arm.
pub fn buzz_order(show: &Show) -> Vec<Value> {
    show.play
        .buzzes
        .iter()
        .map(|b| json!({ "seat": b.seat + 1, "name": show.plan.seats[b.seat].name, "ms": b.ms }))
        .collect()
}

/// A seat as every list names it: `{seat, name, company}` (numbered from 1).
pub fn seat_entry(index: usize, seat: &Seat) -> Value {
    json!({ "seat": index + 1, "name": seat.name, "company": seat.company })
}

/// A question's options with their keys, as every screen shows them.
pub fn options_json(question: &FinalQuestion) -> Vec<Value> {
    question
        .keyed_options()
        .into_iter()
        .map(|(key, text)| json!({ "key": key, "text": text }))
        .collect()
}

/// The public state: what the projector, the seats and the audience receive.
pub fn public_state(show: &Show, around: &Surroundings, now: Millis) -> Value {
    let round = show.round().zip(show.at).map(|(round, at)| {
        json!({
            "no": at.round + 1,
            "kind": round.kind,
            "title": round.title,
            "count": round.questions.len(),
        })
    });
    let seats: Vec<Value> = show
        .plan
        .seats
        .iter()
        .enumerate()
        .map(|(i, seat)| {
            let mut entry = seat_entry(i, seat);
            entry["score"] = json!(show.scores[i]);
            entry["answered"] = json!(show.play.answers.contains_key(&i));
            entry["staked"] =
                json!(show.phase == Phase::Stakes && show.play.stakes.contains_key(&i));
            entry["connected"] = json!(around.connected.get(i).copied().unwrap_or(false));
            entry
        })
        .collect();
    let stakes = match (show.phase, show.round()) {
        (Phase::Stakes, Some(round)) => json!(round.stakes),
        _ => Value::Null,
    };
    json!({
        "type": "state",
        "final_id": around.final_id,
        "title": around.title,
        "code": around.code,
        "seq": show.seq,
        "phase": show.phase.as_str(),
        "paused": show.is_paused(),
        "server_time": rfc3339(now),
        "round": round,
        "question": question_json(show),
        "deadline": show.deadline.map(rfc3339),
        "remaining_ms": show.paused_remaining,
        "answered": show.play.answers.len(),
        "stakes": stakes,
        "buzz": buzz_json(show),
        "reveal": reveal_json(show, around),
        "seats": seats,
        "audience": { "joined": around.audience_joined, "answered": around.audience_answered },
        "audience_top": show.has_revealed().then(|| {
            around.audience_top.iter().map(|(nickname, score)| json!({ "nickname": nickname, "score": score })).collect::<Vec<_>>()
        }),
    })
}

/// The host's state: the public one and, for the current question, the key, every seat's
/// answer and stake, the big button's action and whether `undo` has something to revert.
pub fn host_state(show: &Show, around: &Surroundings, now: Millis) -> Value {
    let mut state = public_state(show, around, now);
    let question = show.question().filter(|_| show.phase != Phase::Lobby);
    let host = json!({
        "answer": question.map(|q| q.answer().keys(q.kind)),
        "explanation": question.and_then(|q| q.explanation.clone()),
        "answers": question.map(|q| show.play.answers.iter().map(|(seat, a)| json!({
            "seat": seat + 1,
            "choice": keys_of(q, a.choice),
            "ms": show.play.opened_at.map(|opened| a.at - opened),
        })).collect::<Vec<_>>()),
        "stakes": show.play.stakes.iter().map(|(seat, stake)| json!({ "seat": seat + 1, "stake": stake })).collect::<Vec<_>>(),
        "next_action": show.next_action(),
        "can_undo": !show.steps.is_empty(),
    });
    state["host"] = host;
    state
}
