// Loading a page's data with the status shown in place and automatic retries while there is
// no answer (offline, server restarting): a page opened on a bad network fills in by itself.

import { fill, h, statusBlock } from "./dom.js";
import { backoffDelay } from "./retry.js";

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
          fill(container, statusBlock(statusId, error.message), h("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" }));
          return;
        }
        failures += 1;
        fill(
          container,
          statusBlock(statusId, `${error.message},正在重试…`),
          h("button", {
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
export function competitionOrNull(api, id) {
  return api.get(`/api/competitions/${id}`).then(
    (competition) => competition,
    () => null
  );
}
