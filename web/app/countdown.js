// Counting down by the server's clock. A phone's clock can be minutes off (or set by hand),
// so the page keeps offset = server_time − local time at the moment the server's answer
// arrived, and reads "now" as local time + offset. Every fresh attempt read re-syncs it.

import { formatClock } from "./format.js";

export class ServerClock {
  constructor(offsetMs) {
    this.offsetMs = offsetMs || 0;
  }

  /** `receivedAt`: Date.now() when the response carrying `serverTime` arrived. */
  sync(serverTime, receivedAt) {
    const server = Date.parse(serverTime);
    if (!isNaN(server)) this.offsetMs = server - (receivedAt === undefined ? Date.now() : receivedAt);
  }

  now() {
    return Date.now() + this.offsetMs;
  }
}

/**
 * Ticks four times a second: `onTick(remainingMs, text)`; `onExpire()` once when the deadline
 * is reached. The deadline can move (a re-read attempt) with setDeadline().
 */
export class Countdown {
  constructor(clock, deadlineMs, onTick, onExpire) {
    this.clock = clock;
    this.deadlineMs = deadlineMs;
    this.onTick = onTick;
    this.onExpire = onExpire;
    this.expired = false;
    this.interval = setInterval(() => this.tick(), 250);
    this.tick();
  }

  setDeadline(deadlineMs) {
    this.deadlineMs = deadlineMs;
    this.tick();
  }

  remaining() {
    return this.deadlineMs - this.clock.now();
  }

  tick() {
    const remaining = this.remaining();
    this.onTick(remaining, formatClock(remaining));
    if (remaining <= 0 && !this.expired) {
      this.expired = true;
      this.stop();
      this.onExpire();
    }
  }

  stop() {
    clearInterval(this.interval);
  }
}
