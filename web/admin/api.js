// Talking to the server: the organizer's token, JSON requests, file uploads with progress and
// authenticated downloads. Every failure becomes an ApiError (web/shared/api-error.js) with a
// Chinese message a clerk can act on, so the views only ever show `error.message`. A reply
// without a JSON error of its own gets the code "".

import { ApiError } from "/static/shared/api-error.js";
import { parseJson } from "/static/shared/json.js";

const TOKEN_KEY = "ecoquiz.admin.token";
const USER_KEY = "ecoquiz.admin.username";

// sessionStorage, not localStorage: the console runs on shared office and venue computers;
// closing the browser should log the organizer out.
export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function savedUsername() {
  return sessionStorage.getItem(USER_KEY) ?? "";
}

export function saveLogin(token, username) {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(USER_KEY, username);
}

export function forgetLogin() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

// Called once per 401 so the console can show the login form again (token expired, or the
// server restarted with a new secret).
let unauthorizedHandler = () => {};
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// A message for replies that carry no JSON error of their own (a proxy's page, an older
// server without the route).
function fallbackMessage(status) {
  if (status === 0) return "无法连接服务器,请检查网络后重试";
  if (status === 401) return "登录已过期,请重新登录";
  if (status === 403) return "当前账号没有管理权限";
  if (status === 404) return "没有找到(服务器可能尚未提供此功能)";
  if (status === 413) return "文件太大,请拆分后分别导入";
  if (status >= 500) return "服务器内部错误,请稍后重试";
  return `请求失败(${status})`;
}

function errorFromBody(status, body) {
  const error = body && typeof body === "object" ? body.error : null;
  if (error && typeof error.message === "string") {
    // A live final's refused host action carries the state it should have acted on (`state`).
    return new ApiError(status, error.code ?? "", error.message, error.fields ?? {}, error);
  }
  return new ApiError(status, "", fallbackMessage(status));
}

function authHeaders() {
  const token = savedToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function noteUnauthorized(status, path) {
  // A failed login is also a 401, but it must stay on the login form with its own message.
  if (status === 401 && path !== "/api/admin/login") {
    forgetLogin();
    unauthorizedHandler();
  }
}

// JSON request → parsed body (null for an empty one); throws ApiError for any non-2xx.
export async function api(path, { method = "GET", json, signal } = {}) {
  const headers = { Accept: "application/json", ...authHeaders() };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, cache: "no-store" });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, "", fallbackMessage(0));
  }
  const data = parseJson(await response.text().catch(() => ""), null);
  if (!response.ok) {
    noteUnauthorized(response.status, path);
    throw errorFromBody(response.status, data);
  }
  return data;
}

export function isAbort(error) {
  return error?.name === "AbortError";
}

// Sends a File as the raw request body with XMLHttpRequest, because fetch cannot report upload
// progress. The browser streams the file from disk: the page never holds it in memory.
// Resolves `{status, data}` for the statuses in `accepted` (an import's report comes with 200
// or 422); every other status rejects with an ApiError.
export function uploadFile(path, file, { onProgress = () => {}, accepted = [200] } = {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", "text/csv");
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.upload.addEventListener("load", () => onProgress(1));
    request.addEventListener("load", () => {
      const data = parseJson(request.responseText, null);
      if (accepted.includes(request.status) && data) {
        resolve({ status: request.status, data });
        return;
      }
      noteUnauthorized(request.status, path);
      reject(errorFromBody(request.status, data));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "", fallbackMessage(0))));
    request.addEventListener("abort", () => reject(new ApiError(0, "", "上传已取消")));
    request.send(file);
  });
}

// The file name a download should be saved as: RFC 6266's `filename*=UTF-8''…` first (the
// server's Chinese names), then a plain `filename="…"`, else the fallback.
export function fileNameFrom(disposition, fallback) {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ""));
    } catch {
      // A malformed escape: fall through to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(disposition);
  const name = plain ? (plain[1] ?? plain[2] ?? "").trim() : "";
  return name || fallback;
}

// Downloads need the Authorization header, which a plain link cannot send: fetch the file,
// hand the browser a blob URL through a temporary <a download>, then free the blob.
export async function download(path, fallbackName) {
  let response;
  try {
    response = await fetch(path, { headers: authHeaders(), cache: "no-store" });
  } catch {
    throw new ApiError(0, "", fallbackMessage(0));
  }
  if (!response.ok) {
    const data = parseJson(await response.text().catch(() => ""), null);
    noteUnauthorized(response.status, path);
    throw errorFromBody(response.status, data);
  }
  const blob = await response.blob();
  const name = fileNameFrom(response.headers.get("Content-Disposition"), fallbackName);
  saveBlob(blob, name);
  return name;
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
