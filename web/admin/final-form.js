// 新建现场决赛 (#/finals/new): the title and scoring, the seats — typed one per line
// `姓名,企业`, or the top N individuals or companies of a competition's board — and the rounds
// (final-rounds.js). A 422 puts each message next to the field it names, with the longest
// known prefix of its name (`rounds[1].questions.draw.count` lands under the round's draw;
// `seats[3].name` under the seats, naming the line). Once created, the final's codes are shown.

import { el } from "/static/shared/dom.js";
import { api } from "./api.js";
import { loadCoverage } from "./bank.js";
import { noticeForNextView, setStatus } from "./dom.js";
import { createRoundsEditor } from "./final-rounds.js";

const MIN_SEATS = 2;
const MAX_SEATS = 20;

function errorSlot(field) {
  return el("span", { className: "field-error", dataset: { errorFor: field } });
}

function field(text, input, name, hint) {
  return el("label", {}, text, input, hint ? el("span", { className: "hint", text: hint }) : null, errorSlot(name));
}

/** `张三,某某公司` per line (a full-width comma or a tab also separates) → seats, with each seat's line number. */
export function parseSeats(text) {
  const seats = [];
  const problems = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const cut = line.search(/[,，\t]/);
    const name = (cut < 0 ? line : line.slice(0, cut)).trim();
    const company = cut < 0 ? "" : line.slice(cut + 1).trim();
    const where = `第 ${index + 1} 行`;
    if ([...name].length < 1 || [...name].length > 30) problems.push(`${where}:姓名应为 1 到 30 个字`);
    if ([...company].length > 60) problems.push(`${where}:企业名称不超过 60 个字`);
    seats.push({ seat: company ? { name, company } : { name }, line: index + 1 });
  });
  if (seats.length < MIN_SEATS || seats.length > MAX_SEATS) problems.push(`席位应为 ${MIN_SEATS} 到 ${MAX_SEATS} 个,现在是 ${seats.length} 个`);
  return { seats, problems };
}

