// A ranked list whose rows slide to their new places when the order changes (FLIP: note
// where each row is, put the rows in their new order, move each back to where it was with a
// transform, then let the CSS transition on `transform` carry it to its new place). Rows are
// kept per key, so a row that only moved is the same element, never a new one.

/**
 * Puts one element per item into `list`, in the order of `items`: the element already there
 * for `key(item)` is reused, else `make(item)` builds one; `update(element, item)` fills it
 * either way. Elements whose key is gone are removed. Returns the keys of the rows that moved
 * up (to highlight them).
 */
export function reorderList(list, items, key, make, update) {
  const before = new Map();
  Array.prototype.forEach.call(list.children, (element, index) => {
    before.set(element.dataset.key, { element, index, top: element.getBoundingClientRect().top });
  });
  const kept = new Set();
  const movedUp = [];
  items.forEach((item, index) => {
    const k = String(key(item));
    kept.add(k);
    const entry = before.get(k);
    const element = entry ? entry.element : make(item);
    element.dataset.key = k;
    update(element, item);
    if (entry && index < entry.index) movedUp.push(k);
    list.appendChild(element); // appending in order puts the rows in the new order
  });
  before.forEach((entry, k) => {
    if (!kept.has(k)) list.removeChild(entry.element);
  });
  const moving = [];
  Array.prototype.forEach.call(list.children, (element) => {
    const entry = before.get(element.dataset.key);
    if (!entry) return;
    const delta = entry.top - element.getBoundingClientRect().top;
    if (delta === 0) return;
    element.style.transition = "none";
    element.style.transform = `translateY(${delta}px)`;
    moving.push(element);
  });
  if (moving.length) {
    // Lay the inverted rows out before letting go, or the browser skips the transition.
    void list.offsetHeight;
    requestAnimationFrame(() => {
      moving.forEach((element) => {
        element.style.transition = "";
        element.style.transform = "";
      });
    });
  }
  return movedUp;
}
