// The one error type of every failed request, on every page: `new ApiError(status, code,
// message, fields)`, in the order of the server's `{"error": {code, message, fields}}` after
// the status. The pages only ever show `message`; they decide by `status` and `code`.

export class ApiError extends Error {
  /**
   * status: the HTTP status, 0 when no answer arrived (offline, timeout, connection refused).
   * code: the server's error code ("" when the answer carried none, or the page's own word for
   * why there was no answer). fields: `{field: message}` from a 422.
   */
  constructor(status, code, message, fields, detail) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code === undefined || code === null ? "" : code;
    this.fields = fields || {};
    // A 503 `queued` (too many registrations and logins at once): how many wait ahead, and
    // after how many seconds the same request is taken.
    this.ahead = detail && typeof detail.ahead === "number" ? detail.ahead : null;
    this.retryAfter = detail && typeof detail.retry_after === "number" ? detail.retry_after : null;
    // A live final's refused action: the state it should have acted on.
    this.state = detail && detail.state && typeof detail.state === "object" ? detail.state : null;
  }

  /** The server is hashing too many passwords at once: the same request later, by itself. */
  get queued() {
    return this.status === 503 && this.code === "queued";
  }

  get offline() {
    return this.status === 0;
  }

  /**
   * The server's storage refused the write (disk full, database busy, read-only, …): a 503
   * whose code is `storage_*`. Nothing was stored; the same request succeeds once the
   * storage takes writes again, and the message says so in the person's words.
   */
  get storageRefused() {
    return this.status === 503 && typeof this.code === "string" && this.code.indexOf("storage_") === 0;
  }

  /** Whether the same request may succeed later without anything changing on our side. */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}
