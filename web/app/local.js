// What this phone keeps about the person's attempts, under keys that carry the person's id
// (the token's subject), so two colleagues sharing a phone never mix their answers:
//   ecoquiz.{who}.pending.{attempt}  answers not yet acknowledged by the server (autosave.js)
//   ecoquiz.{who}.tabs.{attempt}     切屏 not yet reported (tabswitch.js)
//   ecoquiz.{who}.paper.{attempt}    the paper, so a reload without network still shows it
//   ecoquiz.{who}.result.{attempt}   the submit reply (time used, rank) for the result page
//   ecoquiz.{who}.attempts           competition → attempts, used only when /api/me is missing

import { tokenSubject } from "./api.js";
import { keysWithPrefix, readJson, remove, writeJson } from "./storage.js";

export function personKey(kind, attemptId) {
  const who = tokenSubject() || "anonymous";
  return attemptId === undefined ? `ecoquiz.${who}.${kind}` : `ecoquiz.${who}.${kind}.${attemptId}`;
}

/** Attempt ids with something of `kind` stored for the signed-in person. */
export function storedAttemptIds(kind) {
  const prefix = personKey(kind, "");
  return keysWithPrefix(prefix)
    .map((key) => Number(key.slice(prefix.length)))
    .filter((id) => id > 0);
}

export function savePaper(view, offsetMs) {
  writeJson(personKey("paper", view.attempt_id), { view, offsetMs, savedAt: Date.now() });
}

export function loadPaper(attemptId) {
  return readJson(personKey("paper", attemptId), null);
}

export function saveResult(attemptId, result) {
  writeJson(personKey("result", attemptId), result);
}

export function loadResult(attemptId) {
  return readJson(personKey("result", attemptId), null);
}

/**
 * Drops paper copies older than a few days (attempts graded by the server after their
 * deadline never pass through forgetPaper), so the phone's storage does not fill up.
 */
export function prunePapers() {
  const PAPER_DAYS = 3;
  keysWithPrefix("ecoquiz.").forEach((key) => {
    if (key.indexOf(".paper.") < 0) return;
    const copy = readJson(key, null);
    if (!copy || !(Date.now() - copy.savedAt < PAPER_DAYS * 24 * 3600 * 1000)) remove(key);
  });
}

/** Once submitted, the paper copy is of no more use (the review comes from the server). */
export function forgetPaper(attemptId) {
  remove(personKey("paper", attemptId));
}

export function rememberAttempt(competitionId, attemptId, status) {
  const key = personKey("attempts");
  const all = readJson(key, {});
  const list = all[competitionId] || [];
  const existing = list.filter((a) => a.attempt_id === attemptId)[0];
  if (existing) existing.status = status;
  else list.push({ attempt_id: attemptId, competition_id: competitionId, status });
  all[competitionId] = list;
  writeJson(key, all);
}

export function rememberedAttempts() {
  const all = readJson(personKey("attempts"), {});
  const list = [];
  Object.keys(all).forEach((id) => {
    (all[id] || []).forEach((a) => list.push(a));
  });
  return list;
}

// A started attempt handed from the competitions page to the exam page in memory, so the
// exam shows at once without asking the server again.
const started = new Map();

export function handOverStartedAttempt(view, receivedAt) {
  started.set(view.attempt_id, { view, receivedAt });
}

export function takeStartedAttempt(attemptId) {
  const entry = started.get(attemptId);
  started.delete(attemptId);
  return entry || null;
}

// A message for the next page (e.g. "submitted automatically after 切屏"), shown once.
const notes = new Map();

export function leaveNote(attemptId, text) {
  notes.set(attemptId, text);
}

export function takeNote(attemptId) {
  const text = notes.get(attemptId);
  notes.delete(attemptId);
  return text || null;
}
