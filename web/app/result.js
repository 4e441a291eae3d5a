// The result of a submitted attempt: score, rank, time used, and where the review is.
// GET /api/attempts/{id} is the truth; the submit reply kept on this phone adds the time used
// (and the rank, on a server whose attempt view does not carry it yet).

import { el } from "/static/shared/dom.js";
import { formatDuration } from "/static/shared/format.js";
import { formatChinaTime, formatPoints } from "./format.js";
import { loadResult, takeNote } from "./local.js";
import { renderAttemptPage } from "./loader.js";

function pick(a, b) {
  return a !== undefined && a !== null ? a : b;
}

export function renderResult(ctx) {
  const note = takeNote(Number(ctx.params[0]));
  renderAttemptPage(ctx, "result", (page, attemptId, view, competition) => draw(page, attemptId, view, competition, note));
}

function draw(page, attemptId, view, competition, note) {
  while (page.firstChild) page.removeChild(page.firstChild);
  const title = competition ? competition.title : "竞赛成绩";
  if (view.status !== "submitted") {
    page.appendChild(el("div", { className: "page-header" }, el("h1", { text: title })));
    page.appendChild(
      el(
        "div",
        { className: "card" },
        el("p", { id: "result-pending", text: "这份答卷还没有提交。" }),
        el("a", { className: "button primary block", id: "continue-exam", href: `#/exam/${attemptId}`, text: "继续答题" })
      )
    );
    return;
  }
  const stored = loadResult(attemptId) || {};
  const score = pick(view.score, stored.score);
  const maxScore = pick(view.max_score, stored.max_score);
  const rank = pick(view.rank, stored.rank);
  const duration = pick(view.duration_seconds, stored.duration_seconds);
  const correct = pick(view.correct_count, stored.correct_count);
  const total = view.questions ? view.questions.length : null;
  const passed = competition && competition.pass_score !== undefined ? Number(score) >= Number(competition.pass_score) : null;

  const facts = [
    ["排名", "result-rank", rank !== undefined && rank !== null ? `第 ${rank} 名` : "暂无排名"],
    ["用时", "result-duration", duration !== undefined && duration !== null ? formatDuration(duration, { hours: true }) : "—"],
    ["答对", "result-correct", correct !== undefined && correct !== null ? `${correct}${total ? ` / ${total}` : ""} 题` : "—"],
    ["交卷时间", "result-submitted-at", view.submitted_at ? formatChinaTime(view.submitted_at) : "—"],
  ];
  const revealed = (view.questions || []).some((q) => Array.isArray(q.answer));
  const closed = revealed || (competition && competition.status === "closed");
  page.appendChild(el("div", { className: "page-header" }, el("h1", { text: "我的成绩" }), el("p", { className: "lead", id: "result-competition", text: title })));
  if (note) page.appendChild(el("p", { className: "warning", id: "result-notice", text: note, attrs: { role: "alert" } }));
  page.appendChild(
    el(
      "div",
      { className: "card result-card" },
      el(
        "p",
        { className: "result-score-line" },
        el("span", { className: "result-score", id: "result-score", text: formatPoints(score) }),
        el("span", { className: "result-max" }, " / ", el("span", { id: "result-max-score", text: formatPoints(maxScore) }), " 分")
      ),
      passed === null ? null : el("p", { className: passed ? "badge pass" : "badge fail", id: "result-pass", text: passed ? "已达合格线" : "未达合格线" }),
      el(
        "dl",
        { className: "result-facts" },
        facts.map((fact) => el("div", { className: "fact" }, el("dt", { text: fact[0] }), el("dd", { id: fact[1], text: fact[2] })))
      )
    )
  );
  if (closed) {
    page.appendChild(el("a", { className: "button primary block", id: "review-link", href: `#/review/${attemptId}`, text: "查看答案与解析" }));
  } else {
    const text = competition
      ? `答案与解析将于 ${formatChinaTime(competition.closes_at)} 竞赛结束后开放,届时可在此查看。`
      : "答案与解析将于竞赛结束后开放,届时可在此查看。";
    page.appendChild(el("p", { className: "notice", id: "review-opens", text }));
  }
  page.appendChild(el("a", { className: "button secondary block", id: "back-to-list", href: "#/competitions", text: "返回竞赛列表" }));
}
