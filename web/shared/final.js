// The live final's vocabulary, shared by its three pages (the phones' /final, the projector
// /final/{id}/screen and the host's console): the Chinese names of rounds, phases and host
// actions, how keys, deltas and ranks read, and the countdown by the server's clock
// (docs/FINAL.md, "The state"). Runs on the phones too: Chrome 61, no `?.` or `??`.

export const ROUND_KINDS = { required: "必答题", buzz: "抢答题", risk: "风险题" };
export const QUESTION_KINDS = { single: "单选题", multiple: "多选题", judge: "判断题" };

// As the server names them in its refusals (live_final::show, Phase::label).
export const PHASES = {
  lobby: "等待开始",
  stakes: "选择分值",
  question: "出题",
  open: "作答中",
  answering: "抢答者作答中",
  closed: "作答结束",
  revealed: "公布答案",
  scoreboard: "显示比分",
  finished: "比赛结束",
};

const NEXT_ACTIONS = {
  start: "开始比赛",
  show: "出示题目",
  open: "开始计时",
  close: "结束作答",
  reveal: "公布答案",
  scoreboard: "显示比分",
  next: "下一题",
  finish: "结束比赛",
  resume: "继续",
};

/** The host's big button for `action` (the state's `host.next_action`); a 抢答 question opens with 开始抢答. */
export function nextActionLabel(action, state) {
  if (action === "open" && state && state.round && state.round.kind === "buzz") return "开始抢答";
  return NEXT_ACTIONS[action] || action || "比赛已结束";
}

export function label(map, value) {
  return Object.prototype.hasOwnProperty.call(map, value) ? map[value] : String(value === null || value === undefined ? "" : value);
}

/** The options of a question as every screen shows them; a judge question without options gets 正确 / 错误. */
export function optionsOf(question) {
  if (question && question.options && question.options.length) return question.options;
  if (question && question.kind === "judge") return [{ key: "T", text: "正确" }, { key: "F", text: "错误" }];
  return [];
}

/** The mark in an option's badge: the letter, or ✓ / ✗ for a judge question. */
export function optionMark(kind, key) {
  if (kind === "judge") return key === "T" ? "✓" : key === "F" ? "✗" : key;
  return key;
}

/** Keys as people read them: `A、C`, judge keys as 正确 / 错误; `empty` when there are none. */
export function formatKeys(keys, kind, empty) {
  if (typeof keys === "string") keys = keys.split("");
  if (!keys || keys.length === 0) return empty === undefined ? "未作答" : empty;
  if (kind === "judge") return keys.map((k) => (k === "T" ? "正确" : k === "F" ? "错误" : k)).join("、");
  return keys.join("、");
}

export function sameKeys(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((key) => b.indexOf(key) >= 0);
}

/** A score change: `+10`, `-5`, `0`. */
export function signed(delta) {
  const n = Number(delta) || 0;
  return n > 0 ? `+${n}` : String(n);
}

/**
 * The seats ranked by score, highest first (ties: the lower seat number first), each with
 * its `rank`: equal scores share a rank (1, 2, 2, 4).
 */
export function rankSeats(seats) {
  const sorted = (seats || []).slice().sort((a, b) => b.score - a.score || a.seat - b.seat);
  let rank = 0;
  return sorted.map((seat, index) => {
    if (index === 0 || seat.score !== sorted[index - 1].score) rank = index + 1;
    return Object.assign({}, seat, { rank });
  });
}

export function seatOf(state, seat) {
  const seats = (state && state.seats) || [];
  for (let i = 0; i < seats.length; i += 1) if (seats[i].seat === seat) return seats[i];
  return null;
}

/** A seat's result on the revealed question (`reveal.results`), or null when it was not scored. */
export function resultOf(state, seat) {
  const results = state && state.reveal && state.reveal.results ? state.reveal.results : [];
  for (let i = 0; i < results.length; i += 1) if (results[i].seat === seat) return results[i];
  return null;
}

/**
 * The countdown of a state as this device's clock reads it. `receivedAt`: Date.now() when the
 * frame arrived. The server's `deadline − server_time` is what was left when it sent the
 * frame; counting that down from `receivedAt` makes a phone whose clock is minutes off count
 * down correctly. Returns {endsAt} (local ms) while running, {pausedMs} while paused, or null.
 */
export function timingOf(state, receivedAt) {
  if (!state) return null;
  if (state.paused) {
    return typeof state.remaining_ms === "number" ? { pausedMs: Math.max(0, state.remaining_ms) } : null;
  }
  const deadline = Date.parse(state.deadline);
  const serverTime = Date.parse(state.server_time);
  if (isNaN(deadline) || isNaN(serverTime)) return null;
  return { endsAt: receivedAt + (deadline - serverTime) };
}

/** Milliseconds left on a timing from `timingOf`, never below 0; null without a countdown. */
export function remainingMs(timing) {
  if (!timing) return null;
  if (typeof timing.pausedMs === "number") return timing.pausedMs;
  return Math.max(0, timing.endsAt - Date.now());
}

/** The whole of the countdown running now, in ms: the buzz winner's `answer_seconds`, else the question's `seconds`. */
export function countdownTotalMs(state) {
  const q = state && state.question;
  if (!q) return null;
  const seconds = state.phase === "answering" ? q.answer_seconds : q.seconds;
  return seconds ? seconds * 1000 : null;
}

/** Whole seconds left, as a countdown shows them (rounded up: it reads 1 until it is over). */
export function secondsLeft(ms) {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** The join address the projector and the console show: `http://host/final?code=482913`. */
export function audienceJoinUrl(code) {
  return `${location.protocol}//${location.host}/final?code=${encodeURIComponent(code || "")}`;
}
