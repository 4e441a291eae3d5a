// The projector's seat views: the lobby's seats, the strip of seats under a question (who has
// picked a stake, answered, buzzed; each one's result on the reveal), the scoreboard whose
// rows slide to their new ranks (web/shared/flip.js) and the podium at the end. Names and
// companies are people's text: in through `el` (textContent) only.

import { el, fill } from "/static/shared/dom.js";
import { rankSeats, resultOf, signed } from "/static/shared/final.js";
import { reorderList } from "/static/shared/flip.js";

const $ = (id) => document.getElementById(id);
// On entering the scoreboard the hall first sees the previous order, then the rows move.
const REORDER_DELAY_MS = 800;

export function drawLobby(state) {
  fill(
    $("lobby-seats"),
    (state.seats || []).map((seat) =>
      el(
        "li",
        { className: "seat-card", dataset: { seat: seat.seat, connected: seat.connected ? "true" : "false" } },
        el("span", { className: "seat-no", text: seat.seat }),
        el("span", { className: "seat-who" }, el("span", { className: "seat-name", text: seat.name }), el("span", { className: "seat-company", text: seat.company || "" })),
        el("span", { className: "seat-online", text: seat.connected ? "已就位" : "未连接" })
      )
    )
  );
  const audience = state.audience || { joined: 0 };
  $("lobby-audience").textContent = `已有 ${audience.joined || 0} 位观众加入`;
}

export function drawStakes(state) {
  const values = state.stakes || [];
  $("stake-values").textContent = values.map((value) => `${value} 分`).join(" / ");
}

function buzzStatus(state, seat) {
  const order = state.buzz && state.buzz.order ? state.buzz.order : [];
  for (let i = 0; i < order.length; i += 1) {
    if (order[i].seat !== seat.seat) continue;
    if (state.buzz.winner === seat.seat) return { text: seat.answered ? "已作答" : "抢到答题权", tone: "won" };
    return { text: `第 ${i + 1} 位 · ${order[i].ms} 毫秒`, tone: "wait" };
  }
  return { text: "", tone: "" };
}

function seatStatus(state, seat) {
  if (state.phase === "stakes") return seat.staked ? { text: "已选分值", tone: "ok" } : { text: "选择中", tone: "wait" };
  if (state.reveal) {
    const result = resultOf(state, seat.seat);
    if (!result) return { text: "不计分", tone: "" };
    return { text: `${result.correct ? "✓" : "✗"} ${signed(result.delta)}`, tone: result.correct ? "right" : "wrong" };
  }
  if (state.round && state.round.kind === "buzz") return buzzStatus(state, seat);
  if (seat.answered) return { text: "已作答", tone: "ok" };
  if (state.phase === "open") return { text: "作答中", tone: "wait" };
  return { text: "", tone: "" };
}

export function drawSeatStrip(state) {
  fill(
    $("seat-strip"),
    (state.seats || []).map((seat) => {
      const status = seatStatus(state, seat);
      return el(
        "li",
        { className: "strip-seat", dataset: { seat: seat.seat, tone: status.tone, connected: seat.connected ? "true" : "false" } },
        el("span", { className: "strip-name", text: seat.name }),
        el("span", { className: "strip-status", text: status.text || (seat.connected ? "" : "未连接") }),
        el("span", { className: "strip-score", text: seat.score })
      );
    })
  );
}

function rankRow() {
  return el(
    "li",
    { className: "rank-row" },
    el("span", { className: "rank" }),
    el("span", { className: "who" }, el("span", { className: "name" }), el("span", { className: "company" })),
    el("span", { className: "score" })
  );
}

function fillRankRow(element, seat) {
  element.dataset.seat = seat.seat;
  element.dataset.rank = seat.rank;
  element.querySelector(".rank").textContent = seat.rank;
  element.querySelector(".name").textContent = seat.name;
  element.querySelector(".company").textContent = seat.company || "";
  element.querySelector(".score").textContent = seat.score;
}

function placeSeats(seats) {
  const moved = reorderList($("scoreboard-seats"), seats, (seat) => seat.seat, rankRow, fillRankRow);
  moved.forEach((key) => {
    const row = $("scoreboard-seats").querySelector(`[data-key="${key}"]`);
    row.classList.add("moved-up");
    setTimeout(() => row.classList.remove("moved-up"), 2000);
  });
}

let reorderTimer = 0;

/**
 * The scoreboard. `entering`: the region has just been shown. Its rows still stand in the
 * order of the last scoreboard (the seats' order the first time): they move to the new ranks
 * after a moment, so the hall sees who overtook whom.
 */
export function drawScoreboard(state, entering) {
  const ranked = rankSeats(state.seats);
  clearTimeout(reorderTimer);
  const list = $("scoreboard-seats");
  if (entering) {
    if (list.children.length === 0) placeSeats((state.seats || []).map((seat) => Object.assign({}, seat, { rank: "" })));
    reorderTimer = setTimeout(() => placeSeats(ranked), REORDER_DELAY_MS);
  } else {
    placeSeats(ranked);
  }
  const top = state.audience_top || [];
  fill(
    $("scoreboard-audience"),
    top.map((entry, index) => el("li", {}, el("span", { className: "rank", text: index + 1 }), el("span", { className: "name", text: entry.nickname }), el("span", { className: "score", text: entry.score })))
  );
  $("scoreboard-audience-empty").hidden = top.length > 0;
}

const PLACES = ["first", "second", "third"];
// Characters a podium step shows on one line at full size (440 px at 56–72 px a character).
const LONG_PODIUM_NAME = 6;

export function drawPodium(state) {
  const ranked = rankSeats(state.seats);
  const podium = ranked.slice(0, 3);
  // Standing order on the stage: second, first, third.
  const standing = [podium[1], podium[0], podium[2]].filter(Boolean);
  fill(
    $("podium"),
    standing.map((seat) =>
      el(
        "li",
        { className: `step ${PLACES[ranked.indexOf(seat)]}`, dataset: { seat: seat.seat, rank: seat.rank } },
        el("span", { className: `step-name${[...seat.name].length > LONG_PODIUM_NAME ? " long" : ""}`, text: seat.name }),
        el("span", { className: "step-company", text: seat.company || "" }),
        el("span", { className: "step-score", text: `${seat.score} 分` }),
        el("span", { className: "step-block" }, el("span", { className: "step-rank", text: `第 ${seat.rank} 名` }))
      )
    )
  );
  fill(
    $("podium-rest"),
    ranked.slice(3).map((seat) => el("li", { dataset: { seat: seat.seat } }, el("span", { className: "rank", text: seat.rank }), el("span", { className: "name", text: seat.name }), el("span", { className: "score", text: seat.score })))
  );
  const best = (state.audience_top || []).slice(0, 3);
  $("audience-best").textContent = best.length ? `观众前三名:${best.map((entry) => `${entry.nickname}(${entry.score} 分)`).join("、")}` : "";
}
