// The result of a submitted attempt: score, rank, time used, and where the review is.
// GET /api/attempts/{id} is the truth; the submit reply kept on this phone adds the time used
// (and the rank, on a server whose attempt view does not carry it yet).

import { api } from "./api.js";
import { h } from "./dom.js";
import { formatChinaTime, formatDuration, formatPoints } from "./format.js";
import { loadResult, takeNote } from "./local.js";
import { competitionOrNull, keepTrying } from "./loader.js";

function pick(a, b) {
  return a !== undefined && a !== null ? a : b;
}

export function renderResult(ctx) {
  const attemptId = Number(ctx.params[0]);
  const note = takeNote(attemptId);
  const page = h("section", { className: "page", id: "result-page", dataset: { attemptId } });
  ctx.root.appendChild(page);
  keepTrying(
    ctx,
    page,
    "result-status",
    () =>
      api.get(`/api/attempts/${attemptId}`).then((view) =>
        competitionOrNull(api, view.competition_id).then((competition) => ({ view, competition }))
      ),
    (data) => draw(page, attemptId, data.view, data.competition, note)
  );
}

function draw(page, attemptId, view, competition, note) {
  while (page.firstChild) page.removeChild(page.firstChild);
  const title = competition ? competition.title : "竞赛成绩";
  if (view.status !== "submitted") {
    page.appendChild(h("div", { className: "page-header" }, h("h1", { text: title })));
    page.appendChild(
      h(
        "div",
        { className: "card" },
        h("p", { id: "result-pending", text: "这份答卷还没有提交。" }),
        h("a", { className: "button primary block", id: "continue-exam", href: `#/exam/${attemptId}`, text: "继续答题" })
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
    ["用时", "result-duration", duration !== undefined && duration !== null ? formatDuration(duration) : "—"],
    ["答对", "result-correct", correct !== undefined && correct !== null ? `${correct}${total ? ` / ${total}` : ""} 题` : "—"],
    ["交卷时间", "result-submitted-at", view.submitted_at ? formatChinaTime(view.submitted_at) : "—"],
  ];
  const revealed = (view.questions || []).some((q) => Array.isArray(q.answer));
  const closed = revealed || (competition && competition.status === "closed");
  page.appendChild(h("div", { className: "page-header" }, h("h1", { text: "我的成绩" }), h("p", { className: "lead", id: "result-competition", text: title })));
  if (note) page.appendChild(h("p", { className: "warning", id: "result-notice", text: note, attrs: { role: "alert" } }));
  page.appendChild(
    h(
      "div",
      { className: "card result-card" },
      h(
        "p",
        { className: "result-score-line" },
        h("span", { className: "result-score", id: "result-score", text: formatPoints(score) }),
        h("span", { className: "result-max" }, " / ", h("span", { id: "result-max-score", text: formatPoints(maxScore) }), " 分")
      ),
      passed === null ? null : h("p", { className: passed ? "badge pass" : "badge fail", id: "result-pass", text: passed ? "已达合格线" : "未达合格线" }),
      h(
        "dl",
        { className: "result-facts" },
        facts.map((fact) => h("div", { className: "fact" }, h("dt", { text: fact[0] }), h("dd", { id: fact[1], text: fact[2] })))
      )
    )
  );
  if (closed) {
    page.appendChild(h("a", { className: "button primary block", id: "review-link", href: `#/review/${attemptId}`, text: "查看答案与解析" }));
  } else {
    const text = competition
      ? `答案与解析将于 ${formatChinaTime(competition.closes_at)} 竞赛结束后开放,届时可在此查看。`
      : "答案与解析将于竞赛结束后开放,届时可在此查看。";
    page.appendChild(h("p", { className: "notice", id: "review-opens", text }));
  }
  page.appendChild(h("a", { className: "button secondary block", id: "back-to-list", href: "#/competitions", text: "返回竞赛列表" }));
}
