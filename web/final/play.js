// The phone's play view: one screen that follows the final's phase — waiting, the stake
// picker (风险题), the question with its big option buttons, the 抢答 button, 已作答, the result
// on the reveal, the scoreboard. Built once; each frame only updates it, so a finger on a
// button never finds it replaced under it (frames come up to ten a second). What the phone
// may do is turn.js's; this module only draws it.

import { el, fill } from "/static/shared/dom.js";
import {
  QUESTION_KINDS,
  ROUND_KINDS,
  formatKeys,
  label,
  optionMark,
  optionsOf,
  rankSeats,
  remainingMs,
  secondsLeft,
  signed,
} from "/static/shared/final.js";
import {
  buzzButton,
  buzzOrder,
  buzzWinner,
  canAnswer,
  hasAnswered,
  iAmAnswering,
  myAnswer,
  myResult,
  myStake,
  offeredStakes,
  roundKind,
  showsQuestion,
} from "./turn.js";

const BUZZ_TEXT = { waiting: "抢答", armed: "抢答!", won: "抢到了!", lost: "未抢到", closed: "抢答结束" };

function show(element, visible) {
  element.hidden = !visible;
}

/**
 * handlers: {choose(key), submit(), buzz(), stake(value)}. Returns {element, draw(model),
 * tick(model), message(text)}.
 */
