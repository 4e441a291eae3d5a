// The contestant pages' entry: hash routing (so `/` is the only HTML address and a reload
// keeps the page), the header, the offline banner, and what must happen whatever page is
// shown — a 401 sends the person to the login page, and answers or 切屏 reports left unsent
// by an earlier visit are delivered.
//
// Routes: #/login  #/register  #/competitions  #/exam/{attempt}  #/result/{attempt}
//         #/review/{attempt}. `/?competition=ID` (the projector's QR code) highlights that
// competition in the list.

import { clear, el, fill } from "/static/shared/dom.js";
import { getToken, onUnauthorized, setToken } from "./api.js";
import { renderLogin, renderRegister } from "./auth.js";
import { resumeAnswerQueues } from "./autosave.js";
import { renderCompetitions } from "./competitions.js";
import { closeDialog, toast } from "./dialog.js";
import { byId, statusBlock } from "./dom.js";
import { renderExam } from "./exam.js";
import { prunePapers } from "./local.js";
import { renderResult } from "./result.js";
import { renderReview } from "./review.js";
import { sessionGet, sessionRemove, sessionSet } from "./storage.js";
import { resumeTabSwitchReports } from "./tabswitch.js";

const RETURN_KEY = "ecoquiz.returnTo";
const HIGHLIGHT_KEY = "ecoquiz.highlight";

const ROUTES = [
  { pattern: /^\/login$/, render: renderLogin, public: true },
  { pattern: /^\/register$/, render: renderRegister, public: true },
  { pattern: /^\/competitions$/, render: renderCompetitions },
  { pattern: /^\/exam\/(\d+)$/, render: renderExam },
  { pattern: /^\/result\/(\d+)$/, render: renderResult },
  { pattern: /^\/review\/(\d+)$/, render: renderReview },
];

let current = null;

function currentPath() {
  return (location.hash || "").replace(/^#/, "") || "/";
}

function navigate(path, options) {
  const hash = `#${path}`;
  if (options && options.replace) location.replace(hash);
  else location.hash = hash;
}

function leaveCurrent() {
  if (!current) return;
  const leaving = current;
  current = null;
  leaving.active = false;
  leaving.cleanups.forEach((cleanup) => {
    try {
      cleanup();
    } catch (error) {
      // A failing cleanup must not keep the next page from showing.
    }
  });
  closeDialog();
}

function route() {
  const path = currentPath();
  let match = null;
  let found = null;
  for (let i = 0; i < ROUTES.length && !found; i += 1) {
    match = ROUTES[i].pattern.exec(path);
    if (match) found = ROUTES[i];
  }
  const signedIn = !!getToken();
  if (!found) {
    navigate(signedIn ? "/competitions" : "/login", { replace: true });
    return;
  }
  if (!found.public && !signedIn) {
    sessionSet(RETURN_KEY, path);
    navigate("/login", { replace: true });
    return;
  }
  if (found.public && signedIn) {
    navigate("/competitions", { replace: true });
    return;
  }
  leaveCurrent();
  showHeader(signedIn);
  const root = byId("view");
  clear(root);
  const view = { active: true, cleanups: [] };
  current = view;
  const ctx = {
    root,
    params: match.slice(1),
    active: () => view.active,
    onLeave: (cleanup) => view.cleanups.push(cleanup),
    navigate,
    afterLogin,
    setUser,
    highlightedCompetition: () => Number(sessionGet(HIGHLIGHT_KEY)) || null,
  };
  try {
    found.render(ctx);
  } catch (error) {
    // A bug in one page must leave a way out, not a blank screen.
    fill(root, statusBlock("view-error", "页面出错了,请刷新重试"), el("a", { className: "button secondary", href: "#/competitions", text: "返回竞赛列表" }));
  }
  if (window.scrollTo) window.scrollTo(0, 0);
}

function afterLogin() {
  resumeAnswerQueues();
  resumeTabSwitchReports();
  const back = sessionGet(RETURN_KEY);
  sessionRemove(RETURN_KEY);
  navigate(back && back !== "/login" && back !== "/register" ? back : "/competitions", { replace: true });
}

function setUser(name) {
  byId("user-name").textContent = name || "";
}

function showHeader(signedIn) {
  byId("logout-button").hidden = !signedIn;
  if (!signedIn) setUser("");
}

onUnauthorized(() => {
  const path = currentPath();
  if (path === "/login" || path === "/register") return;
  sessionSet(RETURN_KEY, path);
  toast("登录已失效,请重新登录");
  navigate("/login", { replace: true });
});

byId("logout-button").addEventListener("click", () => {
  setToken(null);
  sessionRemove(RETURN_KEY);
  navigate("/login");
});

function showNetwork() {
  byId("offline-banner").hidden = navigator.onLine !== false;
}
window.addEventListener("online", showNetwork);
window.addEventListener("offline", showNetwork);
showNetwork();

// The projector's QR code opens `/?competition=ID`: remember it for the list, keep the address clean.
const wanted = /[?&]competition=(\d+)/.exec(location.search);
if (wanted) {
  sessionSet(HIGHLIGHT_KEY, wanted[1]);
  if (window.history && history.replaceState) history.replaceState(null, "", `/${location.hash}`);
}

window.addEventListener("hashchange", route);
prunePapers();
if (getToken()) {
  resumeAnswerQueues();
  resumeTabSwitchReports();
}
route();
