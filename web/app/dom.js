// The contestant pages' own DOM helpers; the builder (`el`, `fill`, `clear`) is
// web/shared/dom.js.

import { el } from "/static/shared/dom.js";

export function byId(id) {
  return document.getElementById(id);
}

/** A small "loading" / "failed, retrying" block used while a view fetches its data. */
export function statusBlock(id, text) {
  return el("p", { className: "status-block", id, text, attrs: { role: "status" } });
}
