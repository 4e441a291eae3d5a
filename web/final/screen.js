// The projector of a live final, `/final/{id}/screen`: no login, no mouse, read from the back
// of a hall. It follows the public state over `/ws/finals/{id}` (web/shared/socket.js,
// reconnecting by itself) and shows one region per phase, chosen by `data-phase` and
// `data-region` on <body>: the lobby with the audience's QR code and code, the stakes of a
// 风险题, the question (countdown ring, answered counts, buzzes, then the reveal), the
// scoreboard, the podium. Every name is people's text: in with textContent only.

import { audienceJoinUrl, label, ROUND_KINDS, timingOf } from "/static/shared/final.js";
import { connectSocket } from "/static/shared/socket.js";
import { drawLobby, drawPodium, drawScoreboard, drawSeatStrip, drawStakes } from "./screen-board.js";
import { drawQuestion, tickRing } from "./screen-question.js";

const finalId = Number(location.pathname.split("/").filter(Boolean)[1]);
const $ = (id) => document.getElementById(id);
const REGIONS = { lobby: "lobby", stakes: "stakes", question: "question", open: "question", answering: "question", closed: "question", revealed: "question", scoreboard: "scoreboard", finished: "finished" };

let state = null;
let timing = null;

function drawHeader(frame) {
  $("title").textContent = frame.title || "现场决赛";
  document.title = `${frame.title || "现场决赛"} · 大屏`;
  const round = frame.round;
  $("where").hidden = !round;
  $("round-kind").textContent = round ? label(ROUND_KINDS, round.kind) : "";
  $("round-title").textContent = round && round.title && round.title !== label(ROUND_KINDS, round.kind) ? round.title : "";
  const code = frame.code || "";
  $("join-code").textContent = code;
  $("join-url").textContent = `${location.host}/final`;
  $("join-hint").textContent = code ? `观众参与:打开 ${audienceJoinUrl(code)} · 决赛码 ${code}` : "";
}

function draw(frame, receivedAt) {
  const previousRegion = state ? REGIONS[state.phase] : "";
  state = frame;
  timing = timingOf(frame, receivedAt);
  const region = REGIONS[frame.phase] || "lobby";
  document.body.dataset.phase = frame.phase;
  document.body.dataset.region = region;
  document.body.dataset.paused = frame.paused ? "true" : "false";
  document.body.dataset.round = frame.round ? frame.round.kind : "";
  drawHeader(frame);
  if (region === "lobby") drawLobby(frame);
  if (region === "stakes") drawStakes(frame);
  if (region === "question" && frame.question) drawQuestion(frame);
  if (region === "scoreboard") drawScoreboard(frame, previousRegion !== "scoreboard");
  if (region === "finished") drawPodium(frame);
  if (region === "stakes" || region === "question") drawSeatStrip(frame);
  tick();
}

function tick() {
  if (state && state.question && REGIONS[state.phase] === "question") tickRing(state, timing);
}

function showConnection(connection, text) {
  const badge = $("connection");
  badge.className = `connection ${connection}`;
  badge.textContent = text;
}

// Before every connection: the final exists (else say so and ask again in 5 s), and its
// state is drawn at once, even before the socket's first frame.
async function loadState() {
  const response = await fetch(`/api/finals/${finalId}/state`, { cache: "no-store" });
  if (!response.ok) {
    $("title").textContent = response.status === 404 ? "没有这场决赛" : "暂时无法连接服务器";
    return false;
  }
  const frame = await response.json();
  draw(frame, Date.now());
  return true;
}

$("join-qr").src = `/api/finals/${finalId}/join-qr.svg`;
setInterval(tick, 200);
connectSocket({
  address: () => `/ws/finals/${finalId}`,
  accept: (frame) => frame.type === "state",
  onFrame: (frame) => draw(frame, Date.now()),
  onConnection: showConnection,
  beforeConnect: loadState,
});
