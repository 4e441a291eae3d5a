// One competition, live: the monitor's figures (polled every 3 s), the score histogram, the
// tab-switch alerts, the leaderboard over the websocket, the exports and closing the window.
// Everything stops when the organizer leaves the page (ctx.onLeave).

import { el } from "/static/shared/dom.js";
import { api } from "./api.js";
import {
  ATTEMPT_LABELS,
  WINDOW_LABELS,
  confirmDialog,
  formatDateTime,
  formatNumber,
  fromTemplate,
  label,
  setStatus,
  setText,
} from "./dom.js";
import { setupExports } from "./exports.js";
import { connectLeaderboard } from "./leaderboard.js";

const POLL_MS = 3000;
// After a failure, ask less often: a server that lacks the route or is restarting is not
// helped by a request every 3 s.
const POLL_AFTER_FAILURE_MS = 10000;

export function render(view, ctx, id) {
  const root = fromTemplate("tpl-monitor");
  view.append(root);
  const $ = (name) => root.querySelector(`#${name}`);

  $("open-screen-link").href = `/screen/${id}`;
  const competition = { id, title: `竞赛 ${id}`, status: null };

  async function loadCompetition() {
    try {
      const c = await api(`/api/competitions/${id}`);
      Object.assign(competition, c);
      setText($("monitor-title"), c.title);
      document.title = `${c.title} · 管理后台`;
      const badge = $("monitor-competition-status");
      setText(badge, label(WINDOW_LABELS, c.status));
      badge.className = `badge ${c.status}`;
      root.dataset.status = c.status;
      const limit = c.max_tab_switches === null || c.max_tab_switches === undefined ? "" : ` · 最多切屏 ${c.max_tab_switches} 次`;
      setText($("monitor-window"), `${formatDateTime(c.opens_at)} 至 ${formatDateTime(c.closes_at)} · 每人 ${c.duration_minutes} 分钟 · ${c.question_count} 题,满分 ${formatNumber(c.max_score)} 分${limit}`);
      $("close-competition-button").disabled = c.status === "closed";
      $("close-competition-button").title = c.status === "closed" ? "竞赛已结束" : "";
    } catch (error) {
      setText($("monitor-title"), error.status === 404 ? "竞赛不存在" : `竞赛 ${id}`);
      setStatus($("close-result"), `无法读取竞赛信息:${error.message}`, "error");
    }
  }

  // The monitor, polled; one request at a time (the next is scheduled when one ends).
  let timer = null;
  async function poll() {
    const status = $("monitor-status");
    let delay = POLL_MS;
    try {
      const data = await api(`/api/admin/competitions/${id}/monitor`);
      if (!ctx.alive) return;
      drawStats($, data?.stats ?? {});
      drawHistogram($("score-histogram"), $("histogram-empty"), data?.histogram ?? []);
      drawAlerts($("monitor-alerts"), $("monitor-alerts-empty"), data?.tab_switch_alerts ?? [], competition.max_tab_switches);
      status.dataset.state = "live";
      setStatus(status, `实时数据 · 每 3 秒更新 · 最近更新 ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`);
    } catch (error) {
      if (!ctx.alive) return;
      delay = POLL_AFTER_FAILURE_MS;
      status.dataset.state = "down";
      const text = error.status === 404 && !error.code ? "实时监控暂不可用(服务器尚未提供此功能),排行榜仍会实时更新" : `实时数据暂时无法更新:${error.message}`;
      setStatus(status, text, "error");
    }
    if (ctx.alive) timer = setTimeout(poll, delay);
  }
  ctx.onLeave(() => clearTimeout(timer));

  const board = connectLeaderboard(id, {
    connection: $("leaderboard-connection"),
    individuals: $("leaderboard-individuals"),
    individualsEmpty: $("leaderboard-individuals-empty"),
    companies: $("leaderboard-companies"),
    companiesEmpty: $("leaderboard-companies-empty"),
    onStats: (stats) => drawStats($, stats),
  });
  ctx.onLeave(board.stop);

  setupExports($("exports"), id);

  $("close-competition-button").addEventListener("click", () => {
    closeCompetition($, competition, loadCompetition).catch(() => {});
  });

  loadCompetition().then(poll);
}

