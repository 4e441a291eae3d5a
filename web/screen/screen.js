// The projector page: follows the competition's live board (web/shared/board.js), draws the
// rankings with rank-change animation, counts down to the close by the server's clock, and
// reads the competition again before each reconnect. Every name comes from users: text only.

import { connectBoard } from "/static/shared/board.js";
import { el } from "/static/shared/dom.js";
import { formatDuration } from "/static/shared/format.js";

const TOP = 10;
const competitionId = Number(location.pathname.split("/").filter(Boolean)[1]);
const $ = (id) => document.getElementById(id);

let closesAt = null;
let opensAt = null;
let clockOffset = 0; // server time − local time, in ms

// Here rather than imported: the projector's text goes in through this one line, where
// tests/e2e/live.rs looks for it.
function setText(element, text) {
  element.textContent = text;
}

async function loadCompetition() {
  const response = await fetch(`/api/competitions/${competitionId}`, { cache: "no-store" });
  if (!response.ok) {
    setText($("title"), response.status === 404 ? "竞赛不存在" : "暂时无法连接服务器");
    return false;
  }
  const serverDate = Date.parse(response.headers.get("date") ?? "");
  if (!Number.isNaN(serverDate)) clockOffset = serverDate - Date.now();
  const competition = await response.json();
  setText($("title"), competition.title);
  document.title = `${competition.title} · 实时排行`;
  closesAt = Date.parse(competition.closes_at);
  opensAt = Date.parse(competition.opens_at);
  return true;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function tick() {
  if (closesAt === null) return;
  const now = Date.now() + clockOffset;
  let label = "距离结束";
  let target = closesAt;
  if (now < opensAt) {
    label = "距离开始";
    target = opensAt;
  }
  const left = Math.max(0, Math.floor((target - now) / 1000));
  setText($("countdown-label"), now >= closesAt ? "竞赛已结束" : label);
  const days = Math.floor(left / 86400);
  const h = Math.floor((left % 86400) / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const clock = `${pad(h)}:${pad(m)}:${pad(s)}`;
  setText($("countdown"), days > 0 ? `${days}天 ${clock}` : clock);
}

// Draws rows keyed by `key`, moving existing elements so they can slide (FLIP animation).
function drawRows(list, rows, key, fill) {
  const before = new Map();
  for (const element of list.children) {
    before.set(element.dataset.key, { element, top: element.getBoundingClientRect().top, rank: Number(element.dataset.rank) });
  }
  const kept = new Set();
  rows.forEach((row) => {
    const k = key(row);
    kept.add(k);
    let entry = before.get(k);
    let element = entry?.element;
    if (!element) {
      element = el(
        "li",
        { className: "row new", dataset: { key: k } },
        el("span", { className: "rank" }),
        el("span", { className: "who" }, el("span", { className: "name" }), el("span", { className: "sub" })),
        el("span", { className: "score" })
      );
      setTimeout(() => element.classList.remove("new"), 1500);
    } else if (entry.rank > row.rank) {
      element.classList.add("moved-up");
      setTimeout(() => element.classList.remove("moved-up"), 1500);
    }
    element.dataset.rank = row.rank;
    fill(element, row);
    list.append(element); // re-appending puts the rows in the new order
  });
  for (const [k, { element }] of before) {
    if (!kept.has(k)) element.remove();
  }
  // FLIP: start each moved row at its old place, then let it slide to the new one.
  for (const element of list.children) {
    const entry = before.get(element.dataset.key);
    if (!entry) continue;
    const delta = entry.top - element.getBoundingClientRect().top;
    if (delta !== 0) {
      element.style.transition = "none";
      element.style.transform = `translateY(${delta}px)`;
      requestAnimationFrame(() => {
        element.style.transition = "";
        element.style.transform = "";
      });
    }
  }
}

function draw(frame) {
  setText($("registered"), String(frame.stats.registered));
  setText($("started"), String(frame.stats.started));
  setText($("submitted"), String(frame.stats.submitted));
  drawRows($("individuals"), frame.individuals, (r) => `${r.name}\u0000${r.company}`, (element, r) => {
    setText(element.querySelector(".rank"), String(r.rank));
    setText(element.querySelector(".name"), r.name);
    setText(element.querySelector(".sub"), `${r.company} · 用时 ${formatDuration(r.duration_seconds)}`);
    setText(element.querySelector(".score"), String(r.score));
  });
  drawRows($("companies"), frame.companies, (r) => r.company, (element, r) => {
    setText(element.querySelector(".rank"), String(r.rank));
    setText(element.querySelector(".name"), r.company);
    setText(element.querySelector(".sub"), `${r.participants} 人参赛`);
    setText(element.querySelector(".score"), String(r.score));
  });
  $("individuals-empty").hidden = frame.individuals.length > 0;
  $("companies-empty").hidden = frame.companies.length > 0;
}

function showConnection(state, text) {
  const badge = $("connection");
  badge.className = `connection ${state}`;
  setText(badge, text);
}

const qr = $("qr");
qr.src = `/api/competitions/${competitionId}/join-qr.svg`;
setText($("join-url"), `${location.protocol}//${location.host}/?competition=${competitionId}`);
setInterval(tick, 250);
connectBoard(competitionId, {
  top: TOP,
  onFrame: draw,
  onConnection: showConnection,
  // The title and the server's clock are read again before each connection.
  beforeConnect: loadCompetition,
});
