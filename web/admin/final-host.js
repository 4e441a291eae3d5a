// Hosting a live final (#/finals/{id}): the host's state over the final's websocket (with the
// organizer's token, so it carries `host`: the answer key, who answered what, the stakes and
// `next_action`), one big button for the next step (the space bar presses it), pause/resume,
// 重新开放抢答, undo, finish, and per seat the ruling and the score adjustment
// (final-host-seats.js). Every action is POSTed with the `seq` of the state it was clicked on,
// and every button waits for the reply; a refusal (409) shows its message and the state.

import { el } from "/static/shared/dom.js";
import { PHASES, QUESTION_KINDS, ROUND_KINDS, formatKeys, label, nextActionLabel, optionMark, optionsOf, remainingMs, secondsLeft, timingOf } from "/static/shared/final.js";
import { connectSocket } from "/static/shared/socket.js";
import { api, savedToken } from "./api.js";
import { confirmDialog, setStatus, setText } from "./dom.js";
import { createSeatTable } from "./final-host-seats.js";

const ACTION_WORDS = { pause: "暂停", resume: "继续", rearm: "重新开放抢答", undo: "撤销上一次计分", finish: "结束比赛", judge: "裁定", adjust: "调整分数" };

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches("input, textarea, select"));
}

export function render(view, ctx, id) {
  const $ = {};
  const part = (name, tag, props, ...children) => ($[name] = el(tag, props, ...children));
  const seatTable = createSeatTable((action, extra) => act(action, extra));
  view.append(
    el(
      "section",
      { id: "view-final-host", className: "view final-host" },
      el(
        "div",
        { className: "view-head" },
        el("div", {}, part("title", "h1", { id: "host-title", text: `决赛 ${id}` }), el("p", { className: "meta" }, part("phase", "span", { id: "host-phase", className: "badge" }), " ", part("code", "span", { id: "host-code" }), " ", part("connection", "span", { id: "host-connection", className: "connection", dataset: { state: "connecting" }, text: "连接中" }))),
        el(
          "div",
          { className: "head-actions" },
          el("a", { id: "open-final-screen", className: "button", href: `/final/${id}/screen`, target: "_blank", rel: "noopener", text: "打开大屏页面" }),
          el("a", { className: "button", href: `#/finals/${id}/codes`, text: "入场码" }),
          el("a", { className: "button", href: "#/finals", text: "返回决赛列表" })
        )
      ),
      el(
        "div",
        { className: "host-grid" },
        el(
          "section",
          { className: "panel host-control" },
          el("p", { className: "host-where" }, part("where", "span", { id: "host-where" }), part("countdown", "span", { id: "host-countdown", className: "host-countdown" })),
          part("next", "button", { type: "button", id: "final-next", className: "primary host-next", disabled: true, text: "正在连接…" }),
          el("p", { className: "hint", text: "按空格键也可执行下一步(在输入框中打字时除外)。" }),
          el(
            "div",
            { className: "host-secondary" },
            part("pause", "button", { type: "button", id: "final-pause", text: "暂停" }),
            part("rearm", "button", { type: "button", id: "final-rearm", text: "重新开放抢答" }),
            part("undo", "button", { type: "button", id: "final-undo", text: "撤销上一次计分" }),
            part("finish", "button", { type: "button", id: "final-finish", className: "danger", text: "结束比赛" })
          ),
          part("status", "p", { id: "host-action-status", className: "status", attrs: { role: "status" } })
        ),
        el(
          "section",
          { className: "panel host-question" },
          part("questionHead", "p", { className: "host-question-head" }),
          part("stem", "p", { id: "host-stem", className: "host-stem" }),
          part("options", "ol", { id: "host-options", className: "host-options" }),
          part("key", "p", { id: "host-answer-key", className: "host-key" }),
          part("explanation", "p", { id: "host-explanation", className: "hint" })
        )
      ),
      el("section", { className: "panel" }, el("h2", { text: "选手" }), el("div", { className: "table-scroll wide" }, seatTable.element)),
      el("section", { className: "panel host-audience" }, el("h2", { text: "观众" }), part("audience", "p", { id: "host-audience" }), part("audienceTop", "ol", { id: "host-audience-top", className: "host-audience-top" }))
    )
  );

  let state = null;
  let timing = null;
  let busy = false;

  function drawQuestion() {
    const q = state.question;
    const host = state.host ?? {};
    const key = host.answer ?? state.reveal?.answer ?? [];
    if (!q) {
      const stakes = state.phase === "stakes" ? `风险题:选手正在选择分值(可选 ${(state.stakes ?? []).join(" / ")} 分),出示题目后开始作答` : "";
      setText($.questionHead, stakes || (state.phase === "finished" ? "比赛已结束" : "尚未出题"));
      for (const part of [$.stem, $.key, $.explanation]) setText(part, "");
      $.options.replaceChildren();
      return;
    }
    setText($.questionHead, `${label(QUESTION_KINDS, q.kind)} · 第 ${q.no} / ${state.round?.count ?? "?"} 题 · ${state.round?.kind === "risk" ? "分值由选手自选" : `${q.points} 分`}`);
    setText($.stem, q.stem);
    $.options.replaceChildren(
      ...optionsOf(q).map((option) =>
        el("li", { className: key.includes(option.key) ? "correct" : "", dataset: { key: option.key } }, el("b", { text: `${optionMark(q.kind, option.key)}. ` }), option.text)
      )
    );
    setText($.key, `答案:${formatKeys(key, q.kind, "—")}(仅主持人可见)`);
    const explanation = host.explanation ?? state.reveal?.explanation;
    setText($.explanation, explanation ? `解析:${explanation}` : "");
  }

  function drawButtons() {
    const host = state?.host ?? {};
    const phase = state?.phase;
    const action = host.next_action ?? null;
    setText($.next, state ? nextActionLabel(action, state) : "正在连接…");
    $.next.dataset.action = action ?? "";
    $.next.disabled = busy || !action;
    const running = phase === "open" || phase === "answering";
    setText($.pause, state?.paused ? "继续" : "暂停");
    $.pause.disabled = busy || !(state?.paused || running);
    const order = state?.buzz?.order ?? [];
    const everyoneBuzzed = (state?.seats ?? []).every((seat) => order.some((entry) => entry.seat === seat.seat));
    $.rearm.hidden = state?.round?.kind !== "buzz";
    $.rearm.disabled = busy || !(phase === "closed" || phase === "answering") || !!state?.reveal || !!state?.paused || everyoneBuzzed;
    $.undo.disabled = busy || !host.can_undo;
    $.finish.disabled = busy || !state || phase === "finished";
    seatTable.setBusy(busy);
  }

  function drawState(next, receivedAt) {
    // An action's reply and the socket's frames race: never go back to an older state.
    if (state && next.seq < state.seq) return;
    state = next;
    timing = timingOf(next, receivedAt);
    view.firstElementChild.dataset.phase = next.phase;
    setText($.title, next.title);
    document.title = `${next.title} · 主持决赛`;
    setText($.phase, `${label(PHASES, next.phase)}${next.paused ? " · 已暂停" : ""}`);
    $.phase.className = `badge phase-${next.phase}`;
    setText($.code, `决赛码 ${next.code}`);
    const round = next.round;
    const kind = round ? label(ROUND_KINDS, round.kind) : "";
    const named = round?.title && round.title !== kind ? `${round.title}(${kind})` : kind;
    setText($.where, round ? `第 ${round.no} 轮 · ${named}` : label(PHASES, next.phase));
    drawQuestion();
    drawButtons();
    seatTable.draw(next);
    const audience = next.audience ?? { joined: 0, answered: 0 };
    setText($.audience, `已加入 ${audience.joined} 人,本题已答 ${audience.answered} 人`);
    $.audienceTop.replaceChildren(...(next.audience_top ?? []).map((entry) => el("li", {}, el("span", { text: entry.nickname }), ` ${entry.score} 分`)));
    tick();
  }

  function tick() {
    const left = remainingMs(timing);
    setText($.countdown, left === null ? "" : state?.paused ? `已暂停,剩余 ${secondsLeft(left)} 秒` : `剩余 ${secondsLeft(left)} 秒`);
  }

  async function loadFinal() {
    try {
      const final = await api(`/api/admin/finals/${id}`);
      if (!ctx.alive) return false;
      if (final?.state) drawState(final.state, Date.now());
      return true;
    } catch (error) {
      if (error.status === 0) throw error;
      setStatus($.status, error.status === 404 ? "没有这场决赛。" : `无法读取决赛:${error.message}`, "error");
      return false;
    }
  }

  // Resolves true when the server did it. The buttons wait for the reply.
  async function act(action, extra = {}) {
    if (busy || !state) return false;
    const seq = state.seq;
    busy = true;
    drawButtons();
    const words = ACTION_WORDS[action] ?? nextActionLabel(action, state);
    setStatus($.status, `正在${words}…`, "busy");
    try {
      const next = await api(`/api/admin/finals/${id}/actions`, { method: "POST", json: { action, seq, ...extra } });
      if (next) drawState(next, Date.now());
      setStatus($.status, `已${words}`, "ok");
      return true;
    } catch (error) {
      // A refusal carries the state as it is now; without it, read it again.
      if (error.state) drawState(error.state, Date.now());
      else if (error.status === 409) await loadFinal().catch(() => false);
      const now = state ? `(当前:${label(PHASES, state.phase)}${state.paused ? ",已暂停" : ""})` : "";
      setStatus($.status, `没有${words}:${error.message}${error.status === 409 ? now : ""}`, "error");
      return false;
    } finally {
      busy = false;
      if (state) drawButtons();
    }
  }

  async function confirmThen(action, title, message, confirmLabel) {
    if (await confirmDialog({ title, message, confirmLabel })) act(action);
  }

  const pressNext = () => {
    if (!$.next.disabled) act($.next.dataset.action);
  };
  $.next.addEventListener("click", pressNext);
  $.pause.addEventListener("click", () => act(state?.paused ? "resume" : "pause"));
  $.rearm.addEventListener("click", () => act("rearm"));
  $.undo.addEventListener("click", () => confirmThen("undo", "撤销上一次计分?", "将撤回最近一次计分:公布答案(回到作答结束)、裁定、分数调整或抢答提前按的扣分。", "撤销"));
  $.finish.addEventListener("click", () => confirmThen("finish", "结束比赛?", "比赛将立即结束,大屏显示最终排名,之后不能再出题。", "结束比赛"));

  // Space = the next step, unless the host is typing or a dialog is open. A focused button
  // must not also take the space as its own click (on keyup), so both are held back.
  const onKeyDown = (event) => {
    if (event.key !== " " || isTyping(event.target) || document.querySelector("dialog[open]")) return;
    event.preventDefault();
    if (!event.repeat) pressNext();
  };
  const onKeyUp = (event) => {
    if (event.key === " " && !isTyping(event.target) && !document.querySelector("dialog[open]")) event.preventDefault();
  };
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);
  const clock = setInterval(tick, 250);

  const socket = connectSocket({
    address: () => `/ws/finals/${id}?token=${encodeURIComponent(savedToken() ?? "")}`,
    accept: (frame) => frame.type === "state",
    onFrame: (frame) => drawState(frame, Date.now()),
    onConnection(connection, text) {
      $.connection.dataset.state = connection;
      setText($.connection, text);
    },
    beforeConnect: loadFinal,
  });
  ctx.onLeave(() => {
    socket.stop();
    clearInterval(clock);
    document.removeEventListener("keydown", onKeyDown);
    document.removeEventListener("keyup", onKeyUp);
  });
}
