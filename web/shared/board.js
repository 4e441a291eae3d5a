// The live board of a competition over its websocket (`/ws/competitions/{id}/leaderboard`), as
// the projector and the console's monitor both follow it: every frame is a full snapshot, so a
// viewer only ever draws the newest one. The socket, its reconnects (the shared backoff, capped
// at 30 s) and the dropping of stale frames are socket.js's.

import { connectSocket } from "./socket.js";

const MAX_RECONNECT_MS = 30000;

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
  return connectSocket({
    address: () => `/ws/competitions/${competitionId}/leaderboard?top=${options.top}`,
    accept: (frame) => frame.type === "snapshot",
    onFrame: options.onFrame,
    onConnection: options.onConnection,
    beforeConnect: options.beforeConnect,
    maxReconnectMs: MAX_RECONNECT_MS,
  });
}
