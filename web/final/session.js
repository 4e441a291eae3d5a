// One joined phone following its final: the socket (`/ws/finals/{id}?token=…`, reconnecting
// with the shared backoff, at once when the phone wakes or the network returns), what the
// phone remembers of the current question, GET …/me after the first state of every
// connection (a phone that slept learns back its own answer, stake and buzz), and the seat's
// and audience's requests (answer, buzz, stake), each with the `seq` of the latest state.

import { connectSocket } from "/static/shared/socket.js";
import { countdownTotalMs, optionsOf, timingOf } from "/static/shared/final.js";
import { finalApi } from "./api.js";
import { createPlayView } from "./play.js";
import { canAnswer, isNewQuestion, roundKind } from "./turn.js";

// After a reveal the whole audience asks for its score at once: spread over this much.
const SCORE_JITTER_MS = 1500;
// A phone hidden for longer than this reconnects when shown again: its socket may be dead
// without knowing it (a sleeping phone's TCP connection dropped by the Wi-Fi).
const WAKE_RECONNECT_AFTER_MS = 5000;

function freshMemory() {
  return { answer: null, pending: [], sending: false, stake: null, offered: null, buzz: null, buzzing: false, audienceDelta: null, scoreBefore: null, windowEndsAt: null };
}

/**
 * entry: the saved join ({final_id, token, role, seat?}). ui: {mount(element), header(model),
 * connection(state, text), unauthorized(message), replaced(), learnCode(code)}.
 * Returns {stop}.
 */
