// The final's phone page talking to the server, and the seat's or audience member's token,
// kept in localStorage per final (`ecoquiz.final.{id}`) so that a reload, a sleeping phone or
// a WeChat tab reopened later rejoins without asking again. Storage is the contestant pages'
// never-throwing localStorage (web/app/storage.js). Every failure is an ApiError
// (web/shared/api-error.js) whose `message` the page shows as it is.

import { ApiError } from "/static/shared/api-error.js";
import { errorFromAnswer, sendJson } from "/static/shared/http.js";
import { keysWithPrefix, readJson, remove, writeJson } from "/static/app/storage.js";

const PREFIX = "ecoquiz.final.";
const LAST_KEY = "ecoquiz.finals.last";
// A venue's Wi-Fi that drops packets must not leave a tap waiting for ever.
const TIMEOUT_MS = 10000;

/**
 * What a join left on this phone: {final_id, token, role: "seat" | "audience", seat?,
 * audience_id?, code?} (`code`, the final's six digits, is learnt from the first state).
 */
export function savedEntry(finalId) {
  return readJson(`${PREFIX}${finalId}`, null);
}

export function saveEntry(entry) {
  writeJson(`${PREFIX}${entry.final_id}`, entry);
  writeJson(LAST_KEY, entry.final_id);
}

export function forgetEntry(finalId) {
  remove(`${PREFIX}${finalId}`);
}

/**
 * The entry to rejoin with: the one for the final whose code is `code` (the projector's QR
 * code opens `/final?code=…`), or without a code the final joined last.
 */
export function entryToResume(code) {
  if (code) {
    const keys = keysWithPrefix(PREFIX);
    for (let i = 0; i < keys.length; i += 1) {
      const entry = readJson(keys[i], null);
      if (entry && entry.token && entry.code === code) return entry;
    }
    return null;
  }
  const last = readJson(LAST_KEY, null);
  const entry = last === null ? null : savedEntry(last);
  return entry && entry.token ? entry : null;
}

/** A JSON request; resolves with the parsed body, rejects with ApiError. `token` may be null. */
export async function request(method, path, body, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const { response, data } = await sendJson(method, path, body, headers, { timeoutMs: TIMEOUT_MS });
  if (response.ok) return data;
  const refusal = errorFromAnswer(response, data);
  if (refusal) throw refusal;
  if (response.status === 401) throw new ApiError(401, "unauthorized", "身份已失效,请重新加入");
  if (response.status === 404) throw new ApiError(404, "not_found", "没有找到这场决赛");
  throw new ApiError(response.status, "http", response.status >= 500 ? `服务器暂时不可用(${response.status}),请稍后重试` : `请求失败(${response.status})`);
}

/** The calls of one joined phone (its final and its token). */
export function finalApi(entry) {
  const base = `/api/finals/${entry.final_id}`;
  return {
    me: () => request("GET", `${base}/me`, undefined, entry.token),
    answer: (seq, choice) => request("POST", `${base}/answer`, { seq, choice }, entry.token),
    buzz: (seq) => request("POST", `${base}/buzz`, { seq }, entry.token),
    stake: (seq, stake) => request("POST", `${base}/stake`, { seq, stake }, entry.token),
  };
}

/** `{join_code}` or `{code, nickname}` → {token, final_id, seat} | {token, final_id, audience_id}. */
export function join(body) {
  return request("POST", "/api/finals/join", body, null);
}
