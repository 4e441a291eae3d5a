// Backoff for everything that retries by itself (autosave, 切屏 reports, submit, loading).
// Jitter keeps a hall of phones from hammering a restarting server in step; the cap keeps a
// page that was offline for 30 s from waiting long once the network is back.

export const MAX_RETRY_MS = 5000;

/** Delay before retry number `failures` (1, 2, …): about 1 s, 2 s, 4 s, then up to 5 s. */
export function backoffDelay(failures) {
  const ceiling = Math.min(MAX_RETRY_MS, 1000 * Math.pow(2, Math.max(0, Math.min(failures, 10) - 1)));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * The queues of one kind (autosave, 切屏 reports), one per person and attempt: found by their
 * stored key, made by `create(attemptId, key)` the first time, and all woken (`kick()`) at
 * once when the browser says it is back online or the page becomes visible again.
 */
export function retryingQueues(create) {
  const queues = new Map();
  const kickAll = () => queues.forEach((queue) => queue.kick());
  window.addEventListener("online", kickAll);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") kickAll();
  });
  return {
    /** The queue of `attemptId` under the person's `key`. */
    of(attemptId, key) {
      let queue = queues.get(key);
      if (!queue) {
        queue = create(attemptId, key);
        queues.set(key, queue);
      }
      return queue;
    },
    forEach(each) {
      queues.forEach(each);
    },
  };
}

/** Milliseconds to wait, as a promise (never rejects). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