export function startSession(entry, ui) {
  const api = finalApi(entry);
  const role = entry.role;
  let state = null;
  let receivedAt = 0;
  let me = null;
  let mine = freshMemory();
  let socket = null;
  let firstFrame = true;
  let tokenSuspect = false; // the last socket closed before any frame: ask …/me before the next
  let hiddenAt = 0;
  let ticker = 0;
  let stopped = false;

  const view = createPlayView({ choose, submit, buzz, stake });
  ui.mount(view.element);

  function model() {
    return { state, role, seat: entry.seat, me, mine, now: Date.now(), countdown: countdown() };
  }

  function countdown() {
    if (!state || (state.phase !== "open" && state.phase !== "answering")) return null;
    // The audience answers a 抢答 question within the first arm's countdown, not the winner's.
    if (role === "audience" && roundKind({ state }) === "buzz" && state.phase === "answering") {
      return typeof mine.windowEndsAt === "number" ? { timing: { endsAt: mine.windowEndsAt }, totalMs: state.question.seconds * 1000 } : null;
    }
    const timing = timingOf(state, receivedAt);
    return timing ? { timing, totalMs: countdownTotalMs(state) } : null;
  }

  let lastLive = false; // whether the options took a tap at the last drawing

  function redraw() {
    if (!state || stopped) return;
    const m = model();
    lastLive = canAnswer(m);
    view.draw(m);
    ui.header(m);
  }

  // The countdown, and the options closing by themselves when it runs out.
  function tick() {
    if (!state || stopped) return;
    const m = model();
    if (canAnswer(m) !== lastLive) redraw();
    else view.tick(m);
  }

  function say(text) {
    view.message(text);
  }

  function forget(error) {
    if (error.status === 401 || error.status === 404) {
      stop();
      ui.unauthorized(error.status === 401 ? "身份已失效(可能已在另一台设备上登录),请重新加入" : error.message);
      return true;
    }
    return false;
  }

  /**
   * `…/me`: the score and name for the header, and what this phone sent for the question it
   * was asked on (`asked`: that question's memory, so a reply that arrives after the next
   * question began cannot mark the new one answered).
   */
  function applyMe(asked, reply) {
    me = reply;
    if (reply.answer && reply.answer.length && !asked.answer) asked.answer = reply.answer;
    if (typeof reply.stake === "number" && asked.stake === null) asked.stake = reply.stake;
    if (reply.buzzed && !asked.buzz) asked.buzz = { won: !!(state && state.buzz && state.buzz.winner === entry.seat), order: [] };
    const phase = state ? state.phase : "";
    if (phase !== "revealed" && phase !== "scoreboard" && phase !== "finished" && asked.scoreBefore === null) asked.scoreBefore = reply.score;
    if (role === "audience" && phase === "revealed" && typeof asked.scoreBefore === "number") asked.audienceDelta = reply.score - asked.scoreBefore;
    redraw();
  }

  function fetchMe() {
    const asked = mine;
    return api.me().then(
      (reply) => applyMe(asked, reply),
      (error) => {
        if (!forget(error)) throw error;
      }
    );
  }

  function onFrame(frame) {
    if (frame.type === "replaced") {
      stop();
      ui.replaced();
      return;
    }
    if (frame.type !== "state") return;
    const previous = state;
    if (isNewQuestion(previous, frame)) mine = Object.assign(freshMemory(), { scoreBefore: me ? me.score : null });
    state = frame;
    receivedAt = Date.now();
    if (frame.stakes && frame.stakes.length) mine.offered = frame.stakes;
    if (frame.phase === "open" && frame.round && frame.round.kind === "buzz" && mine.windowEndsAt === null) {
      const timing = timingOf(frame, receivedAt);
      if (timing && timing.endsAt) mine.windowEndsAt = timing.endsAt;
    }
    if (frame.code) ui.learnCode(frame.code);
    if (firstFrame) {
      firstFrame = false;
      fetchMe().catch(() => {});
    } else if (role === "audience" && previous && previous.phase !== frame.phase && (frame.phase === "revealed" || (frame.phase === "closed" && previous.reveal))) {
      // The audience's score moves at a reveal (and back at its undo): ask for it, spread out.
      setTimeout(() => fetchMe().catch(() => {}), Math.random() * SCORE_JITTER_MS);
    }
    redraw();
  }

  function latestSeq() {
    return state ? state.seq : 0;
  }

  function refused(error) {
    if (forget(error)) return;
    say(error.message);
  }

  /**
   * One request of the phone: `flag` ("sending" or "buzzing") is set in the question's memory
   * while it runs, and the reply lands in that memory even when a new question has begun.
   */
  function send(flag, call, onReply, onRefusal) {
    const asked = mine;
    asked[flag] = true;
    say("");
    redraw();
    call()
      .then(
        (reply) => onReply(asked, reply),
        (error) => {
          if (onRefusal) onRefusal(asked, error);
          refused(error);
        }
      )
      .then(() => {
        asked[flag] = false;
        redraw();
      });
  }

  function sendAnswer(choice) {
    const multiple = state.question.kind === "multiple";
    mine.pending = choice;
    send(
      "sending",
      () => api.answer(latestSeq(), choice),
      (asked) => {
        asked.answer = choice;
      },
      (asked, error) => {
        if (!multiple) asked.pending = [];
        if (error.code === "already_answered") fetchMe().catch(() => {});
      }
    );
  }

  function choose(key) {
    if (!state || !canAnswer(model())) return;
    if (state.question.kind === "multiple") {
      const picked = mine.pending.indexOf(key) >= 0 ? mine.pending.filter((k) => k !== key) : mine.pending.concat([key]);
      const order = optionsOf(state.question).map((o) => o.key);
      mine.pending = order.filter((k) => picked.indexOf(k) >= 0);
      redraw();
      return;
    }
    sendAnswer([key]);
  }

  function submit() {
    if (!state || !canAnswer(model()) || mine.pending.length === 0) return;
    sendAnswer(mine.pending.slice());
  }

  function buzz() {
    if (!state || mine.buzzing || mine.buzz) return;
    send(
      "buzzing",
      () => api.buzz(latestSeq()),
      (asked, reply) => {
        asked.buzz = { won: !!reply.won, order: reply.order || [] };
      },
      (asked, error) => {
        if (error.code === "already_buzzed") asked.buzz = { won: false, order: [] };
      }
    );
  }

  function stake(value) {
    if (!state || mine.sending) return;
    send(
      "sending",
      () => api.stake(latestSeq(), value),
      (asked, reply) => {
        asked.stake = reply && typeof reply.stake === "number" ? reply.stake : value;
      }
    );
  }

  function wake() {
    if (socket && !stopped) socket.reconnect();
  }

  function onVisibility() {
    if (document.visibilityState === "hidden") {
      hiddenAt = Date.now();
    } else if (hiddenAt && Date.now() - hiddenAt > WAKE_RECONNECT_AFTER_MS) {
      hiddenAt = 0;
      wake();
    }
  }

  function onPageShow(event) {
    if (event.persisted) wake();
  }

  let gotFrame = false;
  socket = connectSocket({
    address: () => `/ws/finals/${entry.final_id}?token=${encodeURIComponent(entry.token)}`,
    accept: (frame) => frame.type === "state" || frame.type === "replaced",
    onFrame(frame) {
      gotFrame = true;
      onFrame(frame);
    },
    onConnection(connection, text) {
      if (connection === "connecting") {
        firstFrame = true;
        gotFrame = false;
      }
      if (connection === "down" && !gotFrame) tokenSuspect = true;
      ui.connection(connection, text);
    },
    // A socket refused at its opening says nothing of why: when one closed before its first
    // frame, …/me tells a dead token (401: back to the join form) from a network problem.
    beforeConnect() {
      if (!tokenSuspect) return Promise.resolve(true);
      return api.me().then(
        (reply) => {
          tokenSuspect = false;
          me = reply;
          return true;
        },
        (error) => {
          if (forget(error)) return false;
          throw error;
        }
      );
    },
  });

  ticker = setInterval(tick, 250);
  window.addEventListener("online", wake);
  document.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pageshow", onPageShow);

  function stop() {
    if (stopped) return;
    stopped = true;
    if (socket) socket.stop();
    clearInterval(ticker);
    window.removeEventListener("online", wake);
    document.removeEventListener("visibilitychange", onVisibility);
    window.removeEventListener("pageshow", onPageShow);
  }

  return { stop };
}
