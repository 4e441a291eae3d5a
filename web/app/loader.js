// Loading a page's data with the status shown in place and automatic retries while there is
// no answer (offline, server restarting): a page opened on a bad network fills in by itself.
// Also the frame of the two pages about one attempt, the result and the review.

import { el, fill } from "/static/shared/dom.js";
import { backoffDelay } from "/static/shared/retry.js";
import { api } from "./api.js";
import { statusBlock } from "./dom.js";

/**
 * Calls `load()` (a promise) until it succeeds, then `onData(data)`. Shows progress and
 * failures in `container`. A refusal that cannot change by retrying is shown with a link back.
 */
export function keepTrying(ctx, container, statusId, load, onData) {
  let failures = 0;
  let timer = 0;
  ctx.onLeave(() => clearTimeout(timer));
  function attempt() {
    load().then(
      (data) => {
        if (ctx.active()) onData(data);
      },
      (error) => {
        if (!ctx.active() || error.status === 401) return;
        if (!error.retryable) {
          fill(container, statusBlock(statusId, error.message), el("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" }));
          return;
        }
        failures += 1;
        fill(
          container,
          statusBlock(statusId, `${error.message},正在重试…`),
          el("button", {
            type: "button",
            className: "button secondary",
            text: "立即重试",
            on: {
              click: () => {
                clearTimeout(timer);
                attempt();
              },
            },
          })
        );
        timer = setTimeout(attempt, backoffDelay(failures));
      }
    );
  }
  fill(container, statusBlock(statusId, "正在加载…"));
  attempt();
}

/** A competition, or null when it cannot be read (the page then shows less, not nothing). */
function competitionOrNull(id) {
  return api.get(`/api/competitions/${id}`).then(
    (competition) => competition,
    () => null
  );
}

/**
 * A page about one attempt (`#/result/{id}`, `#/review/{id}`): `<section id="{name}-page">`,
 * drawn by `draw(page, attemptId, view, competition)` once the attempt and its competition are
 * read (GET /api/attempts/{id}, then its competition, or null), retrying meanwhile.
 */
export function renderAttemptPage(ctx, name, draw) {
  const attemptId = Number(ctx.params[0]);
  const page = el("section", { className: "page", id: `${name}-page`, dataset: { attemptId } });
  ctx.root.appendChild(page);
  keepTrying(
    ctx,
    page,
    `${name}-status`,
    () => api.get(`/api/attempts/${attemptId}`).then((view) => competitionOrNull(view.competition_id).then((competition) => ({ view, competition }))),
    (data) => draw(page, attemptId, data.view, data.competition)
  );
}
