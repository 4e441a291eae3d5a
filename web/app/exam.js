// The exam page: one question per screen, the answer sheet (navigator), the countdown by the
// server's clock, the autosave state, 切屏 reporting and submitting. Everything that talks
// to the server retries by itself; the page never waits on a request it cannot show.
//
// Where answers live: `answers` (what the page shows) = the server's copy, overlaid by the
// autosave queue's unsent choices (those are newer by construction). The queue is the only
// way an answer reaches the server (autosave.js).

import { api } from "./api.js";
import { answerQueue } from "./autosave.js";
import { Countdown, ServerClock } from "./countdown.js";
import { closeDialog, showDialog, toast } from "./dialog.js";
import { fill, h, statusBlock } from "./dom.js";
import { KIND_LABELS, formatPoints } from "./format.js";
import { forgetPaper, leaveNote, loadPaper, rememberAttempt, savePaper, saveResult, takeStartedAttempt } from "./local.js";
import { backoffDelay } from "./retry.js";
import { tabSwitchReports, watchLeaving } from "./tabswitch.js";

const WARN_AT_MS = [5 * 60 * 1000, 60 * 1000];

export function renderExam(ctx) {
  const exam = new ExamPage(ctx, Number(ctx.params[0]));
  ctx.onLeave(() => exam.dispose());
  exam.open();
}

function answered(keys) {
  return !!keys && keys.length > 0;
}

class ExamPage {
  constructor(ctx, attemptId) {
    this.ctx = ctx;
    this.attemptId = attemptId;
    this.queue = answerQueue(attemptId);
    this.reports = tabSwitchReports(attemptId);
    this.clock = new ServerClock(0);
    this.view = null;
    this.questions = [];
    this.answers = {};
    this.index = 0;
    this.countdown = null;
    this.warned = {};
    this.ended = false; // set once finishing began: no more choices, no second submit
    this.finishing = null; // the one finishing promise
    this.disposed = false;
    this.cleanups = [];
    this.timers = [];
    this.resyncing = false;
    this.needsSync = false; // shown from this phone's copy: read the server's as soon as it answers
    this.syncFailures = 0;
    this.tabSwitches = 0;
    this.maxTabSwitches = null;
    this.el = {};
  }

  later(fn, ms) {
    const timer = setTimeout(fn, ms);
    this.timers.push(timer);
    return timer;
  }

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  dispose() {
    this.disposed = true;
    if (this.countdown) this.countdown.stop();
    this.timers.forEach((timer) => clearTimeout(timer));
    this.cleanups.forEach((cleanup) => cleanup());
    this.cleanups = [];
    document.body.classList.remove("exam-mode");
    closeDialog();
  }

  // ---- loading -------------------------------------------------------------------------

  open() {
    document.body.classList.add("exam-mode");
    this.page = h("section", { className: "exam", id: "exam-page", dataset: { attemptId: this.attemptId } });
    this.ctx.root.appendChild(this.page);
    const handed = takeStartedAttempt(this.attemptId);
    if (handed) {
      // Just started on the competitions page: no need to ask again.
      this.clock.sync(handed.view.server_time, handed.receivedAt);
      this.begin(handed.view);
      return;
    }
    fill(this.page, statusBlock("exam-status", "正在读取试卷…"));
    this.load(0);
  }

