// The review after the close: every question with the person's choice, the correct answer,
// right or wrong, the regulation and the explanation. The server adds `answer` and
// `explanation` to the attempt only once the competition closed; before that the page says
// when the review opens.

import { el } from "/static/shared/dom.js";
import { KIND_LABELS, formatChinaTime, formatKeys, formatPoints } from "./format.js";
import { renderAttemptPage } from "./loader.js";

const VERDICTS = {
  correct: "✓ 正确",
  partial: "◐ 少选",
  wrong: "✗ 错误",
  unanswered: "— 未作答",
};

/** correct | partial (a multiple-choice subset, no wrong pick) | wrong | unanswered */
function verdict(question, chosen) {
  if (!chosen || chosen.length === 0) return "unanswered";
  const answer = question.answer || [];
  const allRight = chosen.every((k) => answer.indexOf(k) >= 0);
  if (allRight && chosen.length === answer.length) return "correct";
  if (allRight && question.kind === "multiple") return "partial";
  return "wrong";
}

export function renderReview(ctx) {
  renderAttemptPage(ctx, "review", draw);
}

function draw(page, attemptId, view, competition) {
  while (page.firstChild) page.removeChild(page.firstChild);
  const title = competition ? competition.title : "答案与解析";
  page.appendChild(el("div", { className: "page-header" }, el("h1", { text: "答案与解析" }), el("p", { className: "lead", text: title })));
  const questions = view.questions || [];
  const revealed = questions.some((q) => Array.isArray(q.answer));
  if (view.status !== "submitted" || !revealed) {
    const text =
      view.status !== "submitted"
        ? "这份答卷还没有提交,交卷并在竞赛结束后可查看解析。"
        : competition
        ? `答案与解析将于 ${formatChinaTime(competition.closes_at)} 竞赛结束后开放,届时请再来查看。`
        : "答案与解析将于竞赛结束后开放,届时请再来查看。";
    page.appendChild(el("p", { className: "notice", id: "review-locked", text }));
    page.appendChild(el("a", { className: "button secondary block", href: `#/result/${attemptId}`, text: "查看成绩" }));
    page.appendChild(el("a", { className: "button secondary block", href: "#/competitions", text: "返回竞赛列表" }));
    return;
  }
  const answers = view.answers || {};
  const counts = { correct: 0, partial: 0, wrong: 0, unanswered: 0 };
  const items = questions.map((q) => {
    const chosen = answers[q.no] || [];
    const result = verdict(q, chosen);
    counts[result] += 1;
    return reviewItem(q, chosen, result);
  });
  const onlyWrong = el("button", {
    type: "button",
    id: "review-wrong-only",
    className: "button secondary small",
    text: "只看错题",
    attrs: { "aria-pressed": "false" },
  });
  const list = el("div", { id: "review-list", className: "review-list" }, items);
  onlyWrong.addEventListener("click", () => {
    const on = onlyWrong.getAttribute("aria-pressed") !== "true";
    onlyWrong.setAttribute("aria-pressed", on ? "true" : "false");
    onlyWrong.textContent = on ? "显示全部" : "只看错题";
    list.classList.toggle("only-wrong", on);
  });
  page.appendChild(
    el(
      "div",
      { className: "card review-summary", id: "review-summary" },
      el(
        "p",
        null,
        `得分 ${formatPoints(view.score)} / ${formatPoints(view.max_score)} 分 · 答对 ${counts.correct} 题`,
        counts.partial ? ` · 少选 ${counts.partial} 题` : "",
        ` · 答错 ${counts.wrong} 题`,
        counts.unanswered ? ` · 未作答 ${counts.unanswered} 题` : ""
      ),
      onlyWrong
    )
  );
  page.appendChild(list);
  page.appendChild(el("a", { className: "button secondary block", id: "back-to-list", href: "#/competitions", text: "返回竞赛列表" }));
}

function reviewItem(q, chosen, result) {
  const answer = q.answer || [];
  const options = (q.options || []).map((option) => {
    const isAnswer = answer.indexOf(option.key) >= 0;
    const isChosen = chosen.indexOf(option.key) >= 0;
    const marks = [];
    if (isAnswer) marks.push("正确答案");
    if (isChosen) marks.push("你的选择");
    return el(
      "li",
      {
        className: `review-option${isAnswer ? " is-answer" : ""}${isChosen ? " is-chosen" : ""}${isChosen && !isAnswer ? " is-wrong" : ""}`,
        dataset: { option: option.key },
      },
      el("span", { className: "option-key", text: q.kind === "judge" ? (option.key === "T" ? "✓" : "✗") : option.key }),
      el("span", { className: "option-text", text: option.text }),
      marks.length ? el("span", { className: "review-option-mark", text: marks.join(" · ") }) : null
    );
  });
  return el(
    "article",
    { className: `card review-item result-${result}`, dataset: { no: q.no, result } },
    el(
      "div",
      { className: "question-head" },
      el("span", { className: "badge question-kind", text: KIND_LABELS[q.kind] || q.kind }),
      el("span", { className: "question-number", text: `第 ${q.no} 题` }),
      el("span", { className: "question-points", text: `${formatPoints(q.points)} 分` }),
      el("span", { className: `review-mark mark-${result}`, text: VERDICTS[result] })
    ),
    el("p", { className: "question-stem", text: q.stem }),
    el("ul", { className: "review-options" }, options),
    el("p", { className: "review-yours" }, "你的答案:", el("strong", { text: formatKeys(chosen, q.kind) })),
    el("p", { className: "review-answer" }, "正确答案:", el("strong", { text: formatKeys(answer, q.kind) })),
    q.regulation ? el("p", { className: "review-regulation", text: `依据:${q.regulation}` }) : null,
    q.explanation ? el("p", { className: "review-explanation" }, el("strong", { text: "解析:" }), q.explanation) : null
  );
}
