// 现场决赛 in the console: the list of finals (#/finals) and the printable sheet of a final's
// codes (#/finals/{id}/codes) — each seat's join code on a slip to cut out and hand over, and
// the audience's six-digit code with its QR code. Creating a final is final-form.js, hosting
// one final-host.js.

import { el } from "/static/shared/dom.js";
import { PHASES, audienceJoinUrl, label } from "/static/shared/final.js";
import { api } from "./api.js";
import { formatDateTime, setStatus } from "./dom.js";

function viewHead(title, ...actions) {
  return el("div", { className: "view-head" }, el("h1", { text: title }), el("div", { className: "head-actions" }, actions));
}

export function renderList(view, ctx) {
  const status = el("p", { id: "finals-status", className: "status" });
  const tbody = el("tbody");
  view.append(
    el(
      "section",
      { id: "view-finals", className: "view" },
      viewHead("现场决赛", el("a", { id: "new-final-button", href: "#/finals/new", className: "button primary", text: "新建决赛" })),
      el(
        "section",
        { className: "panel" },
        el("p", { className: "hint", text: "现场决赛由主持人在本页控制进度:选手用手机输入入场码作答,观众扫大屏上的二维码参与,大屏实时显示题目和比分。" }),
        status,
        el(
          "table",
          { id: "finals-table", className: "data" },
          el("thead", {}, el("tr", {}, ["名称", "决赛码", "状态", "席位", "创建时间", "操作"].map((text) => el("th", { text })))),
          tbody
        )
      )
    )
  );
  setStatus(status, "正在读取…", "busy");
  api("/api/admin/finals")
    .then((data) => {
      if (!ctx.alive) return;
      const items = Array.isArray(data?.items) ? data.items : [];
      tbody.replaceChildren(...items.map(finalRow));
      setStatus(status, items.length === 0 ? "还没有现场决赛,点击“新建决赛”创建第一场。" : "");
    })
    .catch((error) => setStatus(status, `无法读取决赛列表:${error.message}`, "error"));
}

function finalRow(f) {
  const seats = Array.isArray(f.seats) ? f.seats.length : f.seats;
  return el(
    "tr",
    { dataset: { finalId: f.id, phase: f.phase } },
    el("td", {}, el("a", { href: `#/finals/${f.id}`, text: f.title })),
    el("td", { className: "code", text: f.code }),
    el("td", {}, el("span", { className: `badge phase-${f.phase}`, text: label(PHASES, f.phase) })),
    el("td", { className: "num", text: seats ?? "" }),
    el("td", { text: formatDateTime(f.created_at) }),
    el(
      "td",
      { className: "row-actions" },
      el("a", { href: `#/finals/${f.id}`, dataset: { hostFinal: f.id }, text: "主持" }),
      el("a", { href: `#/finals/${f.id}/codes`, text: "入场码" }),
      el("a", { href: `/final/${f.id}/screen`, target: "_blank", rel: "noopener", text: "大屏" })
    )
  );
}

/** The slips and the audience's code, laid out to print (admin.css hides the console around them). */
export function renderCodes(view, ctx, id) {
  const status = el("p", { className: "status" });
  const body = el("div", { id: "final-codes", className: "final-codes" });
  view.append(
    el(
      "section",
      { id: "view-final-codes", className: "view" },
      viewHead(
        "入场码",
        el("button", { type: "button", id: "print-codes", className: "primary", text: "打印", on: { click: () => window.print() } }),
        el("a", { href: `#/finals/${id}`, className: "button", text: "主持决赛" }),
        el("a", { href: "#/finals", className: "button", text: "返回决赛列表" })
      ),
      status,
      body
    )
  );
  setStatus(status, "正在读取…", "busy");
  api(`/api/admin/finals/${id}`)
    .then((final) => {
      if (!ctx.alive) return;
      setStatus(status, "");
      document.title = `${final.title} · 入场码`;
      body.append(audiencePanel(final), seatSlips(final));
    })
    .catch((error) => setStatus(status, error.status === 404 ? "没有这场决赛。" : `无法读取决赛:${error.message}`, "error"));
}

export function audiencePanel(final) {
  return el(
    "section",
    { className: "panel audience-code" },
    el("h2", { text: `${final.title} · 观众参与` }),
    el(
      "div",
      { className: "audience-code-body" },
      el("img", { src: `/api/finals/${final.id}/join-qr.svg`, alt: "观众参与二维码", width: 220, height: 220 }),
      el(
        "div",
        {},
        el("p", { className: "hint", text: "观众用手机扫码,或打开下面的地址并输入决赛码:" }),
        el("p", { className: "code join-url", text: audienceJoinUrl(final.code) }),
        el("p", { className: "big-code", id: "final-audience-code", text: final.code })
      )
    )
  );
}

function seatSlips(final) {
  const seatUrl = `${location.protocol}//${location.host}/final`;
  return el(
    "section",
    { className: "panel seat-slips" },
    el("h2", { text: "选手入场码(每位选手一张,请沿虚线剪开)" }),
    el(
      "ol",
      { id: "final-seat-codes", className: "slips" },
      (final.seats ?? []).map((seat) =>
        el(
          "li",
          { className: "slip", dataset: { seat: seat.seat } },
          el("p", { className: "slip-seat", text: `${seat.seat} 号席` }),
          el("p", { className: "slip-name", text: seat.name }),
          seat.company ? el("p", { className: "slip-company", text: seat.company }) : null,
          el("p", { className: "slip-code code", dataset: { joinCode: seat.join_code }, text: seat.join_code }),
          el("p", { className: "slip-how", text: `手机打开 ${seatUrl},点“选手入场”,输入上面的入场码。一个入场码只能在一台手机上使用。` })
        )
      )
    )
  );
}