  load(failures) {
    api.get(`/api/attempts/${this.attemptId}`).then(
      (view) => {
        if (this.disposed) return;
        const receivedAt = Date.now();
        if (view.status === "submitted") {
          this.toResult(null);
          return;
        }
        this.clock.sync(view.server_time, receivedAt);
        this.begin(view);
      },
      (error) => {
        if (this.disposed || error.status === 401) return;
        if (!error.retryable) {
          fill(
            this.page,
            statusBlock("exam-status", error.message),
            h("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" })
          );
          return;
        }
        const cached = loadPaper(this.attemptId);
        if (cached && cached.view) {
          // Reloaded without network: show this phone's copy and sync when the server answers.
          this.clock.offsetMs = cached.offsetMs || 0;
          this.needsSync = true;
          this.begin(cached.view);
          toast("网络不稳定:已显示本机保存的试卷,答案会在恢复后自动上传");
          this.later(() => this.resync(), backoffDelay(1));
          return;
        }
        fill(
          this.page,
          statusBlock("exam-status", `${error.message},正在重试…`),
          h("button", { type: "button", className: "button secondary", id: "exam-retry", text: "立即重试", on: { click: () => this.load(0) } })
        );
        this.later(() => this.load(failures + 1), backoffDelay(failures + 1));
      }
    );
  }

  begin(view) {
    this.view = view;
    this.questions = view.questions || [];
    this.answers = Object.assign({}, view.answers || {}, this.queue.pendingAnswers());
    this.applyTabSwitches(view);
    this.keepCopy();
    rememberAttempt(view.competition_id, this.attemptId, "in_progress");
    this.build();
    const firstOpen = this.questions.findIndex((q) => !answered(this.answers[q.no]));
    this.show(firstOpen >= 0 ? firstOpen : 0);

    this.countdown = new Countdown(
      this.clock,
      Date.parse(view.deadline),
      (remaining, text) => this.tick(remaining, text),
      () => this.finish("deadline")
    );
    const unsubscribeQueue = this.queue.subscribe((state) => this.showSaveState(state));
    const unsubscribeReports = this.reports.subscribe((event) => this.onReport(event));
    this.cleanups.push(unsubscribeQueue, unsubscribeReports);
    const stopWatching = watchLeaving(() => this.leftPage());
    this.stopWatching = stopWatching;
    this.cleanups.push(stopWatching);
    this.listen(document, "visibilitychange", () => {
      if (document.visibilityState === "visible") this.resync();
    });
    this.listen(document, "keydown", (event) => this.onKey(event));
    this.queue.kick();
    this.reports.kick();
    this.loadCompetition(view.competition_id);
  }

  /** The title and the 切屏 limit, for the header; the exam works without them. */
  loadCompetition(id) {
    api.get(`/api/competitions/${id}`).then(
      (competition) => {
        if (this.disposed) return;
        this.el.title.textContent = competition.title;
        if (this.maxTabSwitches === null && competition.max_tab_switches !== undefined) {
          this.maxTabSwitches = competition.max_tab_switches;
        }
        this.showTabSwitches();
      },
      () => {}
    );
  }

  /** This phone's copy of the paper and answers, so a reload without network still works. */
  keepCopy() {
    const copy = Object.assign({}, this.view, { answers: this.answers });
    savePaper(copy, this.clock.offsetMs);
  }

  /**
   * Reads the attempt again (page visible again, or shown from this phone's copy) and merges:
   * the server's answers, overlaid by unsent local ones. Another tab may have answered, or
   * submitted.
   */
  resync() {
    if (this.resyncing || this.ended || this.disposed || !this.view) return;
    this.resyncing = true;
    api.get(`/api/attempts/${this.attemptId}`).then(
      (view) => {
        const receivedAt = Date.now();
        this.resyncing = false;
        if (this.disposed || this.ended) return;
        this.needsSync = false;
        this.syncFailures = 0;
        this.clock.sync(view.server_time, receivedAt);
        if (view.status === "submitted") {
          this.finish("elsewhere");
          return;
        }
        this.merge(view);
      },
      (error) => {
        this.resyncing = false;
        if (this.disposed || this.ended) return;
        if (error.retryable && this.needsSync) {
          this.syncFailures += 1;
          this.later(() => this.resync(), backoffDelay(this.syncFailures));
        }
      }
    );
  }

  merge(view) {
    this.view = Object.assign({}, this.view, view, { questions: this.questions });
    this.answers = Object.assign({}, view.answers || {}, this.queue.pendingAnswers());
    this.applyTabSwitches(view);
    this.keepCopy();
    if (this.countdown) this.countdown.setDeadline(Date.parse(view.deadline));
    this.show(this.index);
  }

  // ---- the page ------------------------------------------------------------------------

  build() {
    const el = this.el;
    el.countdown = h("span", { id: "countdown", className: "countdown", text: "--:--", attrs: { role: "timer" } });
    el.saveState = h("p", { id: "save-state", className: "save-state", dataset: { state: "idle" }, attrs: { role: "status", "aria-live": "polite" } });
    el.submit = h("button", { type: "button", id: "submit-button", className: "button primary small", text: "交卷", on: { click: () => this.confirmSubmit() } });
    el.title = h("p", { id: "exam-title", className: "exam-title" });
    el.warning = h("p", { id: "tab-switch-warning", className: "warning", hidden: true, attrs: { role: "alert" } });
    el.kind = h("span", { id: "question-kind", className: "badge question-kind" });
    el.number = h("span", { id: "question-number", className: "question-number" });
    el.points = h("span", { id: "question-points", className: "question-points" });
    el.stem = h("p", { id: "question-stem", className: "question-stem" });
    el.hint = h("p", { id: "question-hint", className: "question-hint" });
    el.options = h("div", { id: "options", className: "options" });
    el.question = h(
      "article",
      { id: "question", className: "card question-card", attrs: { "aria-labelledby": "question-number" } },
      h("div", { className: "question-head" }, el.kind, el.number, el.points),
      el.stem,
      el.hint,
      el.options
    );
    el.prev = h("button", { type: "button", id: "prev-button", className: "button secondary", text: "上一题", on: { click: () => this.show(this.index - 1) } });
    el.next = h("button", { type: "button", id: "next-button", className: "button primary", text: "下一题", on: { click: () => this.next() } });
    el.answeredCount = h("span", { id: "answered-count" });
    el.navToggle = h(
      "button",
      {
        type: "button",
        id: "navigator-toggle",
        className: "button secondary",
        attrs: { "aria-controls": "navigator", "aria-expanded": "false" },
        on: { click: () => this.toggleNavigator() },
      },
      "答题卡 ",
      el.answeredCount
    );
    el.grid = h("div", { id: "navigator-grid", className: "navigator-grid" });
    this.questions.forEach((q, i) => {
      el.grid.appendChild(
        h("button", {
          type: "button",
          className: "nav-item",
          text: String(q.no),
          dataset: { nav: q.no },
          on: {
            click: () => {
              this.toggleNavigator(false);
              this.show(i);
            },
          },
        })
      );
    });
    el.navigator = h(
      "div",
      { id: "navigator", className: "navigator", hidden: true, attrs: { role: "dialog", "aria-label": "答题卡" } },
      h(
        "div",
        { className: "navigator-sheet" },
        h(
          "div",
          { className: "navigator-head" },
          h("h2", { text: "答题卡" }),
          h("button", { type: "button", id: "navigator-close", className: "button secondary small", text: "关闭", on: { click: () => this.toggleNavigator(false) } })
        ),
        h(
          "p",
          { className: "navigator-legend" },
          h("span", { className: "legend answered", text: "已答" }),
          h("span", { className: "legend unanswered", text: "未答" }),
          h("span", { className: "legend current", text: "当前" })
        ),
        el.grid
      )
    );
    el.navigator.addEventListener("click", (event) => {
      if (event.target === el.navigator) this.toggleNavigator(false);
    });
    el.finishTitle = h("p", { id: "finishing-title", className: "finishing-title" });
    el.finishDetail = h("p", { id: "finishing-detail", className: "finishing-detail" });
    el.finishActions = h("div", { className: "finishing-actions" });
    el.finishing = h(
      "div",
      { id: "finishing", className: "finishing", hidden: true, attrs: { role: "alertdialog", "aria-live": "assertive" } },
      h("div", { className: "finishing-box" }, h("div", { className: "spinner", attrs: { "aria-hidden": "true" } }), el.finishTitle, el.finishDetail, el.finishActions)
    );
    fill(
      this.page,
      h(
        "header",
        { className: "exam-bar" },
        h("div", { className: "exam-timer" }, h("span", { className: "exam-timer-label", text: "剩余" }), el.countdown),
        el.saveState,
        el.submit
      ),
      el.title,
      el.warning,
      el.question,
      h("nav", { className: "exam-nav", attrs: { "aria-label": "翻题" } }, el.prev, el.navToggle, el.next),
      el.navigator,
      el.finishing
    );
    this.showTabSwitches();
  }

  show(index) {
    if (index < 0 || index >= this.questions.length) return;
    const changed = index !== this.index;
    this.index = index;
    const q = this.questions[index];
    const el = this.el;
    el.question.dataset.no = q.no;
    el.question.dataset.kind = q.kind;
    el.kind.textContent = KIND_LABELS[q.kind] || q.kind;
    el.kind.dataset.kind = q.kind;
    el.number.textContent = `第 ${q.no} 题 / 共 ${this.questions.length} 题`;
    el.points.textContent = `${formatPoints(q.points)} 分`;
    el.stem.textContent = q.stem;
    el.hint.textContent = q.kind === "multiple" ? "多选题:选出所有正确的选项,可多选" : q.kind === "judge" ? "判断下面的说法是否正确" : "单选题:只有一个正确选项";
    const multiple = q.kind === "multiple";
    el.options.setAttribute("role", multiple ? "group" : "radiogroup");
    el.options.setAttribute("aria-labelledby", "question-stem");
    fill(
      el.options,
      q.options.map((option) =>
        h(
          "button",
          {
            type: "button",
            className: "option",
            dataset: { option: option.key },
            attrs: { role: multiple ? "checkbox" : "radio", "aria-checked": "false" },
            on: { click: () => this.choose(option.key) },
          },
          h("span", { className: "option-key", text: q.kind === "judge" ? (option.key === "T" ? "✓" : "✗") : option.key, attrs: { "aria-hidden": "true" } }),
          h("span", { className: "option-text", text: option.text })
        )
      )
    );
    el.prev.disabled = index === 0;
    const last = index === this.questions.length - 1;
    el.next.textContent = last ? "交卷" : "下一题";
    el.next.dataset.last = last ? "true" : "false";
    this.showChoice();
    if (changed && window.scrollTo) window.scrollTo(0, 0);
  }

  next() {
    if (this.index === this.questions.length - 1) this.confirmSubmit();
    else this.show(this.index + 1);
  }

  /** Marks the chosen options, the answer sheet and the answered count. */
  showChoice() {
    const q = this.questions[this.index];
    const keys = this.answers[q.no] || [];
    Array.prototype.forEach.call(this.el.options.children, (button) => {
      const chosen = keys.indexOf(button.dataset.option) >= 0;
      button.classList.toggle("selected", chosen);
      button.setAttribute("aria-checked", chosen ? "true" : "false");
      button.disabled = !!this.ended;
    });
    let count = 0;
    Array.prototype.forEach.call(this.el.grid.children, (item, i) => {
      const no = this.questions[i].no;
      const done = answered(this.answers[no]);
      if (done) count += 1;
      item.classList.toggle("answered", done);
      item.classList.toggle("current", i === this.index);
      item.dataset.state = done ? "answered" : "unanswered";
      item.setAttribute("aria-label", `第 ${no} 题,${done ? "已答" : "未答"}`);
      if (i === this.index) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    });
    this.el.answeredCount.textContent = `${count}/${this.questions.length}`;
  }

  choose(key) {
    if (this.ended) return;
    const q = this.questions[this.index];
    const before = this.answers[q.no] || [];
    let keys;
    if (q.kind === "multiple") {
      const set = before.indexOf(key) >= 0 ? before.filter((k) => k !== key) : before.concat([key]);
      // Keys in the order the options are shown.
      keys = q.options.map((o) => o.key).filter((k) => set.indexOf(k) >= 0);
    } else {
      if (before.length === 1 && before[0] === key) return;
      keys = [key];
    }
    this.answers[q.no] = keys;
    this.queue.enqueue(q.no, keys);
    this.keepCopy();
    this.showChoice();
  }

  toggleNavigator(open) {
    const show = open === undefined ? this.el.navigator.hidden : open;
    this.el.navigator.hidden = !show;
    this.el.navToggle.setAttribute("aria-expanded", show ? "true" : "false");
    document.body.classList.toggle("has-sheet", show);
    if (show) {
      const current = this.el.grid.children[this.index];
      if (current) current.focus();
    }
  }

  onKey(event) {
    if (document.body.classList.contains("has-dialog") || this.ended) return;
    if (event.key === "ArrowLeft") this.show(this.index - 1);
    else if (event.key === "ArrowRight") this.show(this.index + 1);
    else if (event.key === "Escape") this.toggleNavigator(false);
  }

  tick(remaining, text) {
    const el = this.el.countdown;
    el.textContent = text;
    el.dataset.remaining = String(Math.max(0, Math.ceil(remaining / 1000)));
    el.classList.toggle("urgent", remaining <= WARN_AT_MS[0]);
    WARN_AT_MS.forEach((at) => {
      // Warn once per mark, and only when the mark is crossed while the page is open.
      if (remaining <= at && remaining > at - 5000 && !this.warned[at]) {
        this.warned[at] = true;
        toast(`距离交卷还有 ${Math.round(at / 60000)} 分钟`);
      }
    });
  }

  showSaveState(state) {
    const el = this.el.saveState;
    el.textContent = state.text;
    el.dataset.state = state.name;
    el.dataset.pending = String(state.pending);
    // A 409: the server no longer takes answers (deadline passed, or submitted elsewhere).
    if (state.name === "stopped" && !this.ended) this.finish("stopped", null, state.text);
  }

  // ---- 切屏 -------------------------------------------------------------------------------

  leftPage() {
    if (this.ended || this.disposed) return;
    this.reports.record();
    this.showTabSwitches();
  }

  applyTabSwitches(view) {
    if (typeof view.tab_switches === "number") this.tabSwitches = view.tab_switches;
    if (view.max_tab_switches !== undefined) this.maxTabSwitches = view.max_tab_switches;
  }

  onReport(event) {
    if (this.disposed) return;
    if (event.type === "reply") {
      const reply = event.reply;
      if (typeof reply.tab_switches === "number") this.tabSwitches = reply.tab_switches;
      if (reply.max_tab_switches !== undefined) this.maxTabSwitches = reply.max_tab_switches;
      if (reply.submitted) {
        const limit = this.maxTabSwitches;
        const message = limit === null || limit === undefined ? "试卷已自动提交" : `切屏超过 ${limit} 次,试卷已自动提交`;
        this.finish("tab-limit", reply.result || null, message);
        return;
      }
      this.showTabSwitches();
      toast(this.el.warning.textContent);
    } else if (event.type === "closed" && !this.ended) {
      this.finish("stopped", null, event.message);
    }
  }

  showTabSwitches() {
    if (!this.el.warning) return;
    // Switches not yet reported (offline) count too: the person sees the same number the
    // server will.
    const count = this.tabSwitches + this.reports.unreported();
    const limit = this.maxTabSwitches;
    const el = this.el.warning;
    el.dataset.count = String(count);
    if (count > 0) {
      el.textContent =
        limit === null || limit === undefined
          ? `已切屏 ${count} 次,切屏次数会被记录`
          : `已切屏 ${count} 次,超过 ${limit} 次将自动交卷`;
      el.hidden = false;
    } else if (limit !== null && limit !== undefined) {
      el.textContent = `请勿切换到其他应用或页面:切屏超过 ${limit} 次将自动交卷`;
      el.hidden = false;
      el.dataset.count = "0";
    } else {
      el.hidden = true;
    }
    el.classList.toggle("notice", count === 0);
  }

  // ---- submitting ----------------------------------------------------------------------

  confirmSubmit() {
    if (this.ended || document.getElementById("confirm-dialog")) return;
    this.toggleNavigator(false);
    const open = this.questions.filter((q) => !answered(this.answers[q.no])).map((q) => q.no);
    const pending = this.queue.state().pending;
    const body = [];
    if (open.length) {
      body.push(h("p", { className: "confirm-lead", text: `还有 ${open.length} 题未作答(点题号可返回作答):` }));
      body.push(
        h(
          "div",
          { id: "unanswered-list", className: "unanswered-list", dataset: { unanswered: open.join(",") } },
          open.map((no) =>
            h("button", {
              type: "button",
              className: "nav-item",
              text: String(no),
              dataset: { jump: no },
              on: {
                click: () => {
                  closeDialog();
                  this.show(this.questions.findIndex((q) => q.no === no));
                },
              },
            })
          )
        )
      );
    } else {
      body.push(h("p", { className: "confirm-lead", id: "unanswered-list", dataset: { unanswered: "" }, text: "全部题目均已作答。" }));
    }
    if (pending > 0) body.push(h("p", { className: "confirm-pending", text: `有 ${pending} 题的答案尚未上传,交卷前会先上传。` }));
    body.push(h("p", { text: "交卷后不能再修改答案,确定交卷吗?" }));
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
   * Ends the exam once, whatever asks first (the person, the deadline, a 409, the 切屏
   * limit, another tab): flushes the autosave queue, submits (retrying; submit is idempotent)
   * and goes to the result. Returns the one promise; it never rejects.
   */
  finish(reason, presetResult, message) {
    if (!this.ended) {
      this.ended = true;
      this.finishing = this.runFinish(reason, presetResult, message).catch((error) => {
        this.showFinishing("交卷出错", error && error.message ? error.message : "请返回竞赛列表后重试", true);
      });
    }
    return this.finishing;
  }

  async runFinish(reason, presetResult, message) {
    if (this.countdown) this.countdown.stop();
    if (this.stopWatching) this.stopWatching();
    closeDialog();
    this.toggleNavigator(false);
    this.el.submit.disabled = true;
    this.el.next.disabled = true;
    this.el.prev.disabled = true;
    this.showChoice();
    const titles = {
      manual: "正在交卷…",
      deadline: "作答时间到,正在自动交卷…",
      stopped: message || "答卷已结束",
      "tab-limit": message || "试卷已自动提交",
      elsewhere: "试卷已在其他页面提交",
    };
    this.showFinishing(titles[reason] || "正在交卷…", "");
    if (presetResult) {
      this.done(presetResult, message);
      return;
    }
    if (reason === "manual" || reason === "deadline") {
      // Unsent answers first, or the paper would be graded without them.
      const unsubscribe = this.queue.subscribe((state) => {
        if (state.name === "offline") this.showFinishing(titles[reason], "网络中断,答案已保存在本机,恢复后自动上传并交卷");
        else if (state.name === "refused") this.showFinishing(titles[reason], `${state.text},答案已保存在本机`);
        else if (state.name === "saving") this.showFinishing(titles[reason], "正在上传答案…");
      });
      await this.queue.flush();
      unsubscribe();
    }
    let failures = 0;
    let refusal = null; // the server's message while its storage refuses the submit
    for (;;) {
      if (this.disposed) return;
      const waiting = refusal ? `${refusal}(自动重试中)` : "网络中断,恢复后自动交卷";
      this.showFinishing(titles[reason], failures ? waiting : "正在提交…");
      try {
        const result = await api.post(`/api/attempts/${this.attemptId}/submit`);
        const notes = {
          deadline: "作答时间已到,试卷已按已保存的答案自动提交",
          stopped: message,
          elsewhere: "试卷已在其他页面提交",
        };
        this.done(result, notes[reason] || null);
        return;
      } catch (error) {
        if (error.status === 401 || this.disposed) return;
        if (!error.retryable) {
          this.showFinishing("交卷失败", error.message, true);
          return;
        }
        failures += 1;
        // A 503 storage_* (disk full…): nothing was submitted and the answers are on the
        // server; the same submit goes through once the storage takes writes again.
        refusal = error.storageRefused ? error.message : null;
        await this.waitForNetwork(backoffDelay(failures));
      }
    }
  }

  /** Waits `ms`, or less when the browser reports the network is back. */
  waitForNetwork(ms) {
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

  showFinishing(title, detail, failed) {
    this.el.finishing.hidden = false;
    this.el.finishing.classList.toggle("failed", !!failed);
    this.el.finishTitle.textContent = title;
    this.el.finishDetail.textContent = detail || "";
    fill(
      this.el.finishActions,
      failed ? h("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" }) : null
    );
  }

  done(result, note) {
    saveResult(this.attemptId, result);
    forgetPaper(this.attemptId);
    if (this.view) rememberAttempt(this.view.competition_id, this.attemptId, "submitted");
    this.toResult(note);
  }

  toResult(note) {
    if (this.disposed) return;
    if (note) leaveNote(this.attemptId, note);
    this.ctx.navigate(`/result/${this.attemptId}`, { replace: true });
  }
}
