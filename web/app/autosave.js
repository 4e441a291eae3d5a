// The autosave queue: every choice is written to this phone first (localStorage, per person
// and attempt), then sent to the server one answer at a time. The stored entry is removed
// only when the server acknowledged exactly that choice (204), so a dropped network, a server
// restart, a reload or a closed tab never lose an answer: what is left is sent later.
//
// - Latest choice per question wins: a new choice replaces the stored one; an acknowledgement
//   of an older choice (sent before the change) does not remove the newer one.
// - Failures without an answer (offline, timeout, 5xx, 429) retry with backoff, at once when
//   the browser says it is back online or the page becomes visible again. A 503 with a
//   `storage_*` code (the server's disk is full, its database busy…) is retried the same way;
//   the state shows the server's message, since nothing was stored.
// - 409 (deadline passed, already submitted) can never succeed: the queue stops, drops what it
//   holds and reports the server's message. Other refusals (422, 404) drop that one answer.
// - The queues outlive the exam page (app.js resumes them at start and after login), so an
//   answer chosen just before the person left the page is still delivered.

import { api } from "./api.js";
import { personKey, storedAttemptIds } from "./local.js";
import { readJson, remove, writeJson } from "./storage.js";
import { AttemptQueue, retryingQueues } from "./retry.js";

const queues = retryingQueues((attemptId, key) => new AnswerQueue(attemptId, key));
let counter = 0;

/** The queue of an attempt of the signed-in person (one per attempt and page). */
export function answerQueue(attemptId) {
  return queues.of(attemptId, personKey("pending", attemptId));
}

/** Sends whatever earlier visits left unsent (called at start and after login). */
export function resumeAnswerQueues() {
  storedAttemptIds("pending").forEach((id) => answerQueue(id));
  queues.forEach((queue) => queue.resume());
}

class AnswerQueue extends AttemptQueue {
  constructor(attemptId, key) {
    super("pending", attemptId, key);
    this.lastFailure = null; // the ApiError behind the current retries
    this.halted = null; // {code, message} after a 409: nothing can be saved any more
    this.everSaved = false;
    this.dropped = null; // message about an answer the server refused (422/404)
    this.waiters = [];
  }

  entries() {
    const stored = readJson(this.key, null);
    return stored && typeof stored === "object" ? stored : {};
  }

  /** Unsent choices `{no: keys}`; they win over the server's copy when merging. */
  pendingAnswers() {
    const all = this.entries();
    const answers = {};
    Object.keys(all).forEach((no) => {
      answers[no] = all[no].keys;
    });
    return answers;
  }

  enqueue(no, keys) {
    if (this.halted) {
      this.notify();
      return;
    }
    const all = this.entries();
    counter += 1;
    all[no] = { keys: keys.slice(), id: `${Date.now()}-${counter}-${Math.random()}`, at: Date.now() };
    writeJson(this.key, all);
    this.paused = false;
    this.kick();
    this.notify();
  }

  /** After a new login: a queue paused by a 401 goes on. */
  resume() {
    this.paused = false;
    this.kick();
    this.notify();
  }

  pump() {
    if (this.sending || this.halted || this.paused) return;
    if (!this.ownerSignedIn()) return;
    const all = this.entries();
    const numbers = Object.keys(all);
    if (numbers.length === 0) {
      this.failures = 0;
      this.notify();
      this.settle(true);
      return;
    }
    // Oldest first: answers reach the server in the order they were chosen.
    numbers.sort((a, b) => all[a].at - all[b].at);
    const no = numbers[0];
    const entry = all[no];
    this.sending = true;
    this.notify();
    api.put(`/api/attempts/${this.attemptId}/answers/${no}`, { choice: entry.keys }).then(
      () => {
        this.sending = false;
        this.failures = 0;
        this.lastFailure = null;
        this.everSaved = true;
        this.dropped = null;
        this.acknowledge(no, entry.id);
        this.pump();
      },
      (error) => {
        this.sending = false;
        this.failed(no, entry, error);
      }
    );
  }

  failed(no, entry, error) {
    if (error.status === 409) {
      this.halt(error);
    } else if (error.status === 401) {
      this.paused = true; // app.js sends the person to the login page; answers stay stored
      this.notify();
    } else if (error.retryable) {
      this.failures += 1;
      this.lastFailure = error;
      this.notify();
      this.retry.after(this.failures);
    } else {
      // The server will never take this answer (e.g. a question that does not exist): drop
      // it, say so, and go on with the others.
      this.acknowledge(no, entry.id);
      this.dropped = `第 ${no} 题未能保存:${error.message}`;
      this.pump();
    }
  }

  acknowledge(no, id) {
    const all = this.entries();
    if (all[no] && all[no].id === id) {
      delete all[no];
      if (Object.keys(all).length === 0) remove(this.key);
      else writeJson(this.key, all);
    }
  }

  halt(error) {
    this.halted = { code: error.code, message: error.message };
    remove(this.key);
    this.notify();
    this.settle(false);
  }

  /**
   * Resolves true once everything stored is acknowledged, false if the queue stopped (409).
   * Waits through network failures: the exam shows the queue's state meanwhile.
   */
  flush() {
    if (this.halted) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.paused = false;
      this.kick();
    });
  }

  settle(ok) {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((resolve) => resolve(ok));
  }

  /**
   * {name, text, pending}: name is idle | saving | saved | offline | refused | error |
   * stopped, as `#save-state[data-state]` shows it (refused: the server's storage refused the
   * answer, text is its message).
   */
  state() {
    const pending = Object.keys(this.entries()).length;
    if (this.halted) return { name: "stopped", text: this.halted.message, pending: 0 };
    if (this.paused) return { name: "offline", text: "登录已失效,重新登录后自动保存", pending };
    if (pending > 0 && this.failures > 0) {
      if (this.lastFailure && this.lastFailure.storageRefused) {
        return { name: "refused", text: `${this.lastFailure.message}(${pending} 题待保存,自动重试中)`, pending };
      }
      const text =
        this.lastFailure && this.lastFailure.status !== 0
          ? `服务器繁忙,自动重试中(${pending} 题待保存)`
          : `离线,恢复后自动重试(${pending} 题待保存)`;
      return { name: "offline", text, pending };
    }
    if (pending > 0 || this.sending) return { name: "saving", text: "保存中…", pending };
    if (this.dropped) return { name: "error", text: this.dropped, pending };
    if (this.everSaved) return { name: "saved", text: "已保存", pending };
    return { name: "idle", text: "答案自动保存", pending };
  }

  /** Calls `listener(state)` now and on every change; returns the unsubscribe function. */
  subscribe(listener) {
    const unsubscribe = super.subscribe(listener);
    listener(this.state());
    return unsubscribe;
  }

  notify() {
    this.emit(this.state());
  }
}
