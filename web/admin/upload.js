// The CSV import panel, one component used twice (the question bank and the roster): choose a
// file → the server checks it without storing anything (dry run) → the report (counts, and
// every bad row) → "确认导入" sends the same file for real, and is only offered when the check
// found nothing.
//
// The panel's markup is the `tpl-upload` template of index.html, cloned under each panel's own
// title and hint. The panel's `data-state` tells where it stands (idle, too-large, checking,
// dry-run-ok, dry-run-errors, importing, imported, import-errors, failed), for the CSS and for
// tests.

import { el } from "/static/shared/dom.js";
import { saveBlob, uploadFile } from "./api.js";
import { fillRows, formatBytes, setStatus, setText } from "./dom.js";

// The server's limit (CSV_BODY_LIMIT in server/src/routes/mod.rs). Checked here first so a clerk
// who picks a 200 MB export does not wait for an upload the server will refuse anyway.
export const CSV_LIMIT_BYTES = 20 * 1024 * 1024;

const ERRORS_PER_PAGE = 1000;

// The ids of a panel's parts (found by their `data-role`), the same the two panels had when
// each was written out in full: `{panel}` is the panel's `data-upload` (bank, roster),
// `{report}` its `data-report-prefix` ("" for the bank's, "roster-" for the roster's).
const PART_IDS = {
  file: "{panel}-file",
  "file-name": "{panel}-file-name",
  status: "{panel}-upload-status",
  report: "{report}dry-run-report",
  counts: "{report}dry-run-counts",
  "errors-table": "{report}dry-run-errors",
  confirm: "{report}import-button",
  result: "{report}import-result",
};

// The numbers an import's report may carry, as the panel's `data-counts` names them.
const COUNT_LABELS = { imported: "新增", updated: "更新", unchanged: "未变化", duplicates: "重复跳过" };

/**
 * Fills an import panel of index.html (a `<section data-upload="…">` with its title and hint)
 * and runs it. What it imports comes from the panel: `data-endpoint` (e.g.
 * "/api/admin/questions/import"), `data-counts` (the report's numbers to show, in order),
 * `data-unit` ("道" for questions, "家" for companies). `onImported()` runs after a successful
 * import, e.g. to reload the tables.
 */
