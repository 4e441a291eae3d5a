// The rounds of a new final: one block per round (kind, title, seconds, points, penalty, the
// buzz winner's answer_seconds, the 风险题's stakes) and its questions, either picked from the
// bank (final-picker.js) in a chosen order or drawn at random by filter. Every input has an
// error slot named as the server names the field (`rounds[1].questions.draw`), renumbered
// whenever a round moves, so a 422 lands next to what it is about.

import { el } from "/static/shared/dom.js";
import { ROUND_KINDS } from "/static/shared/final.js";
import { DIFFICULTY_LABELS, KIND_LABELS, label } from "./dom.js";
import { createPicker } from "./final-picker.js";

// A new round of each kind starts from these; changing the kind moves the values still at
// the old kind's defaults to the new one's.
const DEFAULTS = {
  required: { seconds: 20, points: 10, penalty: 0, answer_seconds: 10, stakes: "" },
  buzz: { seconds: 10, points: 20, penalty: 10, answer_seconds: 10, stakes: "" },
  risk: { seconds: 30, points: 10, penalty: 0, answer_seconds: 10, stakes: "10,20,30" },
};
const RANGES = { seconds: [5, 600, "作答时间"], points: [0, 1000, "分值"], penalty: [0, 1000, "扣分"], answer_seconds: [3, 120, "抢到后作答时间"] };
const MAX_QUESTIONS = 50;

let uid = 0;

function errorSlot(suffix) {
  return el("span", { className: "field-error", dataset: { suffix } });
}

function numberField(name, text, hint) {
  const input = el("input", { type: "number", name, step: 1 });
  return { input, label: el("label", { dataset: { field: name } }, text, input, hint ? el("span", { className: "hint", text: hint }) : null, errorSlot(`.${name}`)) };
}

function select(name, entries, empty) {
  return el("select", { name }, empty ? el("option", { value: "", text: empty }) : null, entries.map(([value, text]) => el("option", { value, text })));
}

/**
 * container: where the round blocks go. regulations: the bank's coverage list (for the
 * filters). Returns {add(kind), read() → {rounds, problems: [{field, message}]}, count()}.
 */
export function createRoundsEditor(container, { regulations }) {
  const rounds = [];

  function takenBy(id) {
    const index = rounds.findIndex((round) => round.chosen.some((item) => item.id === id));
    return index < 0 ? null : `第 ${index + 1} 轮`;
  }

  function refreshAll() {
    rounds.forEach((round, index) => {
      round.legend.textContent = `第 ${index + 1} 轮`;
      for (const slot of round.element.querySelectorAll("[data-suffix]")) slot.dataset.errorFor = `rounds[${index}]${slot.dataset.suffix}`;
      round.up.disabled = index === 0;
      round.down.disabled = index === rounds.length - 1;
      round.remove.disabled = rounds.length === 1;
      round.picker?.refresh();
    });
  }

  function move(round, step) {
    const index = rounds.indexOf(round);
    const target = index + step;
    if (target < 0 || target >= rounds.length) return;
    rounds.splice(index, 1);
    rounds.splice(target, 0, round);
    container.replaceChildren(...rounds.map((r) => r.element));
    refreshAll();
  }

  function add(kind = "required") {
    const round = buildRound(kind, { takenBy, refreshAll, regulations });
    round.up.addEventListener("click", () => move(round, -1));
    round.down.addEventListener("click", () => move(round, 1));
    round.remove.addEventListener("click", () => {
      rounds.splice(rounds.indexOf(round), 1);
      round.element.remove();
      refreshAll();
    });
    rounds.push(round);
    container.append(round.element);
    refreshAll();
    return round;
  }

  function read() {
    const problems = [];
    const body = rounds.map((round, index) => round.read(`rounds[${index}]`, problems));
    if (body.length === 0) problems.push({ field: "rounds", message: "请至少添加一轮" });
    return { rounds: body, problems };
  }

  return { add, read, count: () => rounds.length };
}

