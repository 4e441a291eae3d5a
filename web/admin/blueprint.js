// The blueprint editor of the new-competition form (one row per kind, the difficulty mix,
// regulation minimums, shuffling) and its live feasibility check: every change asks the
// server, debounced, whether the current bank can fill such a paper, and shows the problems
// both in the side panel and next to the inputs they concern.
//
// Problems, from this page or the server, name a blueprint field the way the server does
// (`sections[1].count`, `difficulty`, `regulations.排污许可管理条例`), so one function places
// them all.

import { el } from "/static/shared/dom.js";
import { api, isAbort } from "./api.js";
import { debounce, formatNumber, fromTemplate, setText } from "./dom.js";

const MAX_PAPER_QUESTIONS = 500; // question_bank::MAX_PAPER_QUESTIONS

// Regulation names are compared as the server does: without 《》 and spaces.
function regulationKey(name) {
  return String(name ?? "").replace(/[《》\s]/g, "");
}

function readInteger(input) {
  const text = input.value.trim();
  if (!/^\d+$/.test(text)) return null;
  return Number(text);
}

function readNumber(input) {
  const text = input.value.trim();
  if (text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * form: the new-competition form (it holds the editor's inputs).
 * regulations: the coverage list, [{regulation, total}], for the regulation pickers.
 */
export function setupBlueprintEditor(form, { regulations }) {
  const editor = form.querySelector("#blueprint-editor");
  const rows = [...editor.querySelectorAll(".section-row")];
  const regulationList = editor.querySelector("#regulation-minimums");
  const addRegulation = editor.querySelector("#add-regulation-button");
  const difficultyEnabled = editor.querySelector("#difficulty-enabled");
  const shares = ["easy", "medium", "hard"].map((name) => [name, editor.querySelector(`#difficulty-${name}`)]);
  const listeners = [];
  // Which kind each index of the last blueprint read stands for: the server names sections
  // by index, and only the ticked rows are sent.
  let sentKinds = [];

  function changed() {
    for (const listener of listeners) listener();
  }

  function addRegulationRow() {
    const row = fromTemplate("tpl-regulation-row");
    const select = row.querySelector('select[name="regulation"]');
    for (const entry of regulations) {
      select.append(el("option", { value: entry.regulation, text: `《${entry.regulation}》(题库 ${entry.total} 道)` }));
    }
    row.querySelector(".remove-regulation").addEventListener("click", () => {
      row.remove();
      changed();
    });
    regulationList.append(row);
    select.focus();
    changed();
  }

  if (regulations.length === 0) {
    addRegulation.disabled = true;
    addRegulation.title = "题库中还没有题目";
  }
  addRegulation.addEventListener("click", addRegulationRow);
  editor.addEventListener("input", changed);
  editor.addEventListener("change", changed);

  // Reads the inputs: the blueprint to send, and the problems this page can already see
  // (an empty count, shares not adding up) — those are shown without asking the server.
  function read() {
    const problems = [];
    const sections = [];
    sentKinds = [];
    for (const row of rows) {
      const kind = row.dataset.kind;
      const enabled = row.querySelector('[name="enabled"]').checked;
      for (const input of row.querySelectorAll('input[type="number"], [name="partial_credit"]')) input.disabled = !enabled;
      if (!enabled) continue;
      const index = sections.length;
      sentKinds.push(kind);
      const count = readInteger(row.querySelector('[name="count"]'));
      const points = readNumber(row.querySelector('[name="points"]'));
      if (count === null || count < 1 || count > MAX_PAPER_QUESTIONS) {
        problems.push({ field: `sections[${index}].count`, message: `题数请填写 1 到 ${MAX_PAPER_QUESTIONS} 之间的整数` });
      }
      if (points === null || points <= 0) {
        problems.push({ field: `sections[${index}].points`, message: "每题分值请填写大于 0 的数" });
      }
      const section = { kind, count: count ?? 0, points: points ?? 0 };
      const partial = row.querySelector('[name="partial_credit"]');
      if (partial) section.partial_credit = partial.checked;
      sections.push(section);
    }
    if (sections.length === 0) problems.push({ field: "sections", message: "请至少勾选一种题型" });

    const blueprint = { sections, regulations: {}, shuffle_options: editor.querySelector("#shuffle-options").checked };

    for (const [, input] of shares) input.disabled = !difficultyEnabled.checked;
    if (difficultyEnabled.checked) {
      const mix = {};
      let sum = 0;
      let readable = true;
      for (const [name, input] of shares) {
        const percent = readNumber(input);
        if (percent === null || percent < 0 || percent > 100) readable = false;
        mix[name] = (percent ?? 0) / 100;
        sum += percent ?? 0;
      }
      if (!readable) problems.push({ field: "difficulty", message: "易、中、难的比例请填写 0 到 100 之间的数" });
      else if (Math.abs(sum - 100) > 1e-6) problems.push({ field: "difficulty", message: `易、中、难的比例相加必须是 100%,现在是 ${formatNumber(sum)}%` });
      blueprint.difficulty = mix;
      setText(editor.querySelector("#difficulty-sum"), `合计 ${formatNumber(sum)}%`);
      editor.querySelector("#difficulty-sum").dataset.ok = String(readable && Math.abs(sum - 100) <= 1e-6);
    } else {
      setText(editor.querySelector("#difficulty-sum"), "不限难度");
      editor.querySelector("#difficulty-sum").dataset.ok = "true";
    }

    const seen = new Set();
    for (const row of regulationList.querySelectorAll(".regulation-row")) {
      const name = row.querySelector('[name="regulation"]').value;
      const min = readInteger(row.querySelector('[name="min"]'));
      const where = row.querySelector(".row-error");
      if (!name) {
        problems.push({ element: where, message: "请选择法规,或删除这一项" });
        continue;
      }
      if (seen.has(regulationKey(name))) {
        problems.push({ element: where, message: `《${name}》已经设置过,请删除重复的一项` });
        continue;
      }
      seen.add(regulationKey(name));
      if (min === null || min < 1) problems.push({ element: where, message: "最低题数请填写正整数" });
      blueprint.regulations[name] = { min: min ?? 0 };
    }

    for (const row of rows) {
      const count = readInteger(row.querySelector('[name="count"]'));
      const points = readNumber(row.querySelector('[name="points"]'));
      const enabled = row.querySelector('[name="enabled"]').checked;
      setText(row.querySelector(".subtotal"), enabled && count && points ? `小计 ${formatNumber(count * points)} 分` : "");
    }
    return { blueprint, problems };
  }

  // Where a problem's message goes: the row or block its field names; the blueprint's own
  // message line when nothing closer fits.
  function targetOf(problem) {
    if (problem.element) return problem.element;
    const field = String(problem.field ?? "").replace(/^blueprint\.?/, "");
    const section = /^sections\[(\d+)\]/.exec(field);
    if (section) {
      const row = rows.find((r) => r.dataset.kind === sentKinds[Number(section[1])]);
      if (row) return row.querySelector(".row-error");
    }
    if (field.startsWith("sections")) return editor.querySelector('[data-error-for="blueprint.sections"]');
    if (field.startsWith("difficulty")) return editor.querySelector('[data-error-for="blueprint.difficulty"]');
    if (field.startsWith("regulations.")) {
      const key = regulationKey(field.slice("regulations.".length));
      const row = [...regulationList.querySelectorAll(".regulation-row")].find(
        (r) => regulationKey(r.querySelector('[name="regulation"]').value) === key,
      );
      if (row) return row.querySelector(".row-error");
    }
    if (field.startsWith("regulations")) return editor.querySelector('[data-error-for="blueprint.regulations"]');
    return editor.querySelector('[data-error-for="blueprint"]');
  }

  function showProblems(problems) {
    for (const target of editor.querySelectorAll(".row-error, .field-error")) setText(target, "");
    for (const row of editor.querySelectorAll(".section-row, .regulation-row, .difficulty")) row.classList.remove("invalid");
    for (const problem of problems) {
      const target = targetOf(problem);
      target.textContent = target.textContent ? `${target.textContent};${problem.message}` : problem.message;
      target.closest(".section-row, .regulation-row")?.classList.add("invalid");
    }
  }

  return {
    read,
    showProblems,
    onChange: (listener) => listeners.push(listener),
  };
}

// The side panel: question count, maximum score, and the verdict of POST
// /api/admin/blueprints/check, refreshed ~300 ms after the organizer stops typing. Its
// `data-state` is one of checking, feasible, infeasible, invalid (this page found problems),
// unavailable (the server has no check) or error.
export function setupLiveCheck(editor, panel) {
  const $ = (id) => panel.querySelector(`#${id}`);
  let controller = null;

  function figures(blueprint) {
    // Shown at once from the inputs; the server's figures replace them when they arrive.
    let count = 0;
    let max = 0;
    for (const s of blueprint.sections) {
      count += s.count;
      max += s.count * s.points;
    }
    setText($("check-question-count"), `${count} 道`);
    setText($("check-max-score"), `${formatNumber(max)} 分`);
  }

  function verdict(state, text, problems = []) {
    panel.dataset.state = state;
    setText($("check-verdict"), text);
    $("check-problems").replaceChildren(...problems.map((p) => el("li", { text: p.message })));
  }

  // Whether the messages next to the inputs are this page's own; they go as soon as the
  // inputs are fixed. The server's (from a check or a refused create) stay until the next
  // answer of the check replaces them, so a check that fails does not wipe them.
  let localShown = false;

  async function check() {
    controller?.abort();
    const { blueprint, problems } = editor.read();
    figures(blueprint);
    if (problems.length) {
      controller = null;
      editor.showProblems(problems);
      localShown = true;
      verdict("invalid", "请先改正下列项目:", problems);
      return;
    }
    if (localShown) editor.showProblems([]);
    localShown = false;
    controller = new AbortController();
    panel.dataset.state = "checking";
    setText($("check-verdict"), "正在检查题库…");
    try {
      const result = await api("/api/admin/blueprints/check", { method: "POST", json: { blueprint }, signal: controller.signal });
      const found = Array.isArray(result?.problems) ? result.problems : [];
      if (typeof result?.question_count === "number") setText($("check-question-count"), `${result.question_count} 道`);
      if (result?.max_score !== undefined) setText($("check-max-score"), `${formatNumber(result.max_score)} 分`);
      editor.showProblems(found);
      if (result?.feasible) verdict("feasible", "题库可以满足这份试卷构成,每位参赛者都能抽到完整的试卷。");
      else verdict("infeasible", "题库不能满足这份试卷构成:", found);
    } catch (error) {
      if (isAbort(error)) return;
      if (error.status === 404 || error.status === 405) {
        verdict("unavailable", "暂时无法在线检查;点击“创建竞赛”时服务器仍会检查题库能否满足。");
      } else {
        verdict("error", `检查没有完成:${error.message}`);
      }
    }
  }

  const soon = debounce(check, 300);
  editor.onChange(soon);
  check();
  return { checkNow: check, cancel: () => { soon.cancel(); controller?.abort(); } };
}
