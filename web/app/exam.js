// The exam page: loading the paper (or this phone's copy of it), the bar (countdown by the
// server's clock, the autosave state, 交卷), the answers, re-reading the attempt when the page
// is seen again, and 切屏. Everything that talks to the server retries by itself; the page
// never waits on a request it cannot show. Its parts, each in its own module:
//   exam-question.js   the question on screen and its options
//   exam-navigator.js  上一题 / 下一题 and the answer sheet (答题卡)
//   exam-finish.js     the 确认交卷 dialog, submitting with its retries, the finishing overlay
//
// Where answers live: `answers` (what the page shows) = the server's copy, overlaid by the
// autosave queue's unsent choices (those are newer by construction). The queue is the only
// way an answer reaches the server (autosave.js).

import { el, fill } from "/static/shared/dom.js";
import { backoffDelay } from "/static/shared/retry.js";
import { api } from "./api.js";
import { answerQueue } from "./autosave.js";
import { Countdown, ServerClock } from "./countdown.js";
import { closeDialog, toast } from "./dialog.js";
import { statusBlock } from "./dom.js";
import { FinishFlow } from "./exam-finish.js";
import { Navigator, answered } from "./exam-navigator.js";
import { QuestionView, nextChoice } from "./exam-question.js";
import { loadPaper, rememberAttempt, savePaper, takeStartedAttempt } from "./local.js";
import { tabSwitchReports, watchLeaving } from "./tabswitch.js";

const WARN_AT_MS = [5 * 60 * 1000, 60 * 1000];