function buildRound(kind, { takenBy, refreshAll, regulations }) {
  const id = ++uid;
  const kindSelect = select("kind", Object.entries(ROUND_KINDS));
  kindSelect.value = kind;
  const title = el("input", { name: "title", maxLength: 60, placeholder: label(ROUND_KINDS, kind) });
  const seconds = numberField("seconds", "作答时间(秒)", "抢答题为抢答按钮开放的时间");
  const points = numberField("points", "答对得分", "观众答对也得此分,另有速度加分");
  const penalty = numberField("penalty", "答错或未答扣分");
  const answerSeconds = numberField("answer_seconds", "抢到后作答时间(秒)");
  const stakes = el("input", { name: "stakes", placeholder: "例如 10,20,30" });
  const stakesLabel = el("label", { dataset: { field: "stakes" } }, "可选分值(用逗号分隔,1 到 6 个)", stakes, el("span", { className: "hint", text: "答对加所选分值,答错或未答扣除;不选按最小分值" }), errorSlot(".stakes"));
  const values = DEFAULTS[kind];
  seconds.input.value = values.seconds;
  points.input.value = values.points;
  penalty.input.value = values.penalty;
  answerSeconds.input.value = values.answer_seconds;
  stakes.value = values.stakes;

  // Questions: picked (an ordered list) or drawn.
  const chosen = [];
  const chosenList = el("ol", { className: "chosen-questions" });
  const source = (value, text) => el("label", { className: "inline" }, el("input", { type: "radio", name: `source-${id}`, value, checked: value === "ids" }), text);
  const pickButton = el("button", { type: "button", text: "从题库选题…" });
  const pickerSlot = el("div");
  const drawCount = el("input", { type: "number", name: "draw-count", min: 1, max: MAX_QUESTIONS, step: 1, value: 5 });
  const drawKind = select("draw-kind", Object.entries(KIND_LABELS), "任意题型");
  const drawRegulation = select("draw-regulation", regulations.map((r) => [r.regulation, `《${r.regulation}》(${r.total} 道)`]), "任意法规");
  const drawDifficulty = select("draw-difficulty", Object.entries(DIFFICULTY_LABELS), "任意难度");
  const pickPart = el("div", { className: "source-pick" }, chosenList, el("p", { className: "empty chosen-empty", text: "还没有选题" }), pickButton, pickerSlot, errorSlot(".questions.ids"));
  const drawPart = el(
    "div",
    { className: "source-draw", hidden: true },
    el("div", { className: "filters" }, el("label", {}, "题数", drawCount), el("label", {}, "题型", drawKind), el("label", {}, "法规", drawRegulation), el("label", {}, "难度", drawDifficulty)),
    el("p", { className: "hint", text: "创建时从题库现有、本场未用过的题目中随机抽取。" }),
    errorSlot(".questions.draw")
  );

  const round = {
    chosen,
    picker: null,
    legend: el("legend"),
    up: el("button", { type: "button", className: "small", text: "上移" }),
    down: el("button", { type: "button", className: "small", text: "下移" }),
    remove: el("button", { type: "button", className: "small danger", text: "删除本轮" }),
  };

  function drawChosen() {
    chosenList.replaceChildren(
      ...chosen.map((item, index) =>
        el(
          "li",
          { dataset: { questionId: item.id } },
          el("span", { className: "badge", text: label(KIND_LABELS, item.kind) }),
          " ",
          el("span", { className: "stem", text: item.stem ?? "" }),
          el(
            "span",
            { className: "chosen-actions" },
            el("button", { type: "button", className: "small", text: "↑", disabled: index === 0, attrs: { "aria-label": "上移" }, on: { click: () => swap(index, index - 1) } }),
            el("button", { type: "button", className: "small", text: "↓", disabled: index === chosen.length - 1, attrs: { "aria-label": "下移" }, on: { click: () => swap(index, index + 1) } }),
            el("button", { type: "button", className: "small link-button", text: "移除", on: { click: () => changeChosen(() => chosen.splice(index, 1)) } })
          )
        )
      )
    );
    pickPart.querySelector(".chosen-empty").hidden = chosen.length > 0;
  }

  function changeChosen(change) {
    change();
    drawChosen();
    refreshAll();
  }

  function swap(a, b) {
    changeChosen(() => {
      [chosen[a], chosen[b]] = [chosen[b], chosen[a]];
    });
  }

  pickButton.addEventListener("click", () => {
    if (!round.picker) {
      round.picker = createPicker({
        regulations,
        takenBy,
        onAdd: (item) => {
          if (!takenBy(item.id)) changeChosen(() => chosen.push(item));
        },
      });
      pickerSlot.append(round.picker.element);
      pickButton.textContent = "收起题库";
      return;
    }
    pickerSlot.hidden = !pickerSlot.hidden;
    pickButton.textContent = pickerSlot.hidden ? "从题库选题…" : "收起题库";
  });

  function showKind() {
    const k = kindSelect.value;
    round.element.dataset.kind = k;
    title.placeholder = label(ROUND_KINDS, k);
    penalty.label.hidden = k === "risk";
    answerSeconds.label.hidden = k !== "buzz";
    stakesLabel.hidden = k !== "risk";
  }

  let previousKind = kind;
  kindSelect.addEventListener("change", () => {
    const before = DEFAULTS[previousKind];
    const after = DEFAULTS[kindSelect.value];
    for (const [name, input] of [["seconds", seconds.input], ["points", points.input], ["penalty", penalty.input], ["answer_seconds", answerSeconds.input], ["stakes", stakes]]) {
      if (String(input.value) === String(before[name])) input.value = after[name];
    }
    previousKind = kindSelect.value;
    showKind();
  });

  const sourcePick = source("ids", "从题库选题");
  const sourceDraw = source("draw", "随机抽题");
  const sourceChanged = () => {
    const draw = sourceDraw.querySelector("input").checked;
    pickPart.hidden = draw;
    drawPart.hidden = !draw;
  };
  sourcePick.addEventListener("change", sourceChanged);
  sourceDraw.addEventListener("change", sourceChanged);

  round.element = el(
    "fieldset",
    { className: "final-round" },
    round.legend,
    el("div", { className: "round-tools" }, round.up, round.down, round.remove),
    el(
      "div",
      { className: "grid" },
      el("label", {}, "题型", kindSelect, errorSlot(".kind")),
      el("label", {}, "本轮名称(可不填)", title, errorSlot(".title")),
      seconds.label,
      points.label,
      penalty.label,
      answerSeconds.label,
      stakesLabel
    ),
    el("h3", { text: "题目" }),
    el("div", { className: "sources" }, sourcePick, sourceDraw),
    errorSlot(".questions"),
    pickPart,
    drawPart,
    errorSlot("")
  );
  showKind();
  drawChosen();

  // The round as the server takes it; problems this page can already see go in `problems`.
  round.read = (prefix, problems) => {
    const k = kindSelect.value;
    const body = { kind: k };
    if (title.value.trim()) body.title = title.value.trim();
    const integer = (name, input) => {
      const text = String(input.value).trim();
      const value = Number(text);
      const [min, max, what] = RANGES[name];
      if (!/^-?\d+$/.test(text) || value < min || value > max) problems.push({ field: `${prefix}.${name}`, message: `${what}应为 ${min} 到 ${max} 之间的整数` });
      body[name] = value;
    };
    integer("seconds", seconds.input);
    integer("points", points.input);
    if (k !== "risk") integer("penalty", penalty.input);
    if (k === "buzz") integer("answer_seconds", answerSeconds.input);
    if (k === "risk") {
      const parts = stakes.value.split(/[,，、\s]+/).filter(Boolean);
      const values = parts.map(Number);
      const ok = parts.length >= 1 && parts.length <= 6 && parts.every((p) => /^\d+$/.test(p)) && values.every((v) => v > 0) && new Set(values).size === values.length;
      if (!ok) problems.push({ field: `${prefix}.stakes`, message: "请填写 1 到 6 个互不相同的正整数,用逗号分隔" });
      body.stakes = values;
    }
    if (sourceDraw.querySelector("input").checked) {
      const count = Number(drawCount.value);
      if (!Number.isInteger(count) || count < 1 || count > MAX_QUESTIONS) problems.push({ field: `${prefix}.questions.draw`, message: `抽题数应为 1 到 ${MAX_QUESTIONS} 之间的整数` });
      const draw = { count };
      if (drawKind.value) draw.kind = drawKind.value;
      if (drawRegulation.value) draw.regulation = drawRegulation.value;
      if (drawDifficulty.value) draw.difficulty = drawDifficulty.value;
      body.questions = { draw };
    } else {
      if (chosen.length < 1 || chosen.length > MAX_QUESTIONS) problems.push({ field: `${prefix}.questions.ids`, message: `请从题库选 1 到 ${MAX_QUESTIONS} 道题` });
      body.questions = { ids: chosen.map((item) => item.id) };
    }
    return body;
  };
  return round;
}