export function createPlayView(handlers) {
  const parts = {
    round: el("span", { id: "final-round", className: "round" }),
    number: el("span", { id: "final-qno", className: "qno" }),
    clock: el("span", { className: "play-clock-number" }),
    fill: el("span", { className: "play-clock-fill" }),
    paused: el("p", { id: "final-paused", className: "paused", text: "比赛暂停中,请等待主持人继续", hidden: true }),
    wait: el("p", { id: "final-wait", className: "wait" }),
    stakeHint: el("p", { className: "stake-hint" }),
    stakeButtons: el("div", { className: "stake-buttons", id: "final-stake-buttons" }),
    stakeState: el("p", { id: "final-stake-state", className: "stake-state" }),
    kind: el("span", { className: "badge kind" }),
    points: el("span", { className: "points" }),
    stem: el("p", { id: "final-stem", className: "stem" }),
    buzzResult: el("p", { id: "final-buzz-result", className: "buzz-result" }),
    buzzOrder: el("ol", { id: "final-buzz-order", className: "buzz-order" }),
    options: el("div", { id: "final-options", className: "options" }),
    answerState: el("p", { id: "final-answer-state", className: "answer-state", attrs: { role: "status" } }),
    resultMark: el("span", { className: "result-mark" }),
    resultText: el("span", { className: "result-text" }),
    resultKey: el("p", { className: "result-key" }),
    boardTitle: el("h2", { className: "board-title" }),
    boardMine: el("p", { id: "final-board-mine", className: "board-mine" }),
    boardSeats: el("ol", { id: "final-board-seats", className: "board-list" }),
    audienceTitle: el("h3", { text: "观众排行(前 10 名)" }),
    boardAudience: el("ol", { id: "final-board-audience", className: "board-list audience" }),
    message: el("p", { id: "final-message", className: "message", attrs: { role: "alert" }, hidden: true }),
  };
  parts.countdown = el("span", { id: "final-countdown", className: "play-clock", hidden: true }, parts.clock, el("span", { className: "play-clock-bar" }, parts.fill));
  parts.bar = el("div", { className: "play-bar" }, el("span", { className: "play-where" }, parts.round, parts.number), parts.countdown);
  parts.stakes = el("section", { id: "final-stakes", className: "card stakes", hidden: true }, el("h2", { text: "选择本题分值" }), parts.stakeHint, parts.stakeButtons, parts.stakeState);
  parts.buzz = el("button", { type: "button", id: "final-buzz", className: "buzz", dataset: { state: "waiting" } });
  attachBuzz(parts.buzz, handlers.buzz);
  parts.buzzArea = el("div", { id: "final-buzz-area", className: "buzz-area", hidden: true }, parts.buzz, parts.buzzResult, parts.buzzOrder);
  parts.submit = el("button", { type: "button", id: "final-submit", className: "button block", text: "提交答案", hidden: true, on: { click: handlers.submit } });
  parts.result = el("div", { id: "final-result", className: "result", hidden: true, attrs: { role: "status" } }, el("p", { className: "result-line" }, parts.resultMark, parts.resultText), parts.resultKey);
  parts.question = el(
    "article",
    { id: "final-question", className: "card question", hidden: true },
    el("p", { className: "play-head" }, parts.kind, parts.points),
    parts.stem,
    parts.buzzArea,
    parts.options,
    parts.submit,
    parts.answerState,
    parts.result
  );
  parts.board = el("section", { id: "final-board", className: "card board", hidden: true }, parts.boardTitle, parts.boardMine, parts.boardSeats, parts.audienceTitle, parts.boardAudience);
  const element = el("section", { id: "play-view", className: "play" }, parts.bar, parts.paused, parts.wait, parts.stakes, parts.question, parts.board, parts.message);

  let optionsFor = null; // the question the option buttons were built for
  let stakesFor = "";

  function drawOptions(model) {
    const q = model.state.question;
    const key = `${model.state.round ? model.state.round.no : ""}.${q.no}`;
    if (optionsFor !== key) {
      optionsFor = key;
      parts.options.setAttribute("role", q.kind === "multiple" ? "group" : "radiogroup");
      fill(
        parts.options,
        optionsOf(q).map((option) =>
          el(
            "button",
            { type: "button", className: "option", dataset: { key: option.key }, on: { click: () => handlers.choose(option.key) } },
            el("span", { className: "option-key", text: optionMark(q.kind, option.key) }),
            el("span", { className: "option-text", text: option.text })
          )
        )
      );
    }
    const live = canAnswer(model);
    const answer = myAnswer(model) || [];
    const picked = model.mine.pending || [];
    const reveal = model.state.reveal;
    const correct = reveal && reveal.answer ? reveal.answer : [];
    Array.prototype.forEach.call(parts.options.children, (button) => {
      const k = button.dataset.key;
      const chosen = answer.indexOf(k) >= 0 || (!answer.length && picked.indexOf(k) >= 0);
      button.disabled = !live;
      button.classList.toggle("selected", chosen);
      button.classList.toggle("correct", !!reveal && correct.indexOf(k) >= 0);
      button.classList.toggle("wrong", !!reveal && chosen && correct.indexOf(k) < 0);
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    show(parts.submit, q.kind === "multiple" && live);
    parts.submit.disabled = picked.length === 0 || !!model.mine.sending;
  }

  function drawBuzz(model) {
    const button = buzzButton(model);
    show(parts.buzzArea, !!button);
    if (!button) return;
    parts.buzz.dataset.state = button.state;
    // Once pressed, the disc shrinks to a bar: the winner's options must be in reach at once.
    parts.buzzArea.dataset.compact = button.state === "waiting" || button.state === "armed" ? "false" : "true";
    parts.buzz.disabled = !button.enabled;
    parts.buzz.textContent = model.mine.buzzing ? "…" : BUZZ_TEXT[button.state];
    let text = "";
    if (button.state === "waiting") text = model.state.paused ? "比赛暂停中" : "主持人宣布开始后再按,提前按可能扣分";
    else if (button.state === "armed") text = buzzWinner(model) !== null ? "已有选手抢到,仍可按下记录名次" : "";
    else if (button.state === "won") text = iAmAnswering(model) ? "请在倒计时内作答" : "你抢到了本题";
    else if (button.state === "lost") text = "其他选手先抢到了";
    parts.buzzResult.textContent = text;
    fill(
      parts.buzzOrder,
      buzzOrder(model).map((entry, index) =>
        el("li", { className: entry.seat === model.seat ? "mine" : "", dataset: { seat: entry.seat } }, `${index + 1}. `, el("span", { className: "name", text: entry.name || `${entry.seat} 号席` }), ` ${entry.ms} 毫秒`)
      )
    );
  }

  function drawStakes(model) {
    const values = offeredStakes(model);
    const stake = myStake(model);
    const key = values.join(",");
    if (stakesFor !== key) {
      stakesFor = key;
      fill(parts.stakeButtons, values.map((value) => el("button", { type: "button", className: "stake", dataset: { stake: value }, text: `${value} 分`, on: { click: () => handlers.stake(value) } })));
    }
    Array.prototype.forEach.call(parts.stakeButtons.children, (button) => {
      button.classList.toggle("selected", Number(button.dataset.stake) === stake);
      button.disabled = !!model.mine.sending || model.state.paused;
    });
    parts.stakeHint.textContent = "答对加上所选分值,答错或不答扣除所选分值。";
    parts.stakeState.textContent = stake === null ? `还没有选择:不选按最小的 ${values.length ? Math.min.apply(null, values) : ""} 分计` : `已选 ${stake} 分,题目出示前可以更改`;
  }

  function drawAnswerState(model) {
    let text = "";
    let state = "";
    if (model.mine.sending) {
      text = "正在提交…";
      state = "sending";
    } else if (hasAnswered(model) && !model.state.reveal) {
      const answer = myAnswer(model);
      text = answer ? `已作答:${formatKeys(answer, model.state.question.kind)}` : "已作答";
      state = "answered";
    } else if (roundKind(model) === "risk" && model.role === "seat" && myStake(model) !== null) {
      text = `本题分值 ${myStake(model)} 分`;
    }
    parts.answerState.textContent = text;
    parts.answerState.dataset.state = state;
  }

  function drawResult(model) {
    const result = myResult(model);
    show(parts.result, !!result);
    if (!result) return;
    const q = model.state.question;
    parts.result.dataset.correct = result.correct === null ? "none" : String(result.correct);
    parts.resultMark.textContent = result.correct === null ? "—" : result.correct ? "✓" : "✗";
    let text = result.correct === null ? "本题未抢到,不计分" : result.unanswered ? "未作答" : result.correct ? "回答正确" : "回答错误";
    if (result.delta !== null && result.scored) text += ` ${signed(result.delta)} 分`;
    parts.resultText.textContent = text;
    parts.resultKey.textContent = `正确答案:${formatKeys(model.state.reveal.answer, q.kind, "—")}`;
  }

  function drawBoard(model) {
    const state = model.state;
    const ranked = rankSeats(state.seats);
    parts.boardTitle.textContent = state.phase === "finished" ? "比赛结束 · 最终比分" : "当前比分";
    fill(
      parts.boardSeats,
      ranked.map((seat) =>
        el("li", { className: model.role === "seat" && seat.seat === model.seat ? "mine" : "", dataset: { seat: seat.seat } },
          el("span", { className: "rank", text: seat.rank }),
          el("span", { className: "name", text: seat.name }),
          el("span", { className: "score", text: seat.score }))
      )
    );
    const top = state.audience_top || [];
    show(parts.audienceTitle, top.length > 0);
    fill(parts.boardAudience, top.map((entry, index) => el("li", {}, el("span", { className: "rank", text: index + 1 }), el("span", { className: "name", text: entry.nickname }), el("span", { className: "score", text: entry.score }))));
    let mine = "";
    if (model.role === "seat") {
      const me = ranked.filter((seat) => seat.seat === model.seat)[0];
      if (me) mine = `你的得分 ${me.score} 分,第 ${me.rank} 名`;
    } else if (model.me && typeof model.me.score === "number") {
      mine = `你的得分 ${model.me.score} 分`;
    }
    parts.boardMine.textContent = mine;
  }

  function waitText(model) {
    const state = model.state;
    switch (state.phase) {
      case "lobby":
        return "比赛即将开始,请等待主持人宣布开始";
      case "stakes":
        return model.role === "seat" ? "" : "选手正在选择本题分值,请稍候";
      case "question":
        return roundKind(model) === "buzz" ? "请看题目,主持人宣布开始后抢答" : "请看题目,主持人开始计时后作答";
      case "answering": {
        if (iAmAnswering(model)) return "";
        const winner = buzzWinner(model);
        const seat = (state.seats || []).filter((s) => s.seat === winner)[0];
        return seat ? `${seat.name} 抢到答题权,正在作答` : "抢答者正在作答";
      }
      case "closed":
        return "作答结束,等待公布答案";
      case "finished":
        return "比赛结束,感谢参与!";
      default:
        return "";
    }
  }

  function draw(model) {
    const state = model.state;
    element.dataset.phase = state.phase;
    element.dataset.role = model.role;
    element.dataset.round = roundKind(model) || "";
    element.dataset.paused = state.paused ? "true" : "false";
    const round = state.round;
    parts.round.textContent = round ? round.title || label(ROUND_KINDS, round.kind) : "";
    parts.number.textContent = round && state.question ? `第 ${state.question.no} / ${round.count} 题` : "";
    show(parts.bar, !!round);
    show(parts.paused, !!state.paused);
    const wait = waitText(model);
    parts.wait.textContent = wait;
    show(parts.wait, !!wait);
    show(parts.stakes, state.phase === "stakes" && model.role === "seat");
    if (state.phase === "stakes" && model.role === "seat") drawStakes(model);
    const question = showsQuestion(model);
    show(parts.question, question);
    if (question) {
      const q = state.question;
      parts.kind.textContent = label(QUESTION_KINDS, q.kind);
      parts.points.textContent = roundKind(model) === "risk" ? "风险题" : `${q.points} 分`;
      parts.stem.textContent = q.stem;
      drawBuzz(model);
      drawOptions(model);
      drawAnswerState(model);
      drawResult(model);
    }
    const board = state.phase === "scoreboard" || state.phase === "finished";
    show(parts.board, board);
    if (board) drawBoard(model);
    tick(model);
  }

  // Four times a second: the countdown only (model.countdown: {timing, totalMs} or null).
  function tick(model) {
    const countdown = model.countdown;
    const left = countdown ? remainingMs(countdown.timing) : null;
    show(parts.countdown, left !== null);
    if (left === null) return;
    parts.clock.textContent = `${secondsLeft(left)} 秒`;
    parts.countdown.dataset.urgent = left <= 5000 ? "true" : "false";
    const share = countdown.totalMs ? Math.max(0, Math.min(1, left / countdown.totalMs)) : 0;
    parts.fill.style.width = `${(share * 100).toFixed(1)}%`;
  }

  function message(text) {
    parts.message.textContent = text || "";
    show(parts.message, !!text);
  }

  return { element, draw, tick, message };
}

/**
 * The 抢答 button fires on the finger's touch, not on its release (a click comes ~100 ms
 * later); the click that follows a touch is swallowed, and a mouse's click still works.
 */
function attachBuzz(button, buzz) {
  let touchedAt = 0;
  button.addEventListener(
    "touchstart",
    (event) => {
      if (button.disabled) return;
      event.preventDefault();
      touchedAt = Date.now();
      buzz();
    },
    { passive: false }
  );
  button.addEventListener("click", () => {
    if (Date.now() - touchedAt < 1000) return;
    buzz();
  });
}
