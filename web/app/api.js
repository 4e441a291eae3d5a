// Talking to the server: JSON in and out, the Bearer token, and one error type for every
// failure (web/shared/api-error.js), so callers can tell "the server said no" (show its
// Chinese message) from "no answer at all" (offline, timeout, server restarting: try again
// later).

import { ApiError } from "/static/shared/api-error.js";
import { errorFromAnswer, sendJson } from "/static/shared/http.js";
import { readJson, remove, writeJson } from "./storage.js";

const TOKEN_KEY = "ecoquiz.token";
const DEFAULT_TIMEOUT_MS = 15000;

let unauthorizedHandler = null;

/** Read from storage every time: a login in another tab is this tab's login too. */
export function getToken() {
  return readJson(TOKEN_KEY, null);
}

export function setToken(value) {
  if (value) writeJson(TOKEN_KEY, value);
  else remove(TOKEN_KEY);
}

/** Who the token belongs to (its `sub`), to keep one person's local data apart from another's. */
export function tokenSubject() {
  const token = getToken();
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "===".slice((part.length + 3) % 4);
    const claims = JSON.parse(atob(padded));
    return claims && claims.sub !== undefined ? String(claims.sub) : null;
  } catch (error) {
    return null;
  }
}

/** Called once per 401 on a request that carried a token (expired or revoked login). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * Sends a request; resolves with the parsed JSON body (null for 204), rejects with ApiError.
 * options: {timeoutMs, keepalive, anonymous}
 */
export async function request(method, path, body, options) {
  const settings = options || {};
  const headers = {};
  // Login and registration go without the token: their 401 means "wrong password", not
  // "your login ended".
  const sentToken = settings.anonymous ? null : getToken();
  if (sentToken) headers.Authorization = `Bearer ${sentToken}`;
  const { response, data } = await sendJson(method, path, body, headers, {
    timeoutMs: settings.timeoutMs || DEFAULT_TIMEOUT_MS,
    keepalive: settings.keepalive,
  });
  if (response.ok) return data;

  if (response.status === 401 && sentToken) {
    // Only a request that carried a token means "your login ended"; a failed login is a 401 too.
    // Another tab may have logged in again meanwhile: keep a newer token.
    if (getToken() === sentToken) setToken(null);
    if (unauthorizedHandler) unauthorizedHandler();
  }
  const refusal = errorFromAnswer(response, data);
  if (refusal) throw refusal;
  // No JSON error body: a proxy's page (502 during a restart) or a route not there yet.
  const message =
    response.status >= 500
      ? `服务器暂时不可用(${response.status}),请稍后重试`
      : `请求失败(${response.status})`;
  throw new ApiError(response.status, "http", message);
}

export const api = {
  get: (path, options) => request("GET", path, undefined, options),
  post: (path, body, options) => request("POST", path, body, options),
  put: (path, body, options) => request("PUT", path, body, options),
};
