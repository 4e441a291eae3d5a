// The admin console's entry: logging in and out, and the hash router that shows one view at a
// time (#/bank, #/roster, #/competitions, #/competitions/new, #/competitions/{id}, and the live
// final's #/finals, #/finals/new, #/finals/{id}, #/finals/{id}/codes).
//
// Each view is `render(container, ctx, ...params)`. `ctx.alive` turns false and the
// `ctx.onLeave` callbacks run when the organizer goes elsewhere, so polling, websockets and
// pending checks of a view that is gone stop instead of drawing into nothing.

import { ApiError } from "/static/shared/api-error.js";
import { api, forgetLogin, onUnauthorized, saveLogin, savedToken, savedUsername } from "./api.js";
import * as bank from "./bank.js";
import * as competitions from "./competitions.js";
import { setStatus, setText, showNotice, showPendingNotice } from "./dom.js";
import * as finalForm from "./final-form.js";
import * as finalHost from "./final-host.js";
import * as finals from "./finals.js";
import * as monitor from "./monitor.js";
import * as roster from "./roster.js";

const $ = (id) => document.getElementById(id);

const ROUTES = [
  { pattern: /^#\/bank$/, nav: "bank", title: "题库", render: bank.render },
  { pattern: /^#\/roster$/, nav: "roster", title: "企业名录", render: roster.render },
  { pattern: /^#\/competitions$/, nav: "competitions", title: "竞赛", render: competitions.renderList },
  { pattern: /^#\/competitions\/new$/, nav: "competitions", title: "新建竞赛", render: competitions.renderNew },
  { pattern: /^#\/competitions\/(\d+)$/, nav: "competitions", title: "竞赛监控", render: monitor.render },
  { pattern: /^#\/finals$/, nav: "finals", title: "现场决赛", render: finals.renderList },
  { pattern: /^#\/finals\/new$/, nav: "finals", title: "新建决赛", render: finalForm.renderNew },
  { pattern: /^#\/finals\/(\d+)$/, nav: "finals", title: "主持决赛", render: finalHost.render },
  { pattern: /^#\/finals\/(\d+)\/codes$/, nav: "finals", title: "入场码", render: finals.renderCodes },
];
const DEFAULT_ROUTE = "#/competitions";

let current = null; // the ctx of the view on screen

function leaveView() {
  if (!current) return;
  current.alive = false;
  for (const callback of current.leaving) {
    try {
      callback();
    } catch {
      // A view's cleanup failing must not keep the next view from showing.
    }
  }
  current = null;
}

function showView() {
  leaveView();
  if (!savedToken()) {
    showLogin();
    return;
  }
  const route = ROUTES.find((r) => r.pattern.test(location.hash));
  if (!route) {
    // Replacing keeps the back button from bouncing between "" and the default.
    location.replace(DEFAULT_ROUTE);
    return;
  }
  const params = route.pattern.exec(location.hash).slice(1).map(Number);
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  setText($("current-user"), savedUsername());
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === route.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${route.title} · 管理后台`;
  showPendingNotice();
  const container = $("view");
  container.replaceChildren();
  container.dataset.view = route.nav;
  const ctx = { alive: true, leaving: [], onLeave: (callback) => ctx.leaving.push(callback) };
  current = ctx;
  try {
    route.render(container, ctx, ...params);
  } catch (error) {
    // A bug in one view shows as a message, not a blank page.
    showNotice(`页面出错:${error.message}`, "error");
  }
  // A new view starts at its top, where its title and the notice are: otherwise the scroll
  // of the previous view (a long form, scrolled down to 创建竞赛) carries over and the
  // organizer lands somewhere in the middle of the next one, the notice off-screen.
  window.scrollTo(0, 0);
}

function showLogin(message = "") {
  leaveView();
  $("app-view").hidden = true;
  $("view").replaceChildren();
  $("login-view").hidden = false;
  const error = $("login-error");
  setStatus(error, message, "error");
  document.title = "登录 · 管理后台";
  $($("login-username").value ? "login-password" : "login-username").focus();
}

async function logIn(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  const error = $("login-error");
  if (!username || !password) {
    setStatus(error, "请填写用户名和密码", "error");
    return;
  }
  const button = $("login-button");
  button.disabled = true;
  setStatus(error, "");
  let retrying = false;
  try {
    const reply = await api("/api/admin/login", { method: "POST", json: { username, password } });
    saveLogin(reply.token, username);
    $("login-password").value = "";
    showView();
  } catch (failure) {
    if (failure instanceof ApiError && failure.queued) {
      // Too many logging in or registering at once: the message says when; send it again then.
      retrying = true;
      setStatus(error, failure.message, "info");
      setTimeout(() => $("login-form").requestSubmit(), Math.max(1, Math.min(30, failure.retryAfter || 5)) * 1000);
      return;
    }
    const text = failure instanceof ApiError && failure.status === 401 ? "用户名或密码不正确" : failure.message;
    setStatus(error, text, "error");
  } finally {
    if (!retrying) button.disabled = false;
  }
}

function logOut() {
  forgetLogin();
  showNotice("");
  showLogin();
}

// A token that stopped working (expired, server restarted with a new secret): back to the
// login form, and once logged in again the same page comes back (the hash is kept).
onUnauthorized(() => {
  if ($("login-view").hidden) showLogin("登录已过期,请重新登录");
});

// Anything a view forgot to catch becomes a message instead of an uncaught rejection.
window.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  if (event.reason?.name === "AbortError") return;
  showNotice(`操作没有完成:${event.reason?.message ?? event.reason}`, "error");
});

$("login-form").addEventListener("submit", (event) => {
  logIn(event).catch(() => {});
});
$("logout-button").addEventListener("click", logOut);
window.addEventListener("hashchange", showView);
showView();
