// The competitions list: each competition's window and rules, and what the person can do
// now — start, continue the attempt in progress, see the result, see the review after the
// close. The person's attempts come from GET /api/me (or, on a server without it, from what
// this phone remembers).

import { clear, el, fill } from "/static/shared/dom.js";
import { backoffDelay } from "/static/shared/retry.js";
import { api } from "./api.js";
import { showDialog, showNotice } from "./dialog.js";
import { statusBlock } from "./dom.js";
import { STATUS_LABELS, formatChinaTime, formatPoints } from "./format.js";
import { handOverStartedAttempt, rememberAttempt, rememberedAttempts } from "./local.js";

/** `{participant, attempts}` from /api/me; null when the server has no such route yet. */
function loadMe() {
  return api.get("/api/me").then(
    (me) => me,
    (error) => {
      if (error.status === 404) return null;
      throw error;
    }
  );
}

export function renderCompetitions(ctx) {
  const list = el("div", { id: "competition-list", className: "competition-list", attrs: { "aria-live": "polite" } });
  const refresh = el("button", { type: "button", id: "refresh-competitions", className: "button secondary small", text: "刷新" });
  ctx.root.appendChild(
    el(
      "section",
      { className: "page", id: "competitions-page" },
      el("div", { className: "page-header row" }, el("h1", { text: "竞赛" }), refresh),
      list
    )
  );
  let failures = 0;
  let retryTimer = 0;
  ctx.onLeave(() => clearTimeout(retryTimer));

  function load() {
    clearTimeout(retryTimer);
    if (!list.firstChild) list.appendChild(statusBlock("competitions-status", "正在加载…"));
    refresh.disabled = true;
    Promise.all([api.get("/api/competitions"), loadMe()]).then(
      (replies) => {
        if (!ctx.active()) return;
        failures = 0;
        refresh.disabled = false;
        const me = replies[1];
        if (me && me.participant) ctx.setUser(me.participant.name);
        draw(replies[0] || [], me ? me.attempts || [] : rememberedAttempts());
      },
      (error) => {
        if (!ctx.active() || error.status === 401) return;
        refresh.disabled = false;
        failures += 1;
        const message = error.retryable ? "网络连接失败,正在重试…" : error.message;
        fill(list, statusBlock("competitions-status", message), el("button", { type: "button", className: "button secondary", text: "立即重试", on: { click: load } }));
        if (error.retryable) retryTimer = setTimeout(load, backoffDelay(failures));
      }
    );
  }

  function draw(competitions, attempts) {
    clear(list);
    if (competitions.length === 0) {
      list.appendChild(el("p", { className: "empty", id: "competitions-empty", text: "暂时没有竞赛,请留意组织者的通知" }));
      return;
    }
    const highlight = ctx.highlightedCompetition();
    let highlighted = null;
    competitions.forEach((competition) => {
      const mine = attempts.filter((a) => Number(a.competition_id) === competition.id);
      const card = competitionCard(competition, mine);
      if (competition.id === highlight) {
        card.classList.add("highlight");
        highlighted = card;
      }
      list.appendChild(card);
    });
    if (highlighted && highlighted.scrollIntoView) highlighted.scrollIntoView({ block: "center" });
  }

  function competitionCard(competition, mine) {
    mine.sort((a, b) => (a.attempt_no || 0) - (b.attempt_no || 0));
    // Not judged by the phone's clock (it may be off): an attempt whose deadline passed is
    // graded when the exam page reads it, which then shows the result.
    const inProgress = mine.filter((a) => a.status === "in_progress")[0];
    const finished = mine.filter((a) => a !== inProgress);
    const latest = finished[finished.length - 1];
    const left = competition.max_attempts - mine.length;
    const actions = [];
    if (competition.status === "open") {
      if (inProgress) actions.push(link("继续答题", `#/exam/${inProgress.attempt_id}`, "continue", true));
      else if (left > 0) actions.push(button(finished.length ? "再次答题" : "开始答题", "start", () => confirmStart(competition)));
    }
    if (latest) actions.push(link("查看成绩", `#/result/${latest.attempt_id}`, "result", !actions.length));
    if (latest && competition.status === "closed") actions.push(link("查看解析", `#/review/${latest.attempt_id}`, "review", false));

    let note = null;
    if (competition.status === "upcoming") note = `${formatChinaTime(competition.opens_at)} 开始,届时即可答题`;
    else if (competition.status === "closed" && mine.length === 0) note = "竞赛已结束,你未参加";
    else if (competition.status === "open" && !inProgress && left <= 0) note = "你已完成作答";

    const score =
      latest && latest.score !== undefined && latest.score !== null
        ? el("p", { className: "competition-score" }, "我的成绩:", el("strong", { text: formatPoints(latest.score) }), ` / ${formatPoints(latest.max_score)} 分`)
        : null;
    return el(
      "article",
      { className: "card competition-card", dataset: { competitionId: competition.id, status: competition.status } },
      el(
        "div",
        { className: "competition-head" },
        el("h2", { className: "competition-title", text: competition.title }),
        el("span", { className: `badge competition-status status-${competition.status}`, dataset: { status: competition.status }, text: STATUS_LABELS[competition.status] || competition.status })
      ),
      el("p", { className: "competition-window", text: `${formatChinaTime(competition.opens_at)} 至 ${formatChinaTime(competition.closes_at)}` }),
      el("p", {
        className: "competition-meta",
        text: `共 ${competition.question_count} 题 · 满分 ${formatPoints(competition.max_score)} 分 · 限时 ${competition.duration_minutes} 分钟`,
      }),
      score,
      note ? el("p", { className: "competition-note", text: note }) : null,
      actions.length ? el("div", { className: "competition-actions" }, actions) : null
    );
  }

  function link(text, href, action, primary) {
    return el("a", { className: primary ? "button primary" : "button secondary", href, text, dataset: { action } });
  }

  function button(text, action, onClick) {
    return el("button", { type: "button", className: "button primary", text, dataset: { action }, on: { click: onClick } });
  }

  function confirmStart(competition) {
    const rules = [
      `本场共 ${competition.question_count} 题,满分 ${formatPoints(competition.max_score)} 分,限时 ${competition.duration_minutes} 分钟。`,
      "开始后即开始计时,中途离开计时不会暂停,时间到自动交卷。",
      "答案自动保存;网络中断时先保存在本机,恢复后自动上传。",
    ];
    if (competition.max_tab_switches !== undefined && competition.max_tab_switches !== null) {
      rules.push(`答题时请勿切换到其他应用或页面:切屏超过 ${competition.max_tab_switches} 次将自动交卷。`);
    } else {
      rules.push("答题时请勿切换到其他应用或页面,切屏次数会被记录。");
    }
    let starting = false;
    showDialog({
      id: "start-dialog",
      title: competition.title,
      body: el("ul", { className: "rules" }, rules.map((rule) => el("li", { text: rule }))),
      dismissible: true,
      actions: [
        { id: "cancel-start", text: "取消" },
        {
          id: "confirm-start",
          text: "开始答题",
          primary: true,
          onClick: () => {
            if (starting) return false;
            starting = true;
            const confirmButton = document.getElementById("confirm-start");
            confirmButton.disabled = true;
            confirmButton.textContent = "正在生成试卷…";
            start(competition);
            return false;
          },
        },
      ],
    });
  }

  function start(competition) {
    api.post(`/api/competitions/${competition.id}/attempts`).then(
      (view) => {
        const receivedAt = Date.now();
        handOverStartedAttempt(view, receivedAt);
        rememberAttempt(competition.id, view.attempt_id, "in_progress");
        ctx.navigate(`/exam/${view.attempt_id}`);
      },
      (error) => {
        if (error.status === 401) return;
        if (error.retryable) {
          showNotice({ id: "start-failed", title: "暂时无法开始", message: `${error.message}。请稍后再试。` });
        } else {
          showNotice({ id: "start-failed", title: "无法开始答题", message: error.message }).then(() => {
            if (ctx.active()) load();
          });
        }
      }
    );
  }

  refresh.addEventListener("click", load);
  load();
}
