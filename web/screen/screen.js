// The projector page: connects to the competition's leaderboard websocket, draws the boards
// with rank-change animation, counts down to the close by the server's clock, and reconnects
// by itself (exponential backoff with jitter). Every name comes from users: text only.

const TOP = 10;
const competitionId = Number(location.pathname.split("/").filter(Boolean)[1]);
const $ = (id) => document.getElementById(id);

let closesAt = null;
let opensAt = null;
let clockOffset = 0; // server time − local time, in ms

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

function formatDuration(seconds) {
  return `${Math.floor(seconds / 60)}分${pad(seconds % 60)}秒`;
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
      element = document.createElement("li");
      element.className = "row new";
      element.dataset.key = k;
      const rank = document.createElement("span");
      rank.className = "rank";
      const who = document.createElement("span");
      who.className = "who";
      const name = document.createElement("span");
      name.className = "name";
      const sub = document.createElement("span");
      sub.className = "sub";
      who.append(name, sub);
      const score = document.createElement("span");
      score.className = "score";
      element.append(rank, who, score);
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

let failures = 0;
let lastSeq = -1;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/competitions/${competitionId}/leaderboard?top=${TOP}`);
  socket.addEventListener("open", () => {
    failures = 0;
    showConnection("live", "实时连接");
  });
  socket.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type !== "snapshot" || frame.seq < lastSeq) return;
    lastSeq = frame.seq;
    draw(frame);
  });
  socket.addEventListener("close", () => {
    failures += 1;
    // Exponential backoff with jitter, capped at 30 s, so a hall of screens and phones does
    // not reconnect all at once after a server restart.
    const base = Math.min(30000, 500 * 2 ** Math.min(failures, 6));
    const delay = base / 2 + Math.random() * (base / 2);
    showConnection("down", `连接中断,${Math.ceil(delay / 1000)} 秒后重连`);
    lastSeq = -1;
    setTimeout(start, delay);
  });
}

async function start() {
  showConnection("connecting", "连接中");
  try {
    if (!(await loadCompetition())) {
      setTimeout(start, 5000);
      return;
    }
  } catch {
    failures += 1;
    setTimeout(start, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
    showConnection("down", "服务器暂时无法连接");
    return;
  }
  connect();
}

const qr = $("qr");
qr.src = `/api/competitions/${competitionId}/join-qr.svg`;
setText($("join-url"), `${location.protocol}//${location.host}/?competition=${competitionId}`);
setInterval(tick, 250);
start();