export function mountUpload(root, onImported) {
  const { endpoint, unit } = root.dataset;
  const counts = root.dataset.counts.split(" ").map((key) => [key, COUNT_LABELS[key]]);
  root.append(document.getElementById("tpl-upload").content.cloneNode(true));
  // The parts by role: `ui.fileName` is the `data-role="file-name"` element.
  const ui = {};
  for (const element of root.querySelectorAll("[data-role]")) {
    ui[element.dataset.role.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase())] = element;
  }
  for (const [role, pattern] of Object.entries(PART_IDS)) {
    const id = pattern.replace("{panel}", root.dataset.upload).replace("{report}", root.dataset.reportPrefix);
    root.querySelector(`[data-role="${role}"]`).id = id;
  }
  const errorsBody = ui.errorsTable.querySelector("tbody");

  let chosen = null; // the File the last clean dry run checked
  let lastErrors = [];
  let errorPage = 0;
  let stopRows = () => {};

  function setState(state) {
    root.dataset.state = state;
  }

  function setBusy(busy) {
    ui.file.disabled = busy;
    root.setAttribute("aria-busy", String(busy));
    if (busy) ui.confirm.disabled = true;
  }

  function clearReport() {
    stopRows();
    ui.report.hidden = true;
    ui.errors.hidden = true;
    errorsBody.replaceChildren();
    ui.errorsTable.dataset.state = "empty";
    ui.errorsTable.dataset.total = "0";
    ui.counts.replaceChildren();
    ui.errorsPager.hidden = true;
    lastErrors = [];
    ui.result.hidden = true;
    setText(ui.result, "");
  }

  function countsText(data) {
    return counts
      .filter(([key]) => typeof data[key] === "number")
      .map(([key, text]) => `${text} ${data[key]} ${unit}`)
      .join(",");
  }

  function showReport(data) {
    clearReport();
    ui.report.hidden = false;
    const errors = Array.isArray(data.errors) ? data.errors : [];
    lastErrors = errors;
    // With errors nothing is imported, so the counts (all zero) would only confuse.
    if (errors.length === 0) {
      for (const [key, text] of counts) {
        if (typeof data[key] !== "number") continue;
        ui.counts.append(el("div", { dataset: { count: key } }, el("dt", { text }), el("dd", { text: `${data[key]} ${unit}` })));
      }
      return;
    }
    ui.errors.hidden = false;
    setText(ui.errorsSummary, `共 ${errors.length} 处问题(行号即文件中的行号,第 1 行是表头):`);
    ui.errorsTable.dataset.total = String(errors.length);
    showErrorPage(0);
  }

  // A broken 20 MB file can have a hundred thousand errors; a table that long would stall
  // the browser, so they are shown a page at a time (and all of them are in the download).
  function showErrorPage(page) {
    const pages = Math.max(1, Math.ceil(lastErrors.length / ERRORS_PER_PAGE));
    errorPage = Math.min(Math.max(0, page), pages - 1);
    const first = errorPage * ERRORS_PER_PAGE;
    const shown = lastErrors.slice(first, first + ERRORS_PER_PAGE);
    ui.errorsPager.hidden = pages === 1;
    setText(ui.errorsPage, `第 ${first + 1}–${first + shown.length} 处,共 ${lastErrors.length} 处(第 ${errorPage + 1} / ${pages} 页)`);
    ui.errorsPrev.disabled = errorPage === 0;
    ui.errorsNext.disabled = errorPage >= pages - 1;
    ui.errorsTable.dataset.state = "filling";
    stopRows();
    stopRows = fillRows(
      errorsBody,
      shown,
      (error) =>
        el(
          "tr",
          {},
          el("td", { className: "num", text: error.line ?? "" }),
          el("td", { text: error.column ?? "整行" }),
          el("td", { text: error.message ?? "" }),
        ),
      () => {
        ui.errorsTable.dataset.state = "done";
      },
    );
  }

  function progressText(verb) {
    return (share) => {
      const text = share < 1 ? `正在上传文件 ${Math.round(share * 100)}%…` : `上传完成,正在${verb}…`;
      setStatus(ui.status, text, "busy");
    };
  }

  async function dryRun(file) {
    setBusy(true);
    setState("checking");
    setStatus(ui.status, "正在上传文件…", "busy");
    try {
      const { status: code, data } = await uploadFile(`${endpoint}?dry_run=true`, file, {
        accepted: [200, 422],
        onProgress: progressText("检查文件内容"),
      });
      showReport(data);
      const errors = Array.isArray(data.errors) ? data.errors.length : 0;
      if (code === 200 && errors === 0) {
        chosen = file;
        setState("dry-run-ok");
        setStatus(ui.status, `检查通过,没有发现问题:导入后将${countsText(data)}。确认无误请点击“确认导入”。`, "ok");
      } else {
        setState("dry-run-errors");
        setStatus(ui.status, `检查发现 ${errors} 处问题,请在文件中改正后重新选择文件。这次没有导入任何内容。`, "error");
      }
    } catch (error) {
      setState("failed");
      setStatus(ui.status, error.message, "error");
    } finally {
      setBusy(false);
      ui.confirm.disabled = chosen === null;
    }
  }

  async function importChosen() {
    const file = chosen;
    if (!file) return;
    chosen = null;
    setBusy(true);
    setState("importing");
    setStatus(ui.status, "正在导入…", "busy");
    try {
      const { status: code, data } = await uploadFile(endpoint, file, {
        accepted: [200, 422],
        onProgress: progressText("导入"),
      });
      showReport(data);
      if (code === 200) {
        setState("imported");
        setStatus(ui.status, "", "ok");
        setStatus(ui.result, `导入完成:${countsText(data)}。`, "ok");
        onImported();
      } else {
        // The file changed since the check, or the bank did: nothing was stored.
        setState("import-errors");
        setStatus(ui.status, `导入时发现 ${data.errors?.length ?? 0} 处问题,没有导入任何内容。请改正后重新选择文件。`, "error");
      }
    } catch (error) {
      setState("failed");
      setStatus(ui.status, `导入没有完成:${error.message}`, "error");
    } finally {
      setBusy(false);
      ui.confirm.disabled = true;
    }
  }

  ui.file.addEventListener("change", () => {
    const file = ui.file.files?.[0];
    // Cleared so that choosing the same file again (after fixing it in Excel) is noticed.
    ui.file.value = "";
    if (!file) return;
    chosen = null;
    ui.confirm.disabled = true;
    clearReport();
    setText(ui.fileName, `${file.name}(${formatBytes(file.size)})`);
    if (file.size > CSV_LIMIT_BYTES) {
      setState("too-large");
      setStatus(ui.status, `文件大小为 ${formatBytes(file.size)},超过了 20 MB 的上限。请把文件拆分成几个较小的文件,分别导入。`, "error");
      return;
    }
    if (file.size === 0) {
      setState("failed");
      setStatus(ui.status, "这个文件是空的,请重新选择。", "error");
      return;
    }
    dryRun(file);
  });

  ui.confirm.addEventListener("click", () => {
    importChosen();
  });

  ui.errorsPrev.addEventListener("click", () => showErrorPage(errorPage - 1));
  ui.errorsNext.addEventListener("click", () => showErrorPage(errorPage + 1));

  ui.errorsDownload.addEventListener("click", () => {
    // Excel would run a cell starting with = + - @ as a formula; a leading ' keeps it text.
    const cell = (value) => {
      let text = String(value ?? "");
      if (/^[=+\-@]/.test(text)) text = `'${text}`;
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    };
    const lines = ["行,列,问题", ...lastErrors.map((e) => [e.line, e.column ?? "整行", e.message].map(cell).join(","))];
    // UTF-8 with BOM so Excel on Chinese Windows opens it correctly.
    saveBlob(new Blob(["\uFEFF", lines.join("\r\n")], { type: "text/csv;charset=utf-8" }), "导入问题清单.csv");
  });
}
