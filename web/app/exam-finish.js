// Handing the paper in. The 确认交卷 dialog (the unanswered questions, tap one to go back; the
// answers still waiting to upload), then finishing once, whatever asks first — the person, the
// deadline, a 409 from the autosave queue, the 切屏 limit, another tab: the queue is drained,
// the submit is posted and retried (it is idempotent; a storage refusal shows the server's
// message), the finishing overlay covers the page meanwhile (no double tap), and the result
// page follows.

import { el, fill } from "/static/shared/dom.js";
import { backoffDelay } from "/static/shared/retry.js";
import { api } from "./api.js";
import { closeDialog, showDialog } from "./dialog.js";
import { forgetPaper, leaveNote, rememberAttempt, saveResult } from "./local.js";

/** What the overlay says first, by why the exam ends. */
function titleFor(reason, message) {
  const titles = {
    manual: "正在交卷…",
    deadline: "作答时间到,正在自动交卷…",
    stopped: message || "答卷已结束",
    "tab-limit": message || "试卷已自动提交",
    elsewhere: "试卷已在其他页面提交",
  };
  return titles[reason] || "正在交卷…";
}

/** Waits `ms`, or less when the browser reports the network is back. */
function waitForNetwork(ms) {
  return new Promise((resolve) => {
    const done = () => {
      window.removeEventListener("online", done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done);
  });
}

export class FinishFlow {
  /**
   * exam: what finishing needs of the exam page —
   * {ctx, attemptId, queue (the autosave queue), view() (the attempt shown, or null),
   *  disposed() (the page is gone), unanswered() (question numbers), goTo(no),
   *  closeSheet(), stop() (stops all that could still change the paper: the countdown, 切屏
   *  watching, open dialogs, the buttons and options)}.
   */
  constructor(exam) {
    this.exam = exam;
    this.ended = false; // set once finishing began: no more choices, no second submit
    this.promise = null; // the one finishing promise
    this.title = el("p", { id: "finishing-title", className: "finishing-title" });
    this.detail = el("p", { id: "finishing-detail", className: "finishing-detail" });
    this.actions = el("div", { className: "finishing-actions" });
    /** The overlay shown while finishing, hidden until then. */
    this.overlay = el(
      "div",
      { id: "finishing", className: "finishing", hidden: true, attrs: { role: "alertdialog", "aria-live": "assertive" } },
      el("div", { className: "finishing-box" }, el("div", { className: "spinner", attrs: { "aria-hidden": "true" } }), this.title, this.detail, this.actions)
    );
  }

  /** The 确认交卷 dialog (交卷, or 下一题 on the last question). */
  confirm() {
    if (this.ended || document.getElementById("confirm-dialog")) return;
    this.exam.closeSheet();
    const open = this.exam.unanswered();
    const pending = this.exam.queue.state().pending;
    const body = [];
    if (open.length) {
      body.push(el("p", { className: "confirm-lead", text: `还有 ${open.length} 题未作答(点题号可返回作答):` }));
      body.push(
        el(
          "div",
          { id: "unanswered-list", className: "unanswered-list", dataset: { unanswered: open.join(",") } },
          open.map((no) =>
            el("button", {
              type: "button",
              className: "nav-item",
              text: String(no),
              dataset: { jump: no },
              on: {
                click: () => {
                  closeDialog();
                  this.exam.goTo(no);
                },
              },
            })
          )
        )
      );
    } else {
      body.push(el("p", { className: "confirm-lead", id: "unanswered-list", dataset: { unanswered: "" }, text: "全部题目均已作答。" }));
    }
    if (pending > 0) body.push(el("p", { className: "confirm-pending", text: `有 ${pending} 题的答案尚未上传,交卷前会先上传。` }));
    body.push(el("p", { text: "交卷后不能再修改答案,确定交卷吗?" }));
    showDialog({
      id: "confirm-dialog",
      title: "确认交卷",
      body,
      dismissible: true,
      actions: [
        { id: "cancel-submit", text: "继续答题" },
        {
          id: "confirm-submit",
          text: "确认交卷",
          primary: true,
          onClick: () => {
            // Double taps: the first one closes the dialog and starts the one submit.
            this.finish("manual");
          },
        },
      ],
    });
  }

  /**
   * Ends the exam once, whatever asks first (reason: manual, deadline, stopped, tab-limit,
   * elsewhere): flushes the autosave queue, submits (retrying; submit is idempotent) and goes
   * to the result. `presetResult`: the server already submitted and said so (切屏 limit);
   * `message`: why, for the overlay and the result page. Returns the one promise; it never
   * rejects.
   */
  finish(reason, presetResult, message) {
    if (!this.ended) {
      this.ended = true;
      this.promise = this.run(reason, presetResult, message).catch((error) => {
        this.show("交卷出错", error && error.message ? error.message : "请返回竞赛列表后重试", true);
      });
    }
    return this.promise;
  }

  async run(reason, presetResult, message) {
    this.exam.stop();
    const title = titleFor(reason, message);
    this.show(title, "");
    if (presetResult) {
      this.done(presetResult, message);
      return;
    }
    if (reason === "manual" || reason === "deadline") {
      // Unsent answers first, or the paper would be graded without them.
      const unsubscribe = this.exam.queue.subscribe((state) => {
        if (state.name === "offline") this.show(title, "网络中断,答案已保存在本机,恢复后自动上传并交卷");
        else if (state.name === "refused") this.show(title, `${state.text},答案已保存在本机`);
        else if (state.name === "saving") this.show(title, "正在上传答案…");
      });
      await this.exam.queue.flush();
      unsubscribe();
    }
    let failures = 0;
    let refusal = null; // the server's message while its storage refuses the submit
    for (;;) {
      if (this.exam.disposed()) return;
      const waiting = refusal ? `${refusal}(自动重试中)` : "网络中断,恢复后自动交卷";
      this.show(title, failures ? waiting : "正在提交…");
      try {
        const result = await api.post(`/api/attempts/${this.exam.attemptId}/submit`);
        const notes = {
          deadline: "作答时间已到,试卷已按已保存的答案自动提交",
          stopped: message,
          elsewhere: "试卷已在其他页面提交",
        };
        this.done(result, notes[reason] || null);
        return;
      } catch (error) {
        if (error.status === 401 || this.exam.disposed()) return;
        if (!error.retryable) {
          this.show("交卷失败", error.message, true);
          return;
        }
        failures += 1;
        // A 503 storage_* (disk full…): nothing was submitted and the answers are on the
        // server; the same submit goes through once the storage takes writes again.
        refusal = error.storageRefused ? error.message : null;
        await waitForNetwork(backoffDelay(failures));
      }
    }
  }

  /** The overlay's title and detail; `failed` adds the way back to the list. */
  show(title, detail, failed) {
    this.overlay.hidden = false;
    this.overlay.classList.toggle("failed", !!failed);
    this.title.textContent = title;
    this.detail.textContent = detail || "";
    fill(this.actions, failed ? el("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" }) : null);
  }

  done(result, note) {
    const attemptId = this.exam.attemptId;
    saveResult(attemptId, result);
    forgetPaper(attemptId);
    const view = this.exam.view();
    if (view) rememberAttempt(view.competition_id, attemptId, "submitted");
    this.toResult(note);
  }

  /** To the result page, with `note` (why it was submitted) for it to show once. */
  toResult(note) {
    if (this.exam.disposed()) return;
    if (note) leaveNote(this.exam.attemptId, note);
    this.exam.ctx.navigate(`/result/${this.exam.attemptId}`, { replace: true });
  }
}
