// What one phone may do now, read from the state and what the phone remembers of the current
// question (docs/FINAL.md): whether its options are live, whether it has answered, the 抢答
// button's state, its stake, its result. Pure functions of the model, no DOM: play.js draws
// what these say.
//
// The model: {state, role: "seat" | "audience", seat, me (GET …/me, or null: the score and
// name), mine (this question, from this phone's requests and …/me: answer, pending, sending,
// stake, offered, buzz, buzzing, scoreBefore, audienceDelta, windowEndsAt), now (Date.now())}.

import { resultOf, sameKeys, seatOf } from "/static/shared/final.js";

const QUESTION_PHASES = ["question", "open", "answering", "closed", "revealed"];

export function mySeat(model) {
  return model.role === "seat" ? seatOf(model.state, model.seat) : null;
}

export function roundKind(model) {
  return model.state.round ? model.state.round.kind : null;
}

export function showsQuestion(model) {
  return !!model.state.question && QUESTION_PHASES.indexOf(model.state.phase) >= 0;
}

/** The choice this phone sent for the current question, when it knows it (sent, or learnt from …/me). */
export function myAnswer(model) {
  return model.mine.answer;
}

export function hasAnswered(model) {
  if (myAnswer(model)) return true;
  const seat = mySeat(model);
  return !!(seat && seat.answered);
}

export function hasBuzzed(model) {
  if (model.mine.buzz) return true;
  const buzz = model.state.buzz;
  const order = buzz && buzz.order ? buzz.order : [];
  for (let i = 0; i < order.length; i += 1) if (order[i].seat === model.seat) return true;
  return false;
}

/** The seat holding the answer on a 抢答 question now. */
export function buzzWinner(model) {
  const buzz = model.state.buzz;
  return buzz && buzz.winner !== null && buzz.winner !== undefined ? buzz.winner : null;
}

export function iAmAnswering(model) {
  return model.role === "seat" && model.state.phase === "answering" && buzzWinner(model) === model.seat;
}

/**
 * Whether the audience's own window has ended: on a 抢答 question it is the countdown of the
 * first arm (remembered as `windowEndsAt`), not the buzz winner's.
 */
function audienceWindowOver(model) {
  return typeof model.mine.windowEndsAt === "number" && model.now >= model.mine.windowEndsAt;
}

/** Whether the options take a tap now. */
export function canAnswer(model) {
  const state = model.state;
  if (!showsQuestion(model) || state.paused || hasAnswered(model) || model.mine.sending) return false;
  if (model.role === "audience") {
    if (state.phase !== "open" && state.phase !== "answering") return false;
    return !audienceWindowOver(model);
  }
  if (roundKind(model) === "buzz") return iAmAnswering(model);
  return state.phase === "open";
}

/**
 * The 抢答 button of a seat on a 抢答 question, or null when there is none:
 * {state: "waiting" | "armed" | "won" | "lost" | "closed", enabled}. Before the arm it takes
 * a press (the server refuses it as too early, and may dock the final's early-buzz penalty).
 */
export function buzzButton(model) {
  if (model.role !== "seat" || roundKind(model) !== "buzz" || !showsQuestion(model)) return null;
  const phase = model.state.phase;
  if (hasBuzzed(model)) {
    const won = (model.mine.buzz && model.mine.buzz.won) || (buzzWinner(model) === model.seat);
    return { state: won ? "won" : "lost", enabled: false };
  }
  if (model.state.paused) return { state: "waiting", enabled: false };
  if (phase === "question") return { state: "waiting", enabled: !model.mine.buzzing };
  if (phase === "open" || phase === "answering") return { state: "armed", enabled: !model.mine.buzzing };
  return { state: "closed", enabled: false };
}

/** The buzz order to show: the state's (it has every buzz), else this phone's reply's. */
export function buzzOrder(model) {
  const buzz = model.state.buzz;
  if (buzz && buzz.order && buzz.order.length) return buzz.order;
  return model.mine.buzz && model.mine.buzz.order ? model.mine.buzz.order : [];
}

/** The stake this seat plays on the current 风险题 (its pick, or null when none yet). */
export function myStake(model) {
  return typeof model.mine.stake === "number" ? model.mine.stake : null;
}

/** The values offered on this 风险题 (the state only has them during `stakes`). */
export function offeredStakes(model) {
  return model.state.stakes && model.state.stakes.length ? model.state.stakes : model.mine.offered || [];
}

/**
 * This phone's result on the revealed question: {correct: true | false | null, delta
 * (null when unknown), scored}. A seat reads its line of `reveal.results` (a 抢答 seat that did
 * not win the buzz has none: not scored); the audience compares its answer with the key and
 * learns its points from its score.
 */
export function myResult(model) {
  const reveal = model.state.reveal;
  if (!reveal) return null;
  if (model.role === "seat") {
    const result = resultOf(model.state, model.seat);
    if (!result) return { correct: null, delta: 0, scored: false };
    return { correct: !!result.correct, delta: result.delta, scored: true };
  }
  const answer = myAnswer(model);
  if (!answer) return { correct: false, delta: 0, scored: true, unanswered: true };
  const correct = sameKeys(answer, reveal.answer || []);
  const delta = correct ? model.mine.audienceDelta : 0;
  return { correct, delta: typeof delta === "number" ? delta : null, scored: true };
}

/** The score shown in the header: a seat's from the state, the audience's from GET …/me. */
export function myScore(model) {
  const seat = mySeat(model);
  if (seat) return seat.score;
  return model.me && typeof model.me.score === "number" ? model.me.score : null;
}

/**
 * Whether `next` shows a question other than `prev`'s: what the phone remembers of a question
 * (its answer, stake, buzz) is for that question only. A 风险题's stakes phase has no
 * question yet, so the step into `stakes` or into a first `question` marks the change too.
 */
export function isNewQuestion(prev, next) {
  if (!prev) return false;
  const prevRound = prev.round ? prev.round.no : null;
  const nextRound = next.round ? next.round.no : null;
  if (prevRound !== nextRound) return true;
  if (prev.question && next.question && prev.question.no !== next.question.no) return true;
  if (next.phase === "stakes") return prev.phase !== "stakes";
  if (next.phase === "question") return prev.phase !== "stakes" && prev.phase !== "question";
  return false;
}