export function renderNew(view, ctx) {
  const $ = {};
  const input = (name, props) => ($[name] = el("input", { name, ...props }));
  const seatsText = el("textarea", { name: "seats", id: "final-seats", rows: 8, placeholder: "张三,某某环保科技有限公司\n李四,某某化工有限公司" });
  const seatsCount = el("p", { className: "hint", id: "final-seats-count" });
  const competition = el("select", { name: "seed.competition_id", id: "final-seed-competition" }, el("option", { value: "", text: "正在读取竞赛…" }));
  const seedBy = el("select", { name: "seed.by", id: "final-seed-by" }, el("option", { value: "individuals", text: "个人排名前 N 名" }), el("option", { value: "companies", text: "企业排名前 N 名" }));
  const seedTop = el("input", { name: "seed.top", id: "final-seed-top", type: "number", min: MIN_SEATS, max: MAX_SEATS, step: 1, value: 6 });
  const mode = (value, text) => el("label", { className: "inline" }, el("input", { type: "radio", name: "seat-mode", value, checked: value === "manual" }), text);
  const manualPart = el("div", { className: "seats-manual" }, field("每行一个席位:姓名,企业(企业可不填;企业代表队可只填企业名)", seatsText, "seats"), seatsCount);
  const seedPart = el(
    "div",
    { className: "seats-seed grid", hidden: true },
    field("竞赛", competition, "seed.competition_id"),
    field("按", seedBy, "seed.by"),
    field("取前几名(2 到 20)", seedTop, "seed.top"),
    el("p", { className: "hint wide", text: "按该竞赛排行榜的名次选取;名次相同时按排行榜中的顺序。企业排名时席位名为企业名称。" })
  );
  const roundsBox = el("div", { id: "final-rounds" });
  const addRound = el("button", { type: "button", id: "final-add-round", text: "添加一轮" });
  const formError = el("p", { id: "final-form-error", className: "form-error", attrs: { role: "alert" }, hidden: true });
  const problemsList = el("ul", { id: "final-form-problems", className: "problems" });
  const create = el("button", { type: "submit", id: "final-create", className: "primary", text: "创建决赛" });

  const form = el(
    "form",
    { id: "final-form", className: "final-form", noValidate: true },
    el(
      "section",
      { className: "panel" },
      el("h2", { text: "基本信息" }),
      el(
        "div",
        { className: "grid" },
        el("label", { className: "wide" }, "决赛名称", input("title", { id: "final-title-input", maxLength: 60, placeholder: "例如:2026 年六五环境日企业环保知识竞赛决赛" }), errorSlot("title")),
        field("选手起始分", input("base_score", { id: "final-base-score", type: "number", step: 1, value: 100 }), "base_score"),
        field("抢答提前按扣分", input("early_buzz_penalty", { id: "final-early-penalty", type: "number", min: 0, max: 1000, step: 1, value: 0 }), "early_buzz_penalty", "主持人宣布开始前按抢答的扣分,0 为不扣")
      )
    ),
    el("section", { className: "panel" }, el("h2", { text: "选手席位" }), el("div", { className: "sources" }, mode("manual", "逐个填写"), mode("seed", "从竞赛成绩选取")), manualPart, seedPart, errorSlot("seed")),
    el("section", { className: "panel" }, el("h2", { text: "轮次与题目" }), el("p", { className: "hint", text: "必答题每位选手都要作答;抢答题由最先按下抢答的选手作答;风险题选手先选分值再看题。观众每题都可作答,单独排名。" }), roundsBox, addRound, errorSlot("rounds")),
    el("section", { className: "panel submit-bar" }, formError, problemsList, create)
  );
  view.append(el("section", { id: "view-new-final", className: "view" }, el("div", { className: "view-head" }, el("h1", { text: "新建现场决赛" }), el("a", { href: "#/finals", className: "button", text: "返回决赛列表" })), form));

  const seeding = () => form.querySelector('input[name="seat-mode"]:checked').value === "seed";
  form.addEventListener("change", (event) => {
    if (event.target.name !== "seat-mode") return;
    manualPart.hidden = seeding();
    seedPart.hidden = !seeding();
  });
  const countSeats = () => {
    const { seats } = parseSeats(seatsText.value);
    seatsCount.textContent = `已填写 ${seats.length} 个席位(${MIN_SEATS} 到 ${MAX_SEATS} 个)`;
  };
  seatsText.addEventListener("input", countSeats);
  countSeats();

  api("/api/admin/competitions")
    .then((list) => {
      const items = (Array.isArray(list) ? list : []).sort((a, b) => b.id - a.id);
      competition.replaceChildren(el("option", { value: "", text: items.length ? "请选择竞赛" : "还没有竞赛" }), ...items.map((c) => el("option", { value: c.id, text: c.title })));
    })
    .catch(() => competition.replaceChildren(el("option", { value: "", text: "无法读取竞赛列表" })));

  let rounds = null;
  loadCoverage()
    .catch(() => [])
    .then((regulations) => {
      if (!ctx.alive) return;
      rounds = createRoundsEditor(roundsBox, { regulations });
      rounds.add("required");
      addRound.addEventListener("click", () => rounds.add("required"));
    });

  form.addEventListener("keydown", (event) => {
    // Enter in a field would submit the form; a final is created only with the button.
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.preventDefault();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (rounds) submit().catch(() => {});
  });

  function read() {
    const problems = [];
    const integer = (name, min, max, what) => {
      const text = String($[name].value).trim();
      if (text === "") return undefined;
      const value = Number(text);
      if (!/^-?\d+$/.test(text) || value < min || value > max) problems.push({ field: name, message: `${what}应为 ${min} 到 ${max} 之间的整数` });
      return value;
    };
    const title = $.title.value.trim();
    if ([...title].length < 1 || [...title].length > 60) problems.push({ field: "title", message: "请填写 1 到 60 个字的决赛名称" });
    const body = { title, base_score: integer("base_score", -100000, 100000, "起始分"), early_buzz_penalty: integer("early_buzz_penalty", 0, 1000, "扣分") };
    let lines = [];
    if (seeding()) {
      if (!competition.value) problems.push({ field: "seed.competition_id", message: "请选择竞赛" });
      const top = Number(seedTop.value);
      if (!Number.isInteger(top) || top < MIN_SEATS || top > MAX_SEATS) problems.push({ field: "seed.top", message: `应为 ${MIN_SEATS} 到 ${MAX_SEATS} 之间的整数` });
      body.seed = { competition_id: Number(competition.value), by: seedBy.value, top };
    } else {
      const parsed = parseSeats(seatsText.value);
      parsed.problems.forEach((message) => problems.push({ field: "seats", message }));
      lines = parsed.seats.map((s) => s.line);
      body.seats = parsed.seats.map((s) => s.seat);
    }
    const roundsRead = rounds.read();
    body.rounds = roundsRead.rounds;
    return { body, problems: problems.concat(roundsRead.problems), lines };
  }

  function clearErrors() {
    for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
    for (const invalid of form.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
    setStatus(formError, "");
    problemsList.replaceChildren();
  }

  // The slot of `field`, or of its longest prefix that has one; null when none has.
  function slotFor(name) {
    let key = name;
    while (key) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
      if (slot) return slot;
      const cut = Math.max(key.lastIndexOf("."), key.lastIndexOf("["));
      key = cut > 0 ? key.slice(0, cut) : "";
    }
    return null;
  }

  function showProblems(problems, lines) {
    const elsewhere = [];
    for (const { field: name, message } of problems) {
      // The server names a seat by its index; the organizer knows it by its line.
      const seat = /^seats\[(\d+)\]/.exec(name);
      const text = seat && lines[Number(seat[1])] ? `第 ${lines[Number(seat[1])]} 行:${message}` : message;
      const slot = slotFor(name);
      if (!slot) {
        elsewhere.push(text);
        continue;
      }
      slot.textContent = slot.textContent ? `${slot.textContent};${text}` : text;
      slot.closest("label")?.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    }
    problemsList.replaceChildren(...elsewhere.map((message) => el("li", { text: message })));
    const first = form.querySelector('[aria-invalid="true"]') ?? [...form.querySelectorAll(".field-error")].find((slot) => slot.textContent);
    first?.scrollIntoView({ block: "center" });
    if (first instanceof HTMLElement && first.matches("input, select, textarea")) first.focus();
  }

  async function submit() {
    clearErrors();
    const { body, problems, lines } = read();
    if (problems.length) {
      showProblems(problems, lines);
      setStatus(formError, "请按红字提示修改后再创建。", "error");
      return;
    }
    create.disabled = true;
    setStatus(formError, "正在创建…(随机抽题时需要几秒)", "busy");
    try {
      const created = await api("/api/admin/finals", { method: "POST", json: body });
      noticeForNextView(`决赛“${created.title}”已创建。请打印入场码发给选手;观众扫大屏二维码或输入决赛码 ${created.code} 参与。`);
      location.hash = `#/finals/${created.id}/codes`;
    } catch (error) {
      const fields = Object.entries(error.fields ?? {}).map(([name, message]) => ({ field: name, message }));
      showProblems(fields, lines);
      setStatus(formError, error.status === 422 ? "没有创建:请按红字提示修改。" : `没有创建:${error.message}`, "error");
    } finally {
      create.disabled = false;
    }
  }
}