function drawStats($, stats) {
  const set = (name, value) => {
    if (typeof value === "number") setText($(name), String(value));
  };
  set("stat-registered", stats.registered);
  set("stat-started", stats.started);
  set("stat-in-progress", stats.in_progress);
  set("stat-submitted", stats.submitted);
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

// Bars of the score histogram as inline SVG; each bar is a <g class="histogram-bar"> with
// data-from/to/count, labelled below with its score range and above with its count.
function drawHistogram(container, empty, buckets) {
  const total = buckets.reduce((sum, b) => sum + (Number(b.count) || 0), 0);
  empty.hidden = total > 0;
  container.hidden = buckets.length === 0;
  if (buckets.length === 0) {
    container.replaceChildren();
    return;
  }
  const width = 640;
  const height = 240;
  const top = 24;
  const bottom = 36;
  const slot = width / buckets.length;
  const highest = Math.max(1, ...buckets.map((b) => Number(b.count) || 0));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "成绩分布" });
  chart.append(svg("line", { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, class: "axis" }));
  buckets.forEach((bucket, i) => {
    const count = Number(bucket.count) || 0;
    const barHeight = ((height - top - bottom) * count) / highest;
    const x = i * slot + slot * 0.12;
    const group = svg("g", { class: "histogram-bar", "data-from": bucket.from, "data-to": bucket.to, "data-count": count });
    const range = `${formatNumber(bucket.from)}–${formatNumber(bucket.to)}`;
    const title = svg("title");
    title.textContent = `${range} 分:${count} 人`;
    const rect = svg("rect", { x, y: height - bottom - barHeight, width: slot * 0.76, height: barHeight, rx: 3 });
    const value = svg("text", { x: x + slot * 0.38, y: height - bottom - barHeight - 6, class: "count" });
    value.textContent = String(count);
    const caption = svg("text", { x: x + slot * 0.38, y: height - bottom + 20, class: "range" });
    caption.textContent = range;
    group.append(title, rect, value, caption);
    chart.append(group);
  });
  container.replaceChildren(chart);
}

function drawAlerts(table, empty, alerts, maxTabSwitches) {
  const limit = typeof maxTabSwitches === "number" ? maxTabSwitches : null;
  const rows = alerts.map((a) =>
    el(
      "tr",
      { dataset: { attemptId: a.attempt_id }, className: limit !== null && a.tab_switches > limit ? "over-limit" : "" },
      el("td", { text: a.name ?? "" }),
      el("td", { text: a.company ?? "" }),
      el("td", { className: "num", text: a.tab_switches ?? 0 }),
      el("td", { text: label(ATTEMPT_LABELS, a.status) }),
    ),
  );
  table.querySelector("tbody").replaceChildren(...rows);
  empty.hidden = alerts.length > 0;
}

async function closeCompetition($, competition, reload) {
  const confirmed = await confirmDialog({
    title: `结束竞赛“${competition.title}”?`,
    message:
      "答题窗口将立即关闭:参赛者不能再开始或继续答题;正在答题的人员将按已保存的答案自动交卷评分。结束后参赛者可以查看答案解析。此操作不能撤销。",
    confirmLabel: "确定结束竞赛",
  });
  if (!confirmed) return;
  const button = $("close-competition-button");
  button.disabled = true;
  setStatus($("close-result"), "正在结束竞赛并为正在答题的试卷评分…", "busy");
  try {
    await api(`/api/admin/competitions/${competition.id}/close`, { method: "POST" });
    setStatus($("close-result"), "竞赛已结束,所有试卷均已评分。现在可以导出成绩。", "ok");
  } catch (error) {
    setStatus($("close-result"), `没有结束:${error.message}`, "error");
  }
  await reload();
}
