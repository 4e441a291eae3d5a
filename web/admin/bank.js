// 题库: import the bureau's CSV (with the dry run), the coverage matrix per regulation × kind ×
// difficulty, browsing the questions with filters and paging, and the bank's CSV download.

import { el } from "/static/shared/dom.js";
import { api, download, isAbort } from "./api.js";
import {
  DIFFICULTY_LABELS,
  KIND_LABELS,
  debounce,
  fromTemplate,
  label,
  setStatus,
  setText,
} from "./dom.js";
import { mountUpload } from "./upload.js";

const KINDS = ["single", "multiple", "judge"];
const DIFFICULTIES = ["easy", "medium", "hard"];

// The coverage as the server sends it (GET /api/admin/regulations):
// {regulations: [{regulation, total, counts: {single: {easy, medium, hard}, …}}]}.
export async function loadCoverage() {
  const data = await api("/api/admin/regulations");
  return Array.isArray(data?.regulations) ? data.regulations : [];
}

export function render(view) {
  const root = fromTemplate("tpl-bank");
  view.append(root);
  const $ = (id) => root.querySelector(`#${id}`);

  const browser = setupBrowser($);
  async function refreshCoverage() {
    setStatus($("coverage-status"), "正在读取…", "busy");
    try {
      const regulations = await loadCoverage();
      drawCoverage($("coverage-table"), regulations);
      fillRegulationFilter($("filter-regulation"), regulations);
      setStatus($("coverage-status"), regulations.length === 0 ? "题库中还没有题目,请先导入题库 CSV。" : "");
    } catch (error) {
      setStatus($("coverage-status"), `无法读取题目统计:${error.message}`, "error");
    }
  }

  mountUpload($("bank-upload"), () => {
    refreshCoverage();
    browser.load();
  });

  $("bank-export").addEventListener("click", (event) => {
    event.preventDefault();
    const link = event.currentTarget;
    link.setAttribute("aria-busy", "true");
    download("/api/admin/questions/export.csv", "题库.csv")
      .catch((error) => setStatus($("coverage-status"), `下载失败:${error.message}`, "error"))
      .finally(() => link.removeAttribute("aria-busy"));
  });

  refreshCoverage();
  browser.load();
}

function drawCoverage(table, regulations) {
  const tbody = table.querySelector("tbody");
  const tfoot = table.querySelector("tfoot");
  const totals = Object.fromEntries(KINDS.map((k) => [k, Object.fromEntries(DIFFICULTIES.map((d) => [d, 0]))]));
  let grand = 0;
  const rows = regulations.map((entry) => {
    const row = el("tr", { dataset: { regulation: entry.regulation } }, el("th", { scope: "row", text: `《${entry.regulation}》` }));
    for (const kind of KINDS) {
      for (const difficulty of DIFFICULTIES) {
        const count = Number(entry.counts?.[kind]?.[difficulty] ?? 0);
        totals[kind][difficulty] += count;
        row.append(el("td", { className: count === 0 ? "num zero" : "num", dataset: { kind, difficulty }, text: count }));
      }
    }
    grand += Number(entry.total ?? 0);
    row.append(el("td", { className: "num total", dataset: { total: "" }, text: entry.total ?? 0 }));
    return row;
  });
  tbody.replaceChildren(...rows);
  const footer = el("tr", {}, el("th", { scope: "row", text: "合计" }));
  for (const kind of KINDS) {
    for (const difficulty of DIFFICULTIES) {
      footer.append(el("td", { className: "num", dataset: { kind, difficulty }, text: totals[kind][difficulty] }));
    }
  }
  footer.append(el("td", { className: "num total", text: grand }));
  tfoot.replaceChildren(...(regulations.length ? [footer] : []));
}

function fillRegulationFilter(select, regulations) {
  const current = select.value;
  const options = regulations.map((r) => el("option", { value: r.regulation, text: `《${r.regulation}》(${r.total} 道)` }));
  select.replaceChildren(el("option", { value: "", text: "全部法规" }), ...options);
  // Keep the organizer's choice across a reload, if the regulation still exists.
  select.value = regulations.some((r) => r.regulation === current) ? current : "";
}

// The question list: filters, paging, and a guard so that only the latest request draws.
function setupBrowser($) {
  const form = $("question-filters");
  const tbody = $("questions-table").querySelector("tbody");
  let page = 1;
  let pages = 1;
  let controller = null;

  async function load() {
    controller?.abort();
    controller = new AbortController();
    const params = new URLSearchParams();
    for (const name of ["regulation", "kind", "difficulty", "q"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    params.set("page", String(page));
    setStatus($("questions-status"), "正在查询…", "busy");
    $("questions-table").dataset.state = "loading";
    try {
      const data = await api(`/api/admin/questions?${params}`, { signal: controller.signal });
      const items = Array.isArray(data?.items) ? data.items : [];
      const total = Number(data?.total ?? items.length);
      const pageSize = Number(data?.page_size ?? 50) || 50;
      pages = Math.max(1, Math.ceil(total / pageSize));
      tbody.replaceChildren(...items.map(questionRow));
      setText($("questions-total"), `共 ${total} 道题`);
      setText($("questions-page"), `第 ${page} / ${pages} 页`);
      $("questions-prev").disabled = page <= 1;
      $("questions-next").disabled = page >= pages;
      setStatus($("questions-status"), total === 0 ? "没有符合条件的题目。" : "");
      $("questions-table").dataset.state = "done";
    } catch (error) {
      if (isAbort(error)) return;
      setStatus($("questions-status"), `无法读取题目:${error.message}`, "error");
      $("questions-table").dataset.state = "error";
    }
  }

  const searchAgain = () => {
    page = 1;
    load();
  };
  const typed = debounce(searchAgain, 400);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    typed.cancel();
    searchAgain();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name !== "q") searchAgain();
  });
  form.elements.q.addEventListener("input", typed);
  $("questions-prev").addEventListener("click", () => {
    if (page > 1) {
      page -= 1;
      load();
    }
  });
  $("questions-next").addEventListener("click", () => {
    if (page < pages) {
      page += 1;
      load();
    }
  });
  return { load };
}

function questionRow(question) {
  // The stem opens into the options, the answer's explanation and the tags.
  const details = el("details", {}, el("summary", { text: question.stem ?? "" }));
  const options = el("ol", { className: "options" });
  for (const option of question.options ?? []) {
    const correct = (question.answer ?? []).includes(option.key);
    options.append(el("li", { className: correct ? "correct" : "" }, el("b", { text: `${option.key}. ` }), option.text ?? ""));
  }
  if ((question.options ?? []).length) details.append(options);
  if (question.explanation) details.append(el("p", { className: "explanation" }, el("b", { text: "解析:" }), question.explanation));
  if ((question.tags ?? []).length) details.append(el("p", { className: "tags", text: `标签:${question.tags.join("、")}` }));
  const answer = question.kind === "judge" ? (question.answer ?? []).map((k) => (k === "T" ? "正确" : "错误")).join("") : (question.answer ?? []).join("");
  return el(
    "tr",
    { dataset: { questionId: question.id } },
    el("td", { text: question.external_id ?? "" }),
    el("td", { text: label(KIND_LABELS, question.kind) }),
    el("td", { className: "stem" }, details),
    el("td", { text: answer }),
    el("td", { text: question.regulation ? `《${question.regulation}》` : "" }),
    el("td", { text: question.article ?? "" }),
    el("td", { text: label(DIFFICULTY_LABELS, question.difficulty) }),
  );
}
