// localStorage as JSON, never throwing: some WebViews (private mode, a full quota, storage
// disabled by policy) refuse to store, and the exam must go on then, with memory only.

import { parseJson } from "/static/shared/json.js";

const memory = new Map();

function probe() {
  try {
    const storage = window.localStorage;
    const key = "ecoquiz.__probe";
    storage.setItem(key, "1");
    storage.removeItem(key);
    return storage;
  } catch (error) {
    return null;
  }
}

const local = probe();

export function readJson(key, fallback) {
  let text = null;
  if (local) {
    try {
      text = local.getItem(key);
    } catch (error) {
      text = null;
    }
  }
  if (text === null && memory.has(key)) text = memory.get(key);
  return text === null ? fallback : parseJson(text, fallback);
}

export function writeJson(key, value) {
  const text = JSON.stringify(value);
  // Memory always holds the latest value, so a failed write (quota) loses nothing while the
  // page stays open.
  memory.set(key, text);
  if (local) {
    try {
      local.setItem(key, text);
    } catch (error) {
      // Kept in memory only.
    }
  }
}

export function remove(key) {
  memory.delete(key);
  if (local) {
    try {
      local.removeItem(key);
    } catch (error) {
      // Nothing to do: the memory copy is gone, which is what readers see first when storage fails.
    }
  }
}

/** Every stored key starting with `prefix` (from storage and memory). */
export function keysWithPrefix(prefix) {
  const found = new Set();
  if (local) {
    try {
      for (let i = 0; i < local.length; i += 1) {
        const key = local.key(i);
        if (key && key.indexOf(prefix) === 0) found.add(key);
      }
    } catch (error) {
      // Fall through to memory.
    }
  }
  memory.forEach((value, key) => {
    if (key.indexOf(prefix) === 0) found.add(key);
  });
  return Array.from(found);
}

/** sessionStorage for one-tab notes (where to return after login), also never throwing. */
export function sessionGet(key) {
  try {
    return window.sessionStorage.getItem(key);
  } catch (error) {
    return memory.has(`session:${key}`) ? memory.get(`session:${key}`) : null;
  }
}

export function sessionSet(key, value) {
  memory.set(`session:${key}`, value);
  try {
    window.sessionStorage.setItem(key, value);
  } catch (error) {
    // Memory only.
  }
}

export function sessionRemove(key) {
  memory.delete(`session:${key}`);
  try {
    window.sessionStorage.removeItem(key);
  } catch (error) {
    // Memory only.
  }
}
