// The projector's question region: the stem, the options (after the reveal: the key
// highlighted and two bars per option, the seats' and the audience's answers), the countdown
// ring by the server's deadline, how many have answered, and on a 抢答 question who buzzed.

import { el, fill } from "/static/shared/dom.js";
import {
  QUESTION_KINDS,
  countdownTotalMs,
  label,
  optionMark,
  optionsOf,
  remainingMs,
  secondsLeft,
} from "/static/shared/final.js";

const $ = (id) => document.getElementById(id);
const RING_LENGTH = 2 * Math.PI * 140; // the circle's circumference in screen.html

let optionsFor = "";

function total(distribution) {
  return Object.keys(distribution || {}).reduce((sum, key) => sum + (Number(distribution[key]) || 0), 0);
}

function bar(kind, caption, count, all) {
  const share = all > 0 ? count / all : 0;
  return el(
    "span",
    { className: `bar ${kind}` },
    el("span", { className: "bar-caption", text: caption }),
    el("span", { className: "bar-track" }, el("span", { className: "bar-fill", attrs: { style: `width: ${(share * 100).toFixed(1)}%` } })),
    el("span", { className: "bar-count", text: `${count} 人 · ${Math.round(share * 100)}%` })
  );
}

function drawOptions(state) {
  const q = state.question;
  const list = $("question-options");
  const key = `${state.round ? state.round.no : ""}.${q.no}`;
  if (optionsFor !== key) {
    optionsFor = key;
    // Long option texts get a column each, and smaller type, rather than spilling off the screen.
    const longest = optionsOf(q).reduce((most, option) => Math.max(most, String(option.text || "").length), 0);
    list.dataset.size = longest > 40 ? "long" : longest > 16 ? "medium" : "short";
    fill(
      list,
      optionsOf(q).map((option) =>
        el(
          "li",
          { className: "option", dataset: { key: option.key } },
          el("span", { className: "option-key", text: optionMark(q.kind, option.key) }),
          el("span", { className: "option-text", text: option.text }),
          el("span", { className: "option-bars" })
        )
      )
    );
  }
  const reveal = state.reveal;
  const seats = reveal ? reveal.distribution || {} : {};
  const audience = reveal ? reveal.audience_distribution || {} : {};
  const seatsAll = total(seats);
  const audienceAll = total(audience);
  Array.prototype.forEach.call(list.children, (item) => {
    const k = item.dataset.key;
    item.classList.toggle("correct", !!reveal && (reveal.answer || []).indexOf(k) >= 0);
    item.classList.toggle("dimmed", !!reveal && (reveal.answer || []).indexOf(k) < 0);
    const bars = item.querySelector(".option-bars");
    if (reveal) fill(bars, bar("seats", "选手", Number(seats[k]) || 0, seatsAll), bar("audience", "观众", Number(audience[k]) || 0, audienceAll));
    else fill(bars);
  });
}

function seatName(state, seat) {
  const found = (state.seats || []).filter((s) => s.seat === seat)[0];
  return found ? found.name : `${seat} 号席`;
}

function drawBuzz(state) {
  const panel = $("buzz-panel");
  const buzz = state.round && state.round.kind === "buzz";
  panel.hidden = !buzz;
  if (!buzz) return;
  const order = state.buzz && state.buzz.order ? state.buzz.order : [];
  const winner = state.buzz && state.buzz.winner !== null && state.buzz.winner !== undefined ? state.buzz.winner : null;
  let headline = "";
  let name = "";
  if (state.phase === "question") headline = "等待主持人宣布开始抢答";
  else if (state.phase === "open") headline = "抢答开始!";
  else if (state.phase === "answering") {
    headline = "抢到答题权";
    name = winner !== null ? seatName(state, winner) : "";
  } else {
    headline = order.length ? "抢答结果" : "无人抢答";
    name = order.length ? seatName(state, order[0].seat) : "";
  }
  panel.dataset.phase = state.phase;
  $("buzz-headline").textContent = headline;
  $("buzz-winner").textContent = name;
  fill(
    $("buzz-order"),
    order.slice(0, 5).map((entry, index) =>
      el("li", { dataset: { seat: entry.seat } }, el("span", { className: "order-no", text: `${index + 1}` }), el("span", { className: "order-name", text: entry.name || seatName(state, entry.seat) }), el("span", { className: "order-ms", text: `${entry.ms} 毫秒` }))
    )
  );
}

export function drawQuestion(state) {
  const q = state.question;
  $("question-kind").textContent = label(QUESTION_KINDS, q.kind);
  $("question-no").textContent = state.round ? `第 ${q.no} / ${state.round.count} 题` : "";
  $("question-points").textContent = state.round && state.round.kind === "risk" ? "分值由选手自选" : `${q.points} 分`;
  $("question-stem").textContent = q.stem;
  $("question-stem").dataset.size = q.stem.length > 100 ? "long" : q.stem.length > 50 ? "medium" : "short";
  drawOptions(state);
  const explanation = state.reveal && state.reveal.explanation ? `解析:${state.reveal.explanation}` : "";
  $("question-explanation").textContent = explanation;
  $("question-explanation").hidden = !explanation;
  const seats = (state.seats || []).length;
  $("count-seats").textContent = `${state.answered || 0} / ${seats}`;
  const audience = state.audience || { joined: 0, answered: 0 };
  $("count-audience").textContent = `${audience.answered || 0} / ${audience.joined || 0}`;
  drawBuzz(state);
}

const RING_LABELS = { question: "准备", open: "作答中", answering: "抢答者作答", closed: "作答结束", revealed: "答案揭晓" };

/** The countdown ring, several times a second; `timing` from timingOf(). */
export function tickRing(state, timing) {
  const ring = $("ring");
  const totalMs = countdownTotalMs(state);
  let left = remainingMs(timing);
  let share = 0;
  if (left === null) {
    // Not counting: full before the countdown starts, empty once it is over.
    left = state.phase === "question" && totalMs ? totalMs : 0;
    share = state.phase === "question" ? 1 : 0;
  } else if (totalMs) {
    share = Math.max(0, Math.min(1, left / totalMs));
  }
  ring.dataset.state = state.paused ? "paused" : left <= 5000 && (state.phase === "open" || state.phase === "answering") ? "urgent" : state.phase;
  const fillCircle = $("ring-fill");
  fillCircle.style.strokeDasharray = String(RING_LENGTH);
  fillCircle.style.strokeDashoffset = String(RING_LENGTH * (1 - share));
  // An empty ring draws nothing: Chromium measures the circle a little shorter than 2πr and
  // otherwise leaves an arc of the round cap at the top, as if time were left.
  fillCircle.style.visibility = share > 0 ? "visible" : "hidden";
  $("ring-number").textContent = state.phase === "closed" || state.phase === "revealed" ? "" : String(secondsLeft(left));
  $("ring-label").textContent = state.paused ? "已暂停" : RING_LABELS[state.phase] || "";
}
