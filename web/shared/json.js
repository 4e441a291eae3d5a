// Reading JSON that may not be JSON (a proxy's error page, an empty body, a value another
// version of the page stored), never throwing.

/** `text` parsed, or `fallback` when it is empty or not JSON. */
export function parseJson(text, fallback) {
  if (!text) return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    return fallback;
  }
}