export function renderExam(ctx) {
  const exam = new ExamPage(ctx, Number(ctx.params[0]));
  ctx.onLeave(() => exam.dispose());
  exam.open();
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
    this.disposed = false;
    this.cleanups = [];
    this.timers = [];
    this.resyncing = false;
    this.needsSync = false; // shown from this phone's copy: read the server's as soon as it answers
    this.syncFailures = 0;
    this.tabSwitches = 0;
    this.maxTabSwitches = null;
    this.ui = {}; // the bar, the title and the 切屏 line
    this.question = null; // QuestionView, once the paper is there
    this.navigator = null; // Navigator, likewise
    this.finishing = new FinishFlow({
      ctx,
      attemptId,
      queue: this.queue,
      view: () => this.view,
      disposed: () => this.disposed,
      unanswered: () => this.questions.filter((q) => !answered(this.answers[q.no])).map((q) => q.no),
      goTo: (no) => this.show(this.questions.findIndex((q) => q.no === no)),
      closeSheet: () => this.navigator.toggle(false),
      stop: () => this.stop(),
    });
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
    this.page = el("section", { className: "exam", id: "exam-page", dataset: { attemptId: this.attemptId } });
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
          this.finishing.toResult(null);
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
            el("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" })
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
          el("button", { type: "button", className: "button secondary", id: "exam-retry", text: "立即重试", on: { click: () => this.load(0) } })
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
      () => this.finishing.finish("deadline")
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
        this.ui.title.textContent = competition.title;
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
    if (this.resyncing || this.finishing.ended || this.disposed || !this.view) return;
    this.resyncing = true;
    api.get(`/api/attempts/${this.attemptId}`).then(
      (view) => {
        const receivedAt = Date.now();
        this.resyncing = false;
        if (this.disposed || this.finishing.ended) return;
        this.needsSync = false;
        this.syncFailures = 0;
        this.clock.sync(view.server_time, receivedAt);
        if (view.status === "submitted") {
          this.finishing.finish("elsewhere");
          return;
        }
        this.merge(view);
      },
      (error) => {
        this.resyncing = false;
        if (this.disposed || this.finishing.ended) return;
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
    const ui = this.ui;
    ui.countdown = el("span", { id: "countdown", className: "countdown", text: "--:--", attrs: { role: "timer" } });
    ui.saveState = el("p", { id: "save-state", className: "save-state", dataset: { state: "idle" }, attrs: { role: "status", "aria-live": "polite" } });
    ui.submit = el("button", { type: "button", id: "submit-button", className: "button primary small", text: "交卷", on: { click: () => this.finishing.confirm() } });
    ui.title = el("p", { id: "exam-title", className: "exam-title" });
    ui.warning = el("p", { id: "tab-switch-warning", className: "warning", hidden: true, attrs: { role: "alert" } });
    this.question = new QuestionView((key) => this.choose(key));
    this.navigator = new Navigator(this.questions, {
      previous: () => this.show(this.index - 1),
      next: () => this.next(),
      pick: (index) => this.show(index),
    });
    fill(
      this.page,
      el(
        "header",
        { className: "exam-bar" },
        el("div", { className: "exam-timer" }, el("span", { className: "exam-timer-label", text: "剩余" }), ui.countdown),
        ui.saveState,
        ui.submit
      ),
      ui.title,
      ui.warning,
      this.question.card,
      this.navigator.bar,
      this.navigator.sheet,
      this.finishing.overlay
    );
    this.showTabSwitches();
  }

  show(index) {
    if (index < 0 || index >= this.questions.length) return;
    const changed = index !== this.index;
    this.index = index;
    this.question.show(this.questions[index], this.questions.length);
    this.navigator.show(index);
    this.showChoice();
    if (changed && window.scrollTo) window.scrollTo(0, 0);
  }

  next() {
    if (this.index === this.questions.length - 1) this.finishing.confirm();
    else this.show(this.index + 1);
  }

  /** Marks the chosen options, the answer sheet and the answered count. */
  showChoice() {
    const q = this.questions[this.index];
    this.question.mark(this.answers[q.no] || [], !!this.finishing.ended);
    this.navigator.mark(this.answers, this.index);
  }

  choose(key) {
    if (this.finishing.ended) return;
    const q = this.questions[this.index];
    const keys = nextChoice(q, this.answers[q.no] || [], key);
    if (!keys) return;
    this.answers[q.no] = keys;
    this.queue.enqueue(q.no, keys);
    this.keepCopy();
    this.showChoice();
  }

  /** When finishing begins: nothing may change the paper any more. */
  stop() {
    if (this.countdown) this.countdown.stop();
    if (this.stopWatching) this.stopWatching();
    closeDialog();
    this.navigator.toggle(false);
    this.ui.submit.disabled = true;
    this.navigator.lock();
    this.showChoice();
  }

  onKey(event) {
    if (document.body.classList.contains("has-dialog") || this.finishing.ended) return;
    if (event.key === "ArrowLeft") this.show(this.index - 1);
    else if (event.key === "ArrowRight") this.show(this.index + 1);
    else if (event.key === "Escape") this.navigator.toggle(false);
  }

  tick(remaining, text) {
    const countdown = this.ui.countdown;
    countdown.textContent = text;
    countdown.dataset.remaining = String(Math.max(0, Math.ceil(remaining / 1000)));
    countdown.classList.toggle("urgent", remaining <= WARN_AT_MS[0]);
    WARN_AT_MS.forEach((at) => {
      // Warn once per mark, and only when the mark is crossed while the page is open.
      if (remaining <= at && remaining > at - 5000 && !this.warned[at]) {
        this.warned[at] = true;
        toast(`距离交卷还有 ${Math.round(at / 60000)} 分钟`);
      }
    });
  }

  showSaveState(state) {
    const saveState = this.ui.saveState;
    saveState.textContent = state.text;
    saveState.dataset.state = state.name;
    saveState.dataset.pending = String(state.pending);
    // A 409: the server no longer takes answers (deadline passed, or submitted elsewhere).
    if (state.name === "stopped" && !this.finishing.ended) this.finishing.finish("stopped", null, state.text);
  }

  // ---- 切屏 -------------------------------------------------------------------------------

  leftPage() {
    if (this.finishing.ended || this.disposed) return;
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
        this.finishing.finish("tab-limit", reply.result || null, message);
        return;
      }
      this.showTabSwitches();
      toast(this.ui.warning.textContent);
    } else if (event.type === "closed" && !this.finishing.ended) {
      this.finishing.finish("stopped", null, event.message);
    }
  }

  showTabSwitches() {
    const warning = this.ui.warning;
    if (!warning) return;
    // Switches not yet reported (offline) count too: the person sees the same number the
    // server will.
    const count = this.tabSwitches + this.reports.unreported();
    const limit = this.maxTabSwitches;
    warning.dataset.count = String(count);
    if (count > 0) {
      warning.textContent =
        limit === null || limit === undefined
          ? `已切屏 ${count} 次,切屏次数会被记录`
          : `已切屏 ${count} 次,超过 ${limit} 次将自动交卷`;
      warning.hidden = false;
    } else if (limit !== null && limit !== undefined) {
      warning.textContent = `请勿切换到其他应用或页面:切屏超过 ${limit} 次将自动交卷`;
      warning.hidden = false;
      warning.dataset.count = "0";
    } else {
      warning.hidden = true;
    }
    warning.classList.toggle("notice", count === 0);
  }
}
