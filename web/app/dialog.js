// In-page dialogs instead of alert()/confirm(): those are blocked or ugly in WeChat's browser,
// and a native dialog takes focus from the window, which the exam would count as 切屏.

import { el } from "/static/shared/dom.js";

let open = null;

/**
 * Shows a modal. actions: [{id, text, primary, onClick}] — an action's onClick may return
 * false to keep the dialog open. Returns {element, close}. One dialog at a time.
 */
export function showDialog({ id, title, body, actions, dismissible }) {
  if (open) open.close();
  const buttons = (actions || []).map((action) =>
    el("button", {
      type: "button",
      id: action.id,
      className: action.primary ? "button primary" : "button secondary",
      text: action.text,
      on: {
        click: () => {
          const keep = action.onClick ? action.onClick() : undefined;
          if (keep !== false) close();
        },
      },
    })
  );
  const titleId = `${id}-title`;
  const dialog = el(
    "div",
    { className: "dialog", id, attrs: { role: "dialog", "aria-modal": "true", "aria-labelledby": titleId } },
    el("h2", { className: "dialog-title", id: titleId, text: title }),
    el("div", { className: "dialog-body" }, body),
    el("div", { className: "dialog-actions" }, buttons)
  );
  const backdrop = el("div", { className: "dialog-backdrop" }, dialog);
  if (dismissible) {
    backdrop.addEventListener("click", (event) => {
      if (event.target === backdrop) close();
    });
  }
  document.body.appendChild(backdrop);
  document.body.classList.add("has-dialog");
  // The first action is the safe one (取消 / 继续答题): an Enter key or a stray tap on a
  // focused button must not submit a paper.
  if (buttons.length) buttons[0].focus();
  function onKey(event) {
    if (event.key === "Escape" && dismissible) close();
  }
  document.addEventListener("keydown", onKey);
  const handle = {
    element: dialog,
    close,
  };
  function close() {
    document.removeEventListener("keydown", onKey);
    if (backdrop.parentNode) backdrop.parentNode.removeChild(backdrop);
    if (open === handle) {
      open = null;
      document.body.classList.remove("has-dialog");
    }
  }
  open = handle;
  return handle;
}

/** A message with one button; resolves when it is dismissed. */
export function showNotice({ id, title, message, buttonText }) {
  return new Promise((resolve) => {
    showDialog({
      id,
      title,
      body: el("p", { text: message }),
      actions: [{ id: `${id}-ok`, text: buttonText || "知道了", primary: true, onClick: () => resolve() }],
    });
  });
}

export function closeDialog() {
  if (open) open.close();
}

let toastTimer = 0;

/** A short message at the bottom of the screen (#toast), gone after a few seconds. */
export function toast(message) {
  const element = document.getElementById("toast");
  if (!element) return;
  element.textContent = message;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 3500);
}
