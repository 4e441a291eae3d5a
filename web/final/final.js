// The live final on a phone, `/final` (docs/FINAL.md; docs/PAGES.md, "The live final"): join
// as a seat or as the audience (join.js), then follow the final (session.js) until the seat
// is taken by another device, the token stops working or the person leaves. A reload rejoins
// silently with the token saved for that final; `/final?code=123456` (the projector's QR code)
// resumes the final with that code, or fills the code into the join form.

import { fill } from "/static/shared/dom.js";
import { entryToResume, forgetEntry, saveEntry } from "./api.js";
import { setupJoin, showJoin } from "./join.js";
import { startSession } from "./session.js";
import { myScore } from "./turn.js";

const $ = (id) => document.getElementById(id);
const LEAVE_CONFIRM_MS = 3000;

const wantedMatch = /[?&]code=(\d{6})(?:&|$)/.exec(location.search);
const wantedCode = wantedMatch ? wantedMatch[1] : "";

let entry = null;
let session = null;

function showView(name) {
  document.body.dataset.view = name;
  $("final-loading").hidden = true;
  $("join-view").hidden = name !== "join";
  $("replaced-view").hidden = name !== "replaced";
  $("play-root").hidden = name !== "play";
  $("final-leave").hidden = name !== "play";
  $("final-score").hidden = name !== "play";
  if (name !== "play") {
    $("final-connection").hidden = true;
    $("final-who").textContent = "";
  }
}

function endSession() {
  if (session) session.stop();
  session = null;
}

const ui = {
  mount(element) {
    fill($("play-root"), element);
  },
  header(model) {
    const state = model.state;
    $("final-title").textContent = state.title || "现场决赛";
    document.title = `${state.title || "现场决赛"} · 现场决赛`;
    let who = "";
    if (model.role === "seat") {
      const seat = (state.seats || []).filter((s) => s.seat === model.seat)[0];
      who = seat ? `${model.seat} 号席 · ${seat.name}` : `${model.seat} 号席`;
    } else {
      const nickname = model.me && model.me.nickname ? model.me.nickname : entry.nickname || "";
      who = `观众 · ${nickname}`;
    }
    $("final-who").textContent = who;
    const score = myScore(model);
    $("final-score").textContent = score === null ? "" : `${score} 分`;
    $("final-score").hidden = score === null;
  },
  connection(state, text) {
    const badge = $("final-connection");
    badge.dataset.state = state;
    badge.textContent = state === "down" ? `网络中断:${text}` : text;
    badge.hidden = state === "live";
  },
  unauthorized(message) {
    const left = entry;
    forgetEntry(left.final_id);
    endSession();
    showView("join");
    showJoin({ message, code: left.code, tab: left.role });
  },
  replaced() {
    forgetEntry(entry.final_id);
    endSession();
    showView("replaced");
  },
  learnCode(code) {
    if (entry.code === code) return;
    entry.code = code;
    saveEntry(entry);
  },
};

function begin(joined) {
  endSession();
  entry = joined;
  showView("play");
  session = startSession(entry, ui);
}

function onJoined(reply, body) {
  const seat = reply.seat !== undefined && reply.seat !== null;
  const joined = { final_id: reply.final_id, token: reply.token, role: seat ? "seat" : "audience" };
  if (seat) joined.seat = reply.seat;
  else {
    joined.audience_id = reply.audience_id;
    joined.nickname = body.nickname;
    joined.code = body.code;
  }
  saveEntry(joined);
  begin(joined);
}

// 退出 takes two taps (alert/confirm are blocked or ugly in WeChat's browser): the first asks.
let leaveTimer = 0;
$("final-leave").addEventListener("click", () => {
  const button = $("final-leave");
  if (!leaveTimer) {
    button.textContent = "确定退出?";
    button.dataset.confirm = "true";
    leaveTimer = setTimeout(() => {
      leaveTimer = 0;
      button.textContent = "退出";
      delete button.dataset.confirm;
    }, LEAVE_CONFIRM_MS);
    return;
  }
  clearTimeout(leaveTimer);
  leaveTimer = 0;
  button.textContent = "退出";
  delete button.dataset.confirm;
  const left = entry;
  forgetEntry(left.final_id);
  endSession();
  showView("join");
  showJoin({ code: left.code, tab: left.role });
});

$("replaced-rejoin").addEventListener("click", () => {
  showView("join");
  showJoin({ tab: "seat" });
  $("join-code").focus();
});

setupJoin(onJoined);
const resumable = entryToResume(wantedCode);
if (resumable) {
  begin(resumable);
} else {
  showView("join");
  showJoin({ code: wantedCode });
  if (wantedCode) $("join-nickname").focus();
}
