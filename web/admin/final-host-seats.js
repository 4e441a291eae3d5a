// The host's table of seats: who is connected, each score, the stake picked (风险题), the
// answer sent and when (the answer key is the host's alone), the buzz order, the result after
// the reveal, and per seat the host's ruling (✓ / ✗, an oral answer) and a score adjustment
// (delta and reason). Rows are built once per seat and only updated: frames arrive up to ten a
// second, and an adjustment being typed must survive them.

import { el } from "/static/shared/dom.js";
import { formatKeys, signed } from "/static/shared/final.js";
import { setText } from "./dom.js";

const JUDGE_PHASES = ["answering", "closed", "revealed", "scoreboard"];
const MAX_REASON = 200;

function byseat(list) {
  const map = new Map();
  for (const entry of list ?? []) map.set(entry.seat, entry);
  return map;
}

/**
 * act(action, extra) sends a host action and resolves true when it was done. Returns
 * {element, draw(state), setBusy(busy)}.
 */
export function createSeatTable(act) {
  const tbody = el("tbody");
  const rows = new Map();
  let busy = false;
  let last = null;

  function buildRow(seat) {
    const cells = {
      seat: el("td", { className: "num", text: seat.seat }),
      who: el("td", {}, el("span", { className: "name" }), el("span", { className: "company" })),
      online: el("td"),
      score: el("td", { className: "num score" }),
      stake: el("td", { className: "num" }),
      answer: el("td"),
      buzz: el("td"),
      result: el("td"),
    };
    const right = el("button", { type: "button", className: "small judge-right", text: "✓ 判对", dataset: { judge: "true", seat: seat.seat } });
    const wrong = el("button", { type: "button", className: "small judge-wrong", text: "✗ 判错", dataset: { judge: "false", seat: seat.seat } });
    const delta = el("input", { type: "number", step: 1, className: "delta", placeholder: "±分", attrs: { "aria-label": `${seat.seat} 号席调整分数` }, dataset: { adjustDelta: seat.seat } });
    const reason = el("input", { className: "reason", maxLength: MAX_REASON, placeholder: "调整原因", attrs: { "aria-label": `${seat.seat} 号席调整原因` }, dataset: { adjustReason: seat.seat } });
    const adjust = el("button", { type: "button", className: "small", text: "调整", dataset: { adjust: seat.seat } });
    const error = el("span", { className: "field-error" });
    right.addEventListener("click", () => act("judge", { seat: seat.seat, correct: true }));
    wrong.addEventListener("click", () => act("judge", { seat: seat.seat, correct: false }));
    const sendAdjust = async () => {
      const text = delta.value.trim();
      const value = Number(text);
      const why = reason.value.trim();
      setText(error, "");
      if (!/^-?\d+$/.test(text) || value === 0) return setText(error, "请填写不为 0 的整数,扣分用负数");
      if (why.length < 1 || [...why].length > MAX_REASON) return setText(error, `请填写调整原因(1 到 ${MAX_REASON} 个字)`);
      if (await act("adjust", { seat: seat.seat, delta: value, reason: why })) {
        delta.value = "";
        reason.value = "";
      }
    };
    adjust.addEventListener("click", sendAdjust);
    for (const input of [delta, reason]) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          sendAdjust();
        }
      });
    }
    const element = el(
      "tr",
      { dataset: { seat: seat.seat } },
      Object.values(cells),
      el("td", { className: "judge" }, right, wrong),
      el("td", { className: "adjust" }, delta, reason, adjust, error)
    );
    return { element, cells, right, wrong, adjust, delta, reason };
  }

  function draw(state) {
    last = state;
    const host = state.host ?? {};
    const answers = byseat(host.answers);
    const stakes = byseat(host.stakes);
    const results = byseat(state.reveal?.results);
    const order = state.buzz?.order ?? [];
    const kind = state.question?.kind;
    const buzzRound = state.round?.kind === "buzz";
    const seats = state.seats ?? [];
    for (const seat of seats) {
      let row = rows.get(seat.seat);
      if (!row) {
        row = buildRow(seat);
        rows.set(seat.seat, row);
      }
      tbody.append(row.element); // keeps the seats' order; an existing row only moves
      const { cells } = row;
      setText(cells.who.querySelector(".name"), seat.name);
      setText(cells.who.querySelector(".company"), seat.company ?? "");
      setText(cells.online, seat.connected ? "在线" : "未连接");
      cells.online.dataset.connected = String(!!seat.connected);
      setText(cells.score, seat.score);
      const stake = stakes.get(seat.seat);
      setText(cells.stake, stake ? stake.stake : seat.staked ? "已选" : "");
      const answer = answers.get(seat.seat);
      const when = typeof answer?.ms === "number" ? ` · ${(answer.ms / 1000).toFixed(1)} 秒` : "";
      setText(cells.answer, answer ? `${formatKeys(answer.choice, kind)}${when}` : seat.answered ? "已作答" : "");
      const place = order.findIndex((entry) => entry.seat === seat.seat);
      const winner = state.buzz?.winner === seat.seat;
      setText(cells.buzz, place < 0 ? "" : `${winner ? "★ " : ""}第 ${place + 1} · ${order[place].ms} 毫秒`);
      const result = results.get(seat.seat);
      setText(cells.result, result ? `${result.correct ? "✓" : "✗"} ${signed(result.delta)}` : "");
      cells.result.dataset.correct = result ? String(!!result.correct) : "";
      row.element.classList.toggle("winner", winner);
      // In `answering` only the buzz winner may be judged (the ruling closes the question).
      const judgeable = JUDGE_PHASES.includes(state.phase) && !!state.question && (state.phase !== "answering" || !buzzRound || winner);
      row.right.disabled = busy || !judgeable;
      row.wrong.disabled = busy || !judgeable;
      row.adjust.disabled = busy || state.phase === "lobby";
    }
    for (const [key, row] of rows) {
      if (!seats.some((seat) => seat.seat === key)) {
        row.element.remove();
        rows.delete(key);
      }
    }
  }

  const element = el(
    "table",
    { id: "host-seats", className: "data host-seats" },
    el("thead", {}, el("tr", {}, ["席位", "选手", "连接", "得分", "分值", "作答", "抢答", "本题结果", "裁定", "调整分数"].map((text) => el("th", { text })))),
    tbody
  );
  return {
    element,
    draw,
    setBusy(value) {
      busy = value;
      if (last) draw(last);
    },
  };
}
