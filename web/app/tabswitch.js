// 切屏 records: noticing that the exam page was left (hidden, or the window lost focus) and
// reporting each time to the server — through a stored counter, so a switch made while
// offline (or just before the page was frozen in the background) is reported later.

import { api } from "./api.js";
import { personKey, storedAttemptIds } from "./local.js";
import { readJson, remove, writeJson } from "./storage.js";
import { AttemptQueue, retryingQueues } from "./retry.js";

/**
 * Calls `onLeave()` once per time the person leaves the page. Leaving usually fires both
 * `blur` and `visibilitychange` (in either order), and some phones flicker focus on return:
 * the page counts as left until it is seen visible or focused again, and a leave within a
 * moment of coming back is the same switch. Returns the function that stops watching.
 */
export function watchLeaving(onLeave) {
  const SAME_SWITCH_MS = 800;
  let away = false;
  let backAt = 0;
  // A reload (often what someone does when the network is bad) or leaving the page hides it
  // too; `pagehide` comes first then, and that is not a switch to another app.
  let unloading = false;
  function leave() {
    if (away || unloading) return;
    away = true;
    if (Date.now() - backAt < SAME_SWITCH_MS) return;
    onLeave();
  }
  function back() {
    if (!away) return;
    away = false;
    backAt = Date.now();
  }
  function visibility() {
    if (document.visibilityState === "hidden") leave();
    else back();
  }
  function pagehide() {
    unloading = true;
  }
  function pageshow() {
    unloading = false; // back from the browser's page cache
  }
  document.addEventListener("visibilitychange", visibility);
  window.addEventListener("blur", leave);
  window.addEventListener("focus", back);
  window.addEventListener("pagehide", pagehide);
  window.addEventListener("pageshow", pageshow);
  return () => {
    document.removeEventListener("visibilitychange", visibility);
    window.removeEventListener("blur", leave);
    window.removeEventListener("focus", back);
    window.removeEventListener("pagehide", pagehide);
    window.removeEventListener("pageshow", pageshow);
  };
}

const reporters = retryingQueues((attemptId, key) => new TabSwitchReports(attemptId, key));

/** The report queue of an attempt of the signed-in person. */
export function tabSwitchReports(attemptId) {
  return reporters.of(attemptId, personKey("tabs", attemptId));
}

export function resumeTabSwitchReports() {
  storedAttemptIds("tabs").forEach((id) => tabSwitchReports(id));
  reporters.forEach((reporter) => {
    reporter.paused = false;
    reporter.kick();
  });
}

/**
 * The stored count of 切屏 not yet reported, sent one report at a time; its listeners hear
 * `{type: "reply", reply}` and `{type: "closed", message}`.
 */
class TabSwitchReports extends AttemptQueue {
  constructor(attemptId, key) {
    super("tabs", attemptId, key);
    this.closed = false;
  }

  unreported() {
    const n = Number(readJson(this.key, 0));
    return n > 0 ? n : 0;
  }

  record() {
    if (this.closed) return;
    writeJson(this.key, this.unreported() + 1);
    this.paused = false;
    this.kick();
  }

  pump() {
    if (this.sending || this.closed || this.paused) return;
    if (!this.ownerSignedIn()) return;
    if (this.unreported() === 0) return;
    this.sending = true;
    // keepalive: the report may be sent just as the page goes to the background.
    api.post(`/api/attempts/${this.attemptId}/tab-switches`, undefined, { keepalive: true }).then(
      (reply) => {
        this.sending = false;
        this.failures = 0;
        const left = this.unreported() - 1;
        if (left > 0) writeJson(this.key, left);
        else remove(this.key);
        if (reply && reply.submitted) this.close();
        this.emit({ type: "reply", reply: reply || {} });
        this.pump();
      },
      (error) => {
        this.sending = false;
        if (error.status === 409) {
          // Submitted or past the deadline: nothing left to record.
          this.close();
          this.emit({ type: "closed", message: error.message });
        } else if (error.status === 401) {
          this.paused = true;
        } else if (error.retryable) {
          this.failures += 1;
          this.retry.after(this.failures);
        } else {
          // 404: no such attempt for this person (or a server without 切屏 records).
          this.close();
        }
      }
    );
  }

  close() {
    this.closed = true;
    remove(this.key);
  }
}
