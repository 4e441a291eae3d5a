// The question on the exam's screen: its kind, number and points, the stem, how to answer it,
// and the options as large buttons (radio buttons for 单选 and 判断, checkboxes for 多选). A tap
// on an option is reported to the page (exam.js), which keeps the answer; `nextChoice` says
// which keys that tap makes.

import { el, fill } from "/static/shared/dom.js";
import { KIND_LABELS, formatPoints } from "./format.js";

/**
 * The keys chosen after tapping option `key` of question `q` when `before` were chosen: a
 * multiple-choice option toggles (keys in the order the options are shown), any other
 * replaces. null when nothing changes (the chosen option of a single choice tapped again).
 */
export function nextChoice(q, before, key) {
  if (q.kind === "multiple") {
    const set = before.indexOf(key) >= 0 ? before.filter((k) => k !== key) : before.concat([key]);
    return q.options.map((o) => o.key).filter((k) => set.indexOf(k) >= 0);
  }
  if (before.length === 1 && before[0] === key) return null;
  return [key];
}

export class QuestionView {
  /** onChoose(key): an option was tapped. */
  constructor(onChoose) {
    this.onChoose = onChoose;
    this.kind = el("span", { id: "question-kind", className: "badge question-kind" });
    this.number = el("span", { id: "question-number", className: "question-number" });
    this.points = el("span", { id: "question-points", className: "question-points" });
    this.stem = el("p", { id: "question-stem", className: "question-stem" });
    this.hint = el("p", { id: "question-hint", className: "question-hint" });
    this.options = el("div", { id: "options", className: "options" });
    this.card = el(
      "article",
      { id: "question", className: "card question-card", attrs: { "aria-labelledby": "question-number" } },
      el("div", { className: "question-head" }, this.kind, this.number, this.points),
      this.stem,
      this.hint,
      this.options
    );
  }

  /** Shows question `q`, one of `total`. */
  show(q, total) {
    this.card.dataset.no = q.no;
    this.card.dataset.kind = q.kind;
    this.kind.textContent = KIND_LABELS[q.kind] || q.kind;
    this.kind.dataset.kind = q.kind;
    this.number.textContent = `第 ${q.no} 题 / 共 ${total} 题`;
    this.points.textContent = `${formatPoints(q.points)} 分`;
    this.stem.textContent = q.stem;
    this.hint.textContent =
      q.kind === "multiple" ? "多选题:选出所有正确的选项,可多选" : q.kind === "judge" ? "判断下面的说法是否正确" : "单选题:只有一个正确选项";
    const multiple = q.kind === "multiple";
    this.options.setAttribute("role", multiple ? "group" : "radiogroup");
    this.options.setAttribute("aria-labelledby", "question-stem");
    fill(
      this.options,
      q.options.map((option) =>
        el(
          "button",
          {
            type: "button",
            className: "option",
            dataset: { option: option.key },
            attrs: { role: multiple ? "checkbox" : "radio", "aria-checked": "false" },
            on: { click: () => this.onChoose(option.key) },
          },
          el("span", { className: "option-key", text: q.kind === "judge" ? (option.key === "T" ? "✓" : "✗") : option.key, attrs: { "aria-hidden": "true" } }),
          el("span", { className: "option-text", text: option.text })
        )
      )
    );
  }

  /** Marks the options in `keys` chosen; `locked` (the paper is being handed in) disables them all. */
  mark(keys, locked) {
    Array.prototype.forEach.call(this.options.children, (button) => {
      const chosen = keys.indexOf(button.dataset.option) >= 0;
      button.classList.toggle("selected", chosen);
      button.setAttribute("aria-checked", chosen ? "true" : "false");
      button.disabled = locked;
    });
  }
}
