// The live board of a competition over its websocket (`/ws/competitions/{id}/leaderboard`), as
// the projector and the console's monitor both follow it: every frame is a full snapshot, so a
// viewer only ever draws the newest one. Reconnects by itself, with the shared backoff (capped
// at 30 s: a hall of screens and consoles must not reconnect in the same instant after a
// server restart).

import { backoffCeiling, backoffDelay } from "./retry.js";

const MAX_RECONNECT_MS = 30000;
// `beforeConnect` found nothing to connect to yet (the competition does not exist, the server
// answers with an error): asked again at this pace, not counted as a failure.
const NOT_READY_RETRY_MS = 5000;

/**
 * Follows the board of `competitionId` (its `top` rows of each ranking).
 * options:
 * - top: rows per ranking, as the server's `?top=`.
 * - onFrame(frame): each new snapshot `{type: "snapshot", seq, stats, individuals, companies}`.
 * - onConnection(state, text): "connecting" | "live" | "down", with the words to show.
 * - beforeConnect (optional): run before every connection; resolves true to connect, false when
 *   there is nothing to connect to yet (asked again in 5 s), and rejects when the server gave no
 *   answer (a failure: asked again after the backoff, without jitter).
 * Returns {stop}: closes the socket and stops reconnecting (the viewer left the page).
 */
export function connectBoard(competitionId, options) {
  let socket = null;
  let stopped = false;
  let failures = 0;
  let retry = null;
  let lastSeq = -1;

  function later(ms) {
    retry = setTimeout(connect, ms);
  }

  function connect() {
    if (stopped) return;
    options.onConnection("connecting", "连接中");
    if (!options.beforeConnect) {
      open();
      return;
    }
    options.beforeConnect().then(
      (ready) => {
        if (stopped) return;
        if (ready) open();
        else later(NOT_READY_RETRY_MS);
      },
      () => {
        if (stopped) return;
        failures += 1;
        later(backoffCeiling(failures + 1, MAX_RECONNECT_MS));
        options.onConnection("down", "服务器暂时无法连接");
      }
    );
  }

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/competitions/${competitionId}/leaderboard?top=${options.top}`);
    socket.addEventListener("open", () => {
      failures = 0;
      options.onConnection("live", "实时连接");
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      // A reconnect starts a new sequence; within one connection an older frame is stale.
      if (!frame || frame.type !== "snapshot" || frame.seq < lastSeq) return;
      lastSeq = frame.seq;
      options.onFrame(frame);
    });
    socket.addEventListener("close", () => {
      socket = null;
      lastSeq = -1;
      if (stopped) return;
      failures += 1;
      const delay = backoffDelay(failures, MAX_RECONNECT_MS);
      options.onConnection("down", `连接中断,${Math.ceil(delay / 1000)} 秒后重连`);
      later(delay);
    });
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      if (socket && socket.readyState === WebSocket.CONNECTING) {
        // Closing a socket still connecting makes Chromium log an error; close it once open.
        const pending = socket;
        pending.addEventListener("open", () => pending.close());
      } else if (socket) {
        socket.close();
      }
    },
  };
}
