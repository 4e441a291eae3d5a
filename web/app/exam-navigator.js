// The exam's navigation between questions: 上一题 / 下一题 (交卷 on the last question) under the
// question, and the answer sheet (答题卡): a grid of every question marked answered, unanswered
// and current, opened from its button, which shows the answered count. It only shows where the
// person is and reports where they want to go; the page (exam.js) moves.

import { el } from "/static/shared/dom.js";

/** Whether a question's keys count as answered. */
export function answered(keys) {
  return !!keys && keys.length > 0;
}

export class Navigator {
  /**
   * questions: the paper's questions, in order.
   * on: {previous(), next(), pick(index)} — the 上一题 and 下一题 / 交卷 buttons, and a question
   * picked on the sheet (the sheet is closed by then).
   */
  constructor(questions, on) {
    this.questions = questions;
    this.index = 0;
    this.prev = el("button", { type: "button", id: "prev-button", className: "button secondary", text: "上一题", on: { click: () => on.previous() } });
    this.next = el("button", { type: "button", id: "next-button", className: "button primary", text: "下一题", on: { click: () => on.next() } });
    this.answeredCount = el("span", { id: "answered-count" });
    this.toggleButton = el(
      "button",
      {
        type: "button",
        id: "navigator-toggle",
        className: "button secondary",
        attrs: { "aria-controls": "navigator", "aria-expanded": "false" },
        on: { click: () => this.toggle() },
      },
      "答题卡 ",
      this.answeredCount
    );
    this.grid = el("div", { id: "navigator-grid", className: "navigator-grid" });
    questions.forEach((q, i) => {
      this.grid.appendChild(
        el("button", {
          type: "button",
          className: "nav-item",
          text: String(q.no),
          dataset: { nav: q.no },
          on: {
            click: () => {
              this.toggle(false);
              on.pick(i);
            },
          },
        })
      );
    });
    /** The buttons under the question. */
    this.bar = el("nav", { className: "exam-nav", attrs: { "aria-label": "翻题" } }, this.prev, this.toggleButton, this.next);
    /** The answer sheet, hidden until opened. */
    this.sheet = el(
      "div",
      { id: "navigator", className: "navigator", hidden: true, attrs: { role: "dialog", "aria-label": "答题卡" } },
      el(
        "div",
        { className: "navigator-sheet" },
        el(
          "div",
          { className: "navigator-head" },
          el("h2", { text: "答题卡" }),
          el("button", { type: "button", id: "navigator-close", className: "button secondary small", text: "关闭", on: { click: () => this.toggle(false) } })
        ),
        el(
          "p",
          { className: "navigator-legend" },
          el("span", { className: "legend answered", text: "已答" }),
          el("span", { className: "legend unanswered", text: "未答" }),
          el("span", { className: "legend current", text: "当前" })
        ),
        this.grid
      )
    );
    this.sheet.addEventListener("click", (event) => {
      if (event.target === this.sheet) this.toggle(false);
    });
  }

  /** The buttons for question `index`: no 上一题 on the first, 交卷 instead of 下一题 on the last. */
  show(index) {
    this.index = index;
    this.prev.disabled = index === 0;
    const last = index === this.questions.length - 1;
    this.next.textContent = last ? "交卷" : "下一题";
    this.next.dataset.last = last ? "true" : "false";
  }

  /** Marks the sheet: each question answered or not by `answers` ({no: keys}), and the current one. */
  mark(answers, index) {
    let count = 0;
    Array.prototype.forEach.call(this.grid.children, (item, i) => {
      const no = this.questions[i].no;
      const done = answered(answers[no]);
      if (done) count += 1;
      item.classList.toggle("answered", done);
      item.classList.toggle("current", i === index);
      item.dataset.state = done ? "answered" : "unanswered";
      item.setAttribute("aria-label", `第 ${no} 题,${done ? "已答" : "未答"}`);
      if (i === index) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    });
    this.answeredCount.textContent = `${count}/${this.questions.length}`;
  }

  /** Opens or closes the sheet (`open` omitted: the other way round); opened, the current question has the focus. */
  toggle(open) {
    const show = open === undefined ? this.sheet.hidden : open;
    this.sheet.hidden = !show;
    this.toggleButton.setAttribute("aria-expanded", show ? "true" : "false");
    document.body.classList.toggle("has-sheet", show);
    if (show) {
      const current = this.grid.children[this.index];
      if (current) current.focus();
    }
  }

  /** No more moving: the paper is being handed in. */
  lock() {
    this.next.disabled = true;
    this.prev.disabled = true;
  }
}
