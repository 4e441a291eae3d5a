// Picking a final round's questions from the bank: filters by regulation, kind and stem text
// (GET /api/admin/questions, 50 a page, the item shape bank.js shows), a page of results with
// 加入 buttons, paging. A question already in one of the final's rounds cannot be added again
// (a final uses each question once).

import { el } from "/static/shared/dom.js";
import { api, isAbort } from "./api.js";
import { DIFFICULTY_LABELS, KIND_LABELS, debounce, label, setStatus, setText } from "./dom.js";

/**
 * options: {regulations: [{regulation, total}], takenBy(id) → "第 2 轮" or null, onAdd(item)}.
 * Returns {element, refresh()}: refresh redraws the 加入 buttons (after a round changed).
 */
export function createPicker({ regulations, takenBy, onAdd }) {
  const regulation = el("select", { name: "regulation" }, el("option", { value: "", text: "全部法规" }), regulations.map((r) => el("option", { value: r.regulation, text: `《${r.regulation}》(${r.total} 道)` })));
  const kind = el("select", { name: "kind" }, el("option", { value: "", text: "全部题型" }), Object.entries(KIND_LABELS).map(([value, text]) => el("option", { value, text })));
  const q = el("input", { type: "search", name: "q", placeholder: "题干中的文字" });
  const status = el("p", { className: "status" });
  const tbody = el("tbody");
  const prev = el("button", { type: "button", text: "上一页" });
  const next = el("button", { type: "button", text: "下一页" });
  const pageText = el("span");
  let page = 1;
  let pages = 1;
  let items = [];
  let controller = null;

  function row(item) {
    const taken = takenBy(item.id);
    const add = el("button", {
      type: "button",
      className: "small",
      dataset: { addQuestion: item.id },
      text: taken ? `已在${taken}` : "加入",
      disabled: !!taken,
      on: { click: () => onAdd(item) },
    });
    return el(
      "tr",
      { dataset: { questionId: item.id } },
      el("td", { text: item.external_id ?? item.id }),
      el("td", { text: label(KIND_LABELS, item.kind) }),
      el("td", { className: "stem", text: item.stem ?? "" }),
      el("td", { text: item.regulation ? `《${item.regulation}》` : "" }),
      el("td", { text: label(DIFFICULTY_LABELS, item.difficulty) }),
      el("td", {}, add)
    );
  }

  function draw() {
    tbody.replaceChildren(...items.map(row));
  }

  async function load() {
    controller?.abort();
    controller = new AbortController();
    const params = new URLSearchParams();
    if (regulation.value) params.set("regulation", regulation.value);
    if (kind.value) params.set("kind", kind.value);
    if (q.value.trim()) params.set("q", q.value.trim());
    params.set("page", String(page));
    setStatus(status, "正在查询…", "busy");
    try {
      const data = await api(`/api/admin/questions?${params}`, { signal: controller.signal });
      items = Array.isArray(data?.items) ? data.items : [];
      const total = Number(data?.total ?? items.length);
      pages = Math.max(1, Math.ceil(total / (Number(data?.page_size) || 50)));
      draw();
      setText(pageText, `第 ${page} / ${pages} 页,共 ${total} 道`);
      prev.disabled = page <= 1;
      next.disabled = page >= pages;
      setStatus(status, total === 0 ? "没有符合条件的题目。" : "");
    } catch (error) {
      if (!isAbort(error)) setStatus(status, `无法读取题目:${error.message}`, "error");
    }
  }

  const again = () => {
    page = 1;
    load();
  };
  const typed = debounce(again, 400);
  regulation.addEventListener("change", again);
  kind.addEventListener("change", again);
  q.addEventListener("input", typed);
  q.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      typed.cancel();
      again();
    }
  });
  prev.addEventListener("click", () => {
    page -= 1;
    load();
  });
  next.addEventListener("click", () => {
    page += 1;
    load();
  });

  const element = el(
    "div",
    { className: "picker" },
    el("div", { className: "filters" }, el("label", {}, "法规 ", regulation), el("label", {}, "题型 ", kind), el("label", {}, "题干关键字 ", q)),
    status,
    el(
      "div",
      { className: "table-scroll" },
      el("table", { className: "data picker-table" }, el("thead", {}, el("tr", {}, ["编号", "题型", "题干", "法规", "难度", ""].map((text) => el("th", { text })))), tbody)
    ),
    el("div", { className: "pager" }, prev, pageText, next)
  );
  load();
  return { element, refresh: draw };
}
