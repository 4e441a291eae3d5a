// The console's own helpers (the DOM builder `el` is web/shared/dom.js): templates, status
// lines, labels, dates and numbers, notices and the confirmation dialog. Text always goes in
// through textContent or text nodes: names, company names and question text come from users and
// must never become HTML.

// The first element of a <template> in index.html, ready to insert.
export function fromTemplate(id) {
  const template = document.getElementById(id);
  return template.content.firstElementChild.cloneNode(true);
}

export function setText(element, text) {
  if (element) element.textContent = text === null || text === undefined ? "" : String(text);
}

// A status line: text plus a `data-kind` (info, busy, ok, error) the CSS colours.
export function setStatus(element, text, kind = "info") {
  setText(element, text);
  element.dataset.kind = kind;
  element.hidden = !text;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

// Fills a <tbody> with one row per item, a few hundred rows per animation frame, so a file
// with tens of thousands of errors (or a big roster) never freezes the page. Returns a
// function that stops the filling (a newer list replaced this one). `onDone` runs once every
// row is in.
export function fillRows(tbody, items, makeRow, onDone = () => {}) {
  tbody.replaceChildren();
  let index = 0;
  let stopped = false;
  const CHUNK = 400;
  function step() {
    if (stopped) return;
    const fragment = document.createDocumentFragment();
    const end = Math.min(items.length, index + CHUNK);
    for (; index < end; index += 1) fragment.append(makeRow(items[index], index));
    tbody.append(fragment);
    if (index < items.length) requestAnimationFrame(step);
    else onDone();
  }
  step();
  return () => {
    stopped = true;
  };
}

export const KIND_LABELS = { single: "单选题", multiple: "多选题", judge: "判断题" };
export const DIFFICULTY_LABELS = { easy: "易", medium: "中", hard: "难" };
export const WINDOW_LABELS = { upcoming: "未开始", open: "进行中", closed: "已结束" };
export const ATTEMPT_LABELS = { in_progress: "答题中", submitted: "已交卷" };

export function label(map, value) {
  return map[value] ?? String(value ?? "");
}

// "2026-06-05 09:00" in the browser's time zone.
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatNumber(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value ?? "");
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, "");
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${bytes} 字节`;
}

// A value of an <input type="datetime-local"> ("2026-06-05T09:00") as RFC 3339 with the
// browser's UTC offset for that date ("2026-06-05T09:00:00+08:00"); null when empty or invalid.
export function localInputToRfc3339(value) {
  if (!value) return null;
  const date = new Date(value); // a date-time without offset is read as local time
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// A Date as the value of an <input type="datetime-local"> in the browser's time zone.
export function dateToLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The console-wide notice under the top bar. Each new view clears it, so a message meant for
// the next view (e.g. "竞赛已创建" after the form sends us to the competition) is handed over
// with `noticeForNextView`.
export function showNotice(text, kind = "ok") {
  setStatus(document.getElementById("notice"), text, kind);
}

let pendingNotice = null;
export function noticeForNextView(text, kind = "ok") {
  pendingNotice = { text, kind };
}

export function showPendingNotice() {
  showNotice(pendingNotice?.text ?? "", pendingNotice?.kind);
  pendingNotice = null;
}

// A modal confirmation; resolves true when the organizer confirms.
export function confirmDialog({ title, message, confirmLabel }) {
  const dialog = document.getElementById("confirm-dialog");
  setText(document.getElementById("confirm-title"), title);
  setText(document.getElementById("confirm-message"), message);
  setText(document.getElementById("confirm-ok"), confirmLabel);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}
