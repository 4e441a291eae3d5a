// What the contestant pages' two queues (autosave.js, 切屏 reports in tabswitch.js) share:
// when they try again — the backoff itself is web/shared/retry.js (about 1 s, 2 s, 4 s, then
// 5 s, with jitter) — whose they are, and who listens to them.

import { backoffDelay } from "/static/shared/retry.js";
import { personKey } from "./local.js";

/**
 * The next run of one queue's `run()`: `now()` at once, cancelling a scheduled retry (the
 * network is back, the page is visible again, a new answer); `after(failures)` after the
 * backoff for that many failures in a row.
 */
export class RetryTimer {
  constructor(run) {
    this.run = run;
    this.timer = 0;
  }

  now() {
    this.cancel();
    this.run();
  }

  after(failures) {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.run();
    }, backoffDelay(failures));
  }

  cancel() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = 0;
    }
  }
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

/**
 * A queue of one attempt of one person, stored under `key` (`personKey(kind, attemptId)`): it
 * sends one request at a time (`sending`), `kick()` tries now, `retry.after(failures)` after
 * the backoff, `paused` holds it after a 401 until the next login, and listeners hear what it
 * reports. Subclasses say what `pump()` sends.
 */
export class AttemptQueue {
  constructor(kind, attemptId, key) {
    this.kind = kind;
    this.attemptId = attemptId;
    this.key = key;
    this.sending = false;
    this.retry = new RetryTimer(() => this.pump());
    this.failures = 0;
    this.paused = false; // a 401: waits for the next login
    this.listeners = [];
  }

  /** Tries now (cancelling a scheduled retry). */
  kick() {
    this.retry.now();
  }

  /**
   * Whether the person signed in now is the one this queue belongs to. Someone else may have
   * signed in on this phone: what is stored then waits for its owner.
   */
  ownerSignedIn() {
    return personKey(this.kind, this.attemptId) === this.key;
  }

  /** Calls `listener(event)` on every event; returns the unsubscribe function. */
  subscribe(listener) {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event) {
    this.listeners.slice().forEach((listener) => listener(event));
  }
}
