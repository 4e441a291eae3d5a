// 企业名录: import the roster CSV (the same import panel as the bank, upload.js) and the list
// of companies on it, searchable. A district roster can hold thousands of companies, so the
// rows are added a chunk per frame.

import { el } from "/static/shared/dom.js";
import { api } from "./api.js";
import { debounce, fillRows, fromTemplate, setStatus } from "./dom.js";
import { mountUpload } from "./upload.js";

export function render(view) {
  const root = fromTemplate("tpl-roster");
  view.append(root);
  const $ = (id) => root.querySelector(`#${id}`);
  const table = $("roster-table");
  const tbody = table.querySelector("tbody");
  let companies = [];
  let stopRows = () => {};

  function draw() {
    const words = $("roster-search").value.trim().toLowerCase();
    const shown = words
      ? companies.filter((c) => [c.name, c.credit_code, c.subdistrict].some((v) => String(v ?? "").toLowerCase().includes(words)))
      : companies;
    stopRows();
    table.dataset.state = "filling";
    stopRows = fillRows(
      tbody,
      shown,
      (c) =>
        el(
          "tr",
          { dataset: { creditCode: c.credit_code ?? "" } },
          el("td", { text: c.name ?? "" }),
          el("td", { className: "code", text: c.credit_code ?? "" }),
          el("td", { text: c.subdistrict ?? "" }),
        ),
      () => {
        table.dataset.state = "done";
      },
    );
    if (companies.length === 0) {
      setStatus($("roster-status"), "还没有导入企业名录。未导入名录时,任何企业都可以报名。");
    } else if (words) {
      setStatus($("roster-status"), `名录共 ${companies.length} 家企业,符合“${$("roster-search").value.trim()}”的有 ${shown.length} 家。`);
    } else {
      setStatus($("roster-status"), `名录共 ${companies.length} 家企业。`);
    }
  }

  async function load() {
    setStatus($("roster-status"), "正在读取名录…", "busy");
    table.dataset.state = "loading";
    try {
      const data = await api("/api/admin/companies");
      companies = Array.isArray(data?.items) ? data.items : [];
      draw();
    } catch (error) {
      table.dataset.state = "error";
      setStatus($("roster-status"), `无法读取企业名录:${error.message}`, "error");
    }
  }

  mountUpload($("roster-upload"), load);
  $("roster-search").addEventListener("input", debounce(draw, 250));
  load();
}
