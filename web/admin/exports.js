// The export buttons of a competition: each `[data-export="participants.xlsx"]` fetches
// /api/admin/competitions/{id}/export/participants.xlsx with the organizer's token and saves
// it under the server's file name (Content-Disposition), else e.g. "个人成绩-3.xlsx".
// A button's `data-state` is downloading, done or error while/after it works.

import { download } from "./api.js";
import { setStatus } from "./dom.js";

const NAMES = {
  companies: "企业成绩",
  subdistricts: "街道参与情况",
  participants: "个人成绩",
  questions: "题目分析",
};

export function setupExports(section, competitionId) {
  const status = section.querySelector("#export-status");
  for (const button of section.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => {
      const file = button.dataset.export; // e.g. "companies.xlsx"
      const [what, format] = file.split(".");
      const fallback = `${NAMES[what] ?? what}-${competitionId}.${format}`;
      const caption = button.textContent;
      button.disabled = true;
      button.dataset.state = "downloading";
      button.textContent = "正在下载…";
      setStatus(status, `正在生成“${NAMES[what] ?? what}”…`, "busy");
      download(`/api/admin/competitions/${competitionId}/export/${file}`, fallback)
        .then((name) => {
          button.dataset.state = "done";
          setStatus(status, `已下载:${name}`, "ok");
        })
        .catch((error) => {
          button.dataset.state = "error";
          setStatus(status, `“${NAMES[what] ?? what}”没有下载成功:${error.message}`, "error");
        })
        .finally(() => {
          button.disabled = false;
          button.textContent = caption;
        });
    });
  }
}
