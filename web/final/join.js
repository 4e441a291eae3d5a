// Joining a final from a phone: the audience with the final's six-digit code and a nickname,
// a seat with the join code on its slip. The server's refusals show as it words them: a 404
// under the code, a 422 under the field it names, anything else above the button.

import { join } from "./api.js";

const $ = (id) => document.getElementById(id);

function setError(id, text) {
  const target = $(id);
  target.textContent = text || "";
  target.hidden = !text;
}

function clearErrors() {
  ["join-final-code-error", "join-nickname-error", "join-code-error", "join-error"].forEach((id) => setError(id, ""));
}

function characters(text) {
  return Array.from(text).length;
}

function selectTab(tab) {
  ["audience", "seat"].forEach((name) => {
    $(`join-tab-${name}`).setAttribute("aria-selected", name === tab ? "true" : "false");
    $(`join-${name}-form`).hidden = name !== tab;
  });
}

/** Puts a refusal next to the field it concerns; `codeField` is where a 404 goes. */
function showRefusal(error, codeField) {
  const fields = error.fields || {};
  const placed = Object.keys(fields).filter((field) => {
    const target = document.querySelector(`#join-view [data-error-for="${field}"]`);
    if (!target) return false;
    setError(target.id, fields[field]);
    return true;
  });
  if (error.status === 404) setError(codeField, error.message);
  else if (placed.length === 0) setError("join-error", error.message);
}

/**
 * Wires the forms once. onJoined(reply, body): the server's `{token, final_id, seat}` or
 * `{token, final_id, audience_id}`, and the body that was sent.
 */
export function setupJoin(onJoined) {
  let busy = false;

  async function send(body, button, codeField) {
    if (busy) return;
    busy = true;
    button.disabled = true;
    try {
      const reply = await join(body);
      onJoined(reply, body);
    } catch (error) {
      showRefusal(error, codeField);
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  $("join-tab-audience").addEventListener("click", () => selectTab("audience"));
  $("join-tab-seat").addEventListener("click", () => selectTab("seat"));

  $("join-audience-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    const code = $("join-final-code").value.replace(/\s+/g, "");
    const nickname = $("join-nickname").value.trim();
    let ok = true;
    if (!/^\d{6}$/.test(code)) {
      setError("join-final-code-error", "请填写大屏上的 6 位数字决赛码");
      ok = false;
    }
    if (characters(nickname) < 1 || characters(nickname) > 20) {
      setError("join-nickname-error", "请填写 1 到 20 个字的昵称");
      ok = false;
    }
    if (ok) send({ code, nickname }, $("join-audience-submit"), "join-final-code-error");
  });

  $("join-seat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    const joinCode = $("join-code").value.replace(/\s+/g, "");
    if (!joinCode) {
      setError("join-code-error", "请填写入场码");
      return;
    }
    send({ join_code: joinCode }, $("join-seat-submit"), "join-code-error");
  });
}

/**
 * Shows the join form. options: {code} fills the final's code in (and the nickname field is
 * the one to type next), {tab: "seat"} opens the seat's form, {message} says why the form is
 * back (a token that stopped working).
 */
export function showJoin(options) {
  const settings = options || {};
  clearErrors();
  if (settings.code) $("join-final-code").value = settings.code;
  selectTab(settings.tab === "seat" ? "seat" : "audience");
  if (settings.message) setError("join-error", settings.message);
}
