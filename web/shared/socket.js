// A websocket that stays connected, for every live page: the competition's board (board.js:
// the projector and the console's leaderboard) and the live final (its phones, its projector
// and the host's console). Every frame these sockets carry is a whole snapshot, so a page
// only ever draws the newest one. Reconnects by itself with the shared backoff; `reconnect()`
// skips the wait (a phone that woke up, a network that came back).

import { backoffCeiling, backoffDelay } from "./retry.js";

const DEFAULT_MAX_RECONNECT_MS = 30000;
// `beforeConnect` found nothing to connect to yet (the thing does not exist, the server
// answers with an error): asked again at this pace, not counted as a failure.
const NOT_READY_RETRY_MS = 5000;

/**
 * options:
 * - address(): the path and query to connect to (`/ws/…?…`), asked before every connection.
 * - accept(frame) (optional): whether a parsed frame is one of this socket's; others are
 *   dropped. Within one connection a frame whose numeric `seq` is below the last one's is
 *   stale and dropped too (a reconnect starts a new sequence).
 * - onFrame(frame): each frame delivered.
 * - onConnection(state, text): "connecting" | "live" | "down", with the words to show.
 * - beforeConnect (optional): run before every connection; resolves true to connect, false
 *   when there is nothing to connect to yet (asked again in 5 s), and rejects when the server
 *   gave no answer (a failure: asked again after the backoff, without jitter).
 * - maxReconnectMs (optional): the longest wait between attempts, 30 s unless given (a hall
 *   of screens and phones must not reconnect in the same instant after a server restart).
 * Returns {stop, reconnect}: `stop` closes the socket and stops reconnecting (the viewer left
 * the page); `reconnect` drops the socket or the wait and connects again at once.
 */
export function connectSocket(options) {
  const maxMs = options.maxReconnectMs || DEFAULT_MAX_RECONNECT_MS;
  let socket = null;
  let stopped = false;
  let failures = 0;
  let retry = null;
  // Each connection attempt's number: a `beforeConnect` answer or a socket event belonging to
  // an attempt that `reconnect()` abandoned is ignored.
  let attempt = 0;

  function later(ms) {
    retry = setTimeout(connect, ms);
  }

  function connect() {
    if (stopped) return;
    attempt += 1;
    const mine = attempt;
    options.onConnection("connecting", "连接中");
    if (!options.beforeConnect) {
      open(mine);
      return;
    }
    options.beforeConnect().then(
      (ready) => {
        if (stopped || mine !== attempt) return;
        if (ready) open(mine);
        else later(NOT_READY_RETRY_MS);
      },
      () => {
        if (stopped || mine !== attempt) return;
        failures += 1;
        later(backoffCeiling(failures + 1, maxMs));
        options.onConnection("down", "服务器暂时无法连接");
      }
    );
  }

  function open(mine) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const own = new WebSocket(`${scheme}://${location.host}${options.address()}`);
    let lastSeq = -1;
    socket = own;
    own.addEventListener("open", () => {
      if (mine !== attempt) return;
      failures = 0;
      options.onConnection("live", "实时连接");
    });
    own.addEventListener("message", (event) => {
      if (mine !== attempt) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (!frame || (options.accept && !options.accept(frame))) return;
      if (typeof frame.seq === "number") {
        if (frame.seq < lastSeq) return;
        lastSeq = frame.seq;
      }
      options.onFrame(frame);
    });
    own.addEventListener("close", () => {
      if (socket === own) socket = null;
      if (stopped || mine !== attempt) return;
      failures += 1;
      const delay = backoffDelay(failures, maxMs);
      options.onConnection("down", `连接中断,${Math.ceil(delay / 1000)} 秒后重连`);
      later(delay);
    });
  }

  function closeSocket() {
    const current = socket;
    socket = null;
    if (!current) return;
    if (current.readyState === WebSocket.CONNECTING) {
      // Closing a socket still connecting makes Chromium log an error; close it once open.
      current.addEventListener("open", () => current.close());
    } else {
      current.close();
    }
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      closeSocket();
    },
    reconnect() {
      if (stopped) return;
      clearTimeout(retry);
      attempt += 1; // the old socket's close, and a pending beforeConnect, now count for nothing
      closeSocket();
      failures = 0;
      connect();
    },
  };
}
