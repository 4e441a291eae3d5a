// Building pages from data without ever parsing data as HTML, for all three page folders: every
// string becomes a text node or a textContent (question stems, names, company names and server
// messages come from people, not from us).
//
// Everything in web/shared/ runs on the contestants' phones too (WeChat's browser, Chrome 61
// and later): no `?.`, `??`, `catch {` without a binding or replaceChildren here.

/**
 * The one DOM builder:
 *   el("button", {className: "x", id: "y", type: "button", text: "…", dataset: {no: 3},
 *     attrs: {"aria-label": "…"}, on: {click: fn}, hidden: true}, "text", childNode, [more])
 * `text` sets textContent, `dataset` entries become data-*, `attrs` are set as attributes, `on`
 * adds listeners; any other prop is assigned to the element's property of that name (id, type,
 * hidden, disabled, href, value, htmlFor, scope, target, rel …). Null and undefined props are
 * left out. Children are nodes, strings or numbers (as text) and arrays of them; null,
 * undefined and false are left out.
 */
export function el(tag, props, ...children) {
  const element = document.createElement(tag);
  const p = props || {};
  Object.keys(p).forEach((name) => {
    const value = p[name];
    if (value === undefined || value === null) return;
    if (name === "className") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name === "dataset") Object.keys(value).forEach((k) => { element.dataset[k] = String(value[k]); });
    else if (name === "attrs") Object.keys(value).forEach((k) => element.setAttribute(k, String(value[k])));
    else if (name === "on") Object.keys(value).forEach((k) => element.addEventListener(k, value[k]));
    else element[name] = value;
  });
  append(element, children);
  return element;
}

function append(element, children) {
  children.forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) append(element, child);
    else if (typeof child === "string" || typeof child === "number") element.appendChild(document.createTextNode(String(child)));
    else element.appendChild(child);
  });
}

export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/** Replaces an element's children (old WebViews lack replaceChildren). */
export function fill(element, ...children) {
  clear(element);
  append(element, children);
  return element;
}
