// The live leaderboard of the monitor page, over the websocket the projector uses
// (`/ws/competitions/{id}/leaderboard?top=20`): every frame is a full snapshot, so drawing is
// just replacing the rows. Reconnects by itself with exponential backoff and jitter.

import { el, formatDuration, formatNumber, setText } from "./dom.js";

const TOP = 20;

/**
 * parts: {connection, individuals, individualsEmpty, companies, companiesEmpty, onStats}.
 * Returns {stop} — closes the socket and stops reconnecting (the organizer left the page).
 */
export function connectLeaderboard(competitionId, parts) {
  let socket = null;
  let stopped = false;
  let failures = 0;
  let retry = null;
  let lastSeq = -1;

  function showConnection(state, text) {
    parts.connection.dataset.state = state;
    setText(parts.connection, text);
  }

  function draw(frame) {
    const individuals = Array.isArray(frame.individuals) ? frame.individuals : [];
    const companies = Array.isArray(frame.companies) ? frame.companies : [];
    parts.individuals.querySelector("tbody").replaceChildren(
      ...individuals.map((r) =>
        el(
          "tr",
          { dataset: { rank: r.rank } },
          el("td", { className: "num", text: r.rank }),
          el("td", { text: r.name ?? "" }),
          el("td", { text: r.company ?? "" }),
          el("td", { className: "num", text: formatNumber(r.score) }),
          el("td", { className: "num", text: formatDuration(r.duration_seconds) }),
        ),
      ),
    );
    parts.companies.querySelector("tbody").replaceChildren(
      ...companies.map((r) =>
        el(
          "tr",
          { dataset: { rank: r.rank } },
          el("td", { className: "num", text: r.rank }),
          el("td", { text: r.company ?? "" }),
          el("td", { className: "num", text: r.participants }),
          el("td", { className: "num", text: formatNumber(r.score) }),
        ),
      ),
    );
    parts.individualsEmpty.hidden = individuals.length > 0;
    parts.companiesEmpty.hidden = companies.length > 0;
    if (frame.stats) parts.onStats(frame.stats);
  }

  function connect() {
    if (stopped) return;
    showConnection("connecting", "连接中");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/competitions/${competitionId}/leaderboard?top=${TOP}`);
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
      // A reconnect starts a new sequence; within one connection an older frame is stale.
      if (frame?.type !== "snapshot" || frame.seq < lastSeq) return;
      lastSeq = frame.seq;
      draw(frame);
    });
    socket.addEventListener("close", () => {
      socket = null;
      lastSeq = -1;
      if (stopped) return;
      failures += 1;
      // Capped at 30 s; the jitter keeps many open consoles and screens from reconnecting in
      // the same instant after a server restart.
      const base = Math.min(30000, 500 * 2 ** Math.min(failures, 6));
      const delay = base / 2 + Math.random() * (base / 2);
      showConnection("down", `连接中断,${Math.ceil(delay / 1000)} 秒后重连`);
      retry = setTimeout(connect, delay);
    });
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      if (socket?.readyState === WebSocket.CONNECTING) {
        // Closing a socket still connecting makes Chromium log an error; close it once open.
        const pending = socket;
        pending.addEventListener("open", () => pending.close());
      } else {
        socket?.close();
      }
    },
  };
}
