// Building the page from data without ever parsing data as HTML: every string becomes a text
// node (question stems, company names and server messages come from people, not from us).

/**
 * h("button", {className: "x", id: "y", type: "button", dataset: {no: 3}, attrs: {"aria-label": "…"},
 *   on: {click: fn}, hidden: true, disabled: true}, "text", childNode, [more])
 */
export function h(tag, props, ...children) {
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
    else element[name] = value; // id, type, hidden, disabled, href, name, value, htmlFor …
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

export function byId(id) {
  return document.getElementById(id);
}

/** A small "loading" / "failed, retrying" block used while a view fetches its data. */
export function statusBlock(id, text) {
  return h("p", { className: "status-block", id, text, attrs: { role: "status" } });
}
