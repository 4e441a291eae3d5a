// The backoff of everything that retries by itself: the contestants' autosave, 切屏 reports,
// submit and loading, and the boards' websocket reconnects. Jitter keeps a hall of phones (or
// of open consoles and screens) from hammering a restarting server in step; the cap keeps a
// page that was offline for a while from waiting long once the network is back.

/** Without jitter: about 1 s, 2 s, 4 s … before retry number `failures` (1, 2, …), at most `maxMs`. */
export function backoffCeiling(failures, maxMs) {
  return Math.min(maxMs, 1000 * Math.pow(2, Math.max(0, Math.min(failures, 10) - 1)));
}

/**
 * Delay before retry number `failures` (1, 2, …): a random point in the upper half of
 * `backoffCeiling` — 0.5–1 s, 1–2 s, 2–4 s, then up to `maxMs` (5 s unless given).
 */
export function backoffDelay(failures, maxMs) {
  const ceiling = backoffCeiling(failures, maxMs === undefined ? 5000 : maxMs);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
