// Form fields with a label, an optional hint and an error line under each field, and the
// mapping of a server 422 (`fields: {field: message}`) onto those lines.

import { el } from "/static/shared/dom.js";

/**
 * A labelled field. `name` is the API field name; the input gets id `${prefix}-${name}` and
 * the error line `[data-error-for=name]`. Returns {element, input, hint, error}.
 */
export function field({ prefix, name, label, input, hint, extra }) {
  const id = `${prefix}-${name.replace(/_/g, "-")}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const control = el("input", Object.assign({ id, name, className: "input" }, input || {}));
  const described = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  const hintElement = hint ? el("p", { className: "field-hint", id: hintId, text: hint }) : null;
  const error = el("p", { className: "field-error", id: errorId, dataset: { errorFor: name }, hidden: true, attrs: { role: "alert" } });
  const element = el(
    "div",
    { className: "field", dataset: { field: name } },
    el("label", { className: "field-label", htmlFor: id, text: label }),
    extra ? el("div", { className: "input-row" }, control, extra) : control,
    hintElement,
    error
  );
  return { element, input: control, hint: hintElement, error };
}

/** A show/hide button for a password input (typing a password on a phone is error-prone). */
export function passwordToggle(getInput) {
  const button = el("button", {
    type: "button",
    className: "password-toggle",
    text: "显示",
    attrs: { "aria-label": "显示密码" },
  });
  button.addEventListener("click", () => {
    const input = getInput();
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    button.textContent = show ? "隐藏" : "显示";
    button.setAttribute("aria-label", show ? "隐藏密码" : "显示密码");
  });
  return button;
}

export function setFieldError(form, name, message) {
  const errors = form.querySelectorAll(`[data-error-for="${name}"]`);
  if (errors.length === 0) return false;
  const error = errors[0];
  error.textContent = message || "";
  error.hidden = !message;
  const wrapper = error.closest(".field");
  if (wrapper) wrapper.classList.toggle("invalid", !!message);
  return true;
}

export function clearErrors(form) {
  Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), (error) => {
    error.textContent = "";
    error.hidden = true;
  });
  Array.prototype.forEach.call(form.querySelectorAll(".field.invalid"), (wrapper) => wrapper.classList.remove("invalid"));
  const formError = form.querySelector(".form-error");
  if (formError) {
    formError.textContent = "";
    formError.hidden = true;
  }
}

export function setFormError(form, message) {
  const formError = form.querySelector(".form-error");
  if (!formError) return;
  formError.textContent = message || "";
  formError.hidden = !message;
}

/**
 * Shows `{field: message}` under the fields; messages for fields the form does not show go
 * to the form's error line. Focuses the first field with a problem.
 */
export function showFieldErrors(form, fields, fallbackMessage) {
  const orphans = [];
  Object.keys(fields || {}).forEach((name) => {
    if (!setFieldError(form, name, fields[name])) orphans.push(fields[name]);
  });
  if (orphans.length) setFormError(form, orphans.join(";"));
  else if (Object.keys(fields || {}).length === 0 && fallbackMessage) setFormError(form, fallbackMessage);
  const first = form.querySelector(".field.invalid");
  if (first) {
    const control = first.querySelector("input, button");
    if (control) control.focus();
    if (first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }
}
