// 竞赛: the list of competitions, and the form that creates one (basic settings, the company
// score rule, and the blueprint editor with its live feasibility check). A 422 from the server
// names fields; each message is put next to its input.

import { el } from "/static/shared/dom.js";
import { api } from "./api.js";
import { loadCoverage } from "./bank.js";
import { setupBlueprintEditor, setupLiveCheck } from "./blueprint.js";
import {
  WINDOW_LABELS,
  dateToLocalInput,
  formatDateTime,
  formatNumber,
  fromTemplate,
  label,
  localInputToRfc3339,
  noticeForNextView,
  setStatus,
  setText,
} from "./dom.js";

export function renderList(view) {
  const root = fromTemplate("tpl-competitions");
  view.append(root);
  const status = root.querySelector("#competitions-status");
  const tbody = root.querySelector("#competitions-table tbody");
  setStatus(status, "正在读取…", "busy");
  api("/api/admin/competitions")
    .then((competitions) => {
      const list = Array.isArray(competitions) ? competitions : [];
      // Newest first: the competition being prepared or running is the one wanted.
      list.sort((a, b) => b.id - a.id);
      tbody.replaceChildren(...list.map(competitionRow));
      setStatus(status, list.length === 0 ? "还没有竞赛,点击“新建竞赛”创建第一个。" : "");
    })
    .catch((error) => setStatus(status, `无法读取竞赛列表:${error.message}`, "error"));
}

function competitionRow(c) {
  return el(
    "tr",
    { dataset: { competitionId: c.id, status: c.status } },
    el(
      "td",
      {},
      el("a", { href: `#/competitions/${c.id}`, text: c.title }),
      // `ecoquiz rehearse`: not shown to contestants, never exported.
      c.rehearsal && el("span", { className: "badge rehearsal", title: "ecoquiz rehearse 建立的演练,不计成绩、不导出", text: "演练" }),
    ),
    el("td", {}, el("span", { className: `badge ${c.status}`, text: label(WINDOW_LABELS, c.status) })),
    el("td", { text: formatDateTime(c.opens_at) }),
    el("td", { text: formatDateTime(c.closes_at) }),
    el("td", { className: "num", text: `${c.duration_minutes} 分钟` }),
    el("td", { className: "num", text: c.question_count }),
    el("td", { className: "num", text: formatNumber(c.max_score) }),
    el(
      "td",
      { className: "row-actions" },
      el("a", { href: `#/competitions/${c.id}`, dataset: { openCompetition: c.id }, text: "监控与导出" }),
      " ",
      el("a", { href: `/screen/${c.id}`, target: "_blank", rel: "noopener", text: "大屏" }),
    ),
  );
}

// Fields of the form outside the blueprint, as the server names them.
const FORM_FIELDS = [
  "title",
  "opens_at",
  "closes_at",
  "duration_minutes",
  "max_attempts",
  "pass_score",
  "max_tab_switches",
  "company_score",
  "company_score.method",
  "company_score.n",
  "company_score.min_participants",
];

export function renderNew(view, ctx) {
  const root = fromTemplate("tpl-new-competition");
  view.append(root);
  const form = root.querySelector("#competition-form");
  const $ = (id) => root.querySelector(`#${id}`);

  // A sensible start: opening at the next full hour, for a week.
  const opens = new Date();
  opens.setMinutes(0, 0, 0);
  opens.setHours(opens.getHours() + 1);
  const closes = new Date(opens.getTime() + 7 * 24 * 3600 * 1000);
  $("competition-opens-at").value = dateToLocalInput(opens);
  $("competition-closes-at").value = dateToLocalInput(closes);

  const method = $("company-score-method");
  const showN = () => {
    $("company-score-n-label").hidden = method.value !== "top_n_average";
  };
  method.addEventListener("change", showN);
  showN();

  // The regulation pickers need the coverage list; the editor works without it.
  let editor = null;
  let live = null;
  loadCoverage()
    .catch(() => [])
    .then((regulations) => {
      if (!ctx.alive) return;
      editor = setupBlueprintEditor(form, { regulations });
      live = setupLiveCheck(editor, $("blueprint-check"));
      ctx.onLeave(live.cancel);
    });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (editor) create(form, editor).catch(() => {});
  });
  // Enter in a field would submit the form; a competition is created only with the button.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.preventDefault();
  });
}

