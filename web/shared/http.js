// One JSON request over fetch, as the contestants' and the final's phone pages send them:
// the body as JSON, no cache, a timeout so a venue's Wi-Fi that drops packets cannot leave a
// tap waiting for ever, and "no answer at all" (offline, timeout, a server restarting) told
// apart from any answer. What an answer means is each page's own business.

import { ApiError } from "/static/shared/api-error.js";
import { parseJson } from "/static/shared/json.js";

/** The error of a request that got no answer (status 0), in the person's words. */
export function noAnswerError() {
  const offline = typeof navigator !== "undefined" && navigator.onLine === false;
  return new ApiError(0, "network", offline ? "网络已断开,请检查网络连接" : "暂时无法连接服务器,请稍后重试");
}

/**
 * Sends `body` (undefined: none) with `headers`; resolves `{response, data}` (`data` the parsed
 * JSON body, null when empty or not JSON) for any answer, rejects with `noAnswerError()` when
 * none came within `timeoutMs`. options: {timeoutMs, keepalive}.
 */
export async function sendJson(method, path, body, headers, options) {
  const settings = options || {};
  const init = { method, headers: Object.assign({ Accept: "application/json" }, headers), cache: "no-store", credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (settings.keepalive) init.keepalive = true;
  // AbortController arrived in Chrome 66: older WebViews go without the timeout.
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  const timer = setTimeout(() => {
    if (controller) controller.abort();
  }, settings.timeoutMs);
  let response;
  let text;
  try {
    response = await fetch(path, init);
    text = await response.text();
  } catch (error) {
    throw noAnswerError();
  } finally {
    clearTimeout(timer);
  }
  return { response, data: parseJson(text, null) };
}

/** The server's `{"error": {…}}` as an ApiError, or null when the body carries none. */
export function errorFromAnswer(response, data) {
  const detail = data && data.error ? data.error : null;
  if (!detail || !detail.message) return null;
  return new ApiError(response.status, detail.code || "error", detail.message, detail.fields, detail);
}