function clearFieldErrors(form) {
  for (const target of form.querySelectorAll("[data-error-for]")) setText(target, "");
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const error = form.querySelector("#competition-form-error");
  error.hidden = true;
  form.querySelector("#competition-form-problems").replaceChildren();
}

// Puts a field's message next to its input; false when the form has no place for it.
function showFieldError(form, field, message) {
  const target = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  if (!target || !FORM_FIELDS.includes(field)) return false;
  target.textContent = target.textContent ? `${target.textContent};${message}` : message;
  target.closest("label")?.querySelector("input, select")?.setAttribute("aria-invalid", "true");
  return true;
}

function optionalNumber(input) {
  const text = input.value.trim();
  return text === "" ? null : Number(text);
}

// Reads the form into the request body; the problems it can already see go in `problems`.
function readForm(form, editor) {
  const $ = (id) => form.querySelector(`#${id}`);
  const problems = {};
  const opensAt = localInputToRfc3339($("competition-opens-at").value);
  const closesAt = localInputToRfc3339($("competition-closes-at").value);
  if (!$("competition-title").value.trim()) problems.title = "请填写竞赛名称";
  if (!opensAt) problems.opens_at = "请选择开始时间";
  if (!closesAt) problems.closes_at = "请选择结束时间";
  const integer = (id, field, text, { optional = false } = {}) => {
    const value = optionalNumber($(id));
    if (value === null && optional) return null;
    if (value === null || !Number.isInteger(value)) problems[field] = text;
    return value;
  };
  const duration = integer("competition-duration", "duration_minutes", "请填写答题时长(整数分钟)");
  const maxAttempts = integer("competition-max-attempts", "max_attempts", "请填写每人可答次数(整数)");
  const maxTabSwitches = integer("competition-max-tab-switches", "max_tab_switches", "请填写整数,或留空表示不限制", { optional: true });
  const passScore = optionalNumber($("competition-pass-score"));
  if (passScore !== null && !Number.isFinite(passScore)) problems.pass_score = "请填写数字,或留空";
  const companyScore = { method: $("company-score-method").value };
  if (companyScore.method === "top_n_average") {
    companyScore.n = integer("company-score-n", "company_score.n", "请填写取前几名(整数)");
  }
  companyScore.min_participants = integer("company-score-min", "company_score.min_participants", "请填写最少人数(整数)");
  const { blueprint, problems: blueprintProblems } = editor.read();
  const body = {
    title: $("competition-title").value.trim(),
    opens_at: opensAt,
    closes_at: closesAt,
    duration_minutes: duration,
    blueprint,
    max_attempts: maxAttempts,
    pass_score: passScore,
    company_score: companyScore,
    max_tab_switches: maxTabSwitches,
  };
  return { body, problems, blueprintProblems };
}

async function create(form, editor) {
  const button = form.querySelector("#create-competition-button");
  const formError = form.querySelector("#competition-form-error");
  clearFieldErrors(form);
  const { body, problems, blueprintProblems } = readForm(form, editor);
  for (const [field, message] of Object.entries(problems)) showFieldError(form, field, message);
  editor.showProblems(blueprintProblems);
  if (Object.keys(problems).length || blueprintProblems.length) {
    setStatus(formError, "请按红字提示修改后再创建。", "error");
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  button.disabled = true;
  setStatus(formError, "正在创建…", "busy");
  try {
    const created = await api("/api/admin/competitions", { method: "POST", json: body });
    noticeForNextView(`竞赛“${created.title}”已创建。`);
    location.hash = `#/competitions/${created.id}`;
  } catch (error) {
    const fields = error.fields ?? {};
    const blueprint = [];
    const elsewhere = [];
    for (const [field, message] of Object.entries(fields)) {
      if (field === "blueprint" || field.startsWith("blueprint.")) blueprint.push({ field, message });
      else if (!showFieldError(form, field, message)) elsewhere.push(message);
    }
    editor.showProblems(blueprint);
    const list = form.querySelector("#competition-form-problems");
    list.replaceChildren(...[...blueprint.map((p) => p.message), ...elsewhere].map((m) => el("li", { text: m })));
    if (error.status === 422) {
      setStatus(formError, "没有创建:请按红字提示修改。", "error");
      form.querySelector('[aria-invalid="true"]')?.focus();
    } else {
      setStatus(formError, `没有创建:${error.message}`, "error");
    }
  } finally {
    button.disabled = false;
  }
}
