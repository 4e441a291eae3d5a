// Login and registration. With a roster loaded (GET /api/companies → roster_loaded), the
// company is picked from it, so names and credit codes match the bureau's list exactly;
// without one, the person types them and the credit code is checked as it is typed.

import { el } from "/static/shared/dom.js";
import { api, setToken } from "./api.js";
import { describeCreditCode, normalizeCreditCode } from "./creditcode.js";
import { foldWidth } from "./format.js";
import { clearErrors, field, passwordToggle, setFieldError, setFormError, showFieldErrors } from "./forms.js";

const PHONE_MESSAGE = "请填写 11 位中国大陆手机号,例如 13912345678";

function normalizePhone(text) {
  return foldWidth(text).replace(/[\s-]/g, "");
}

function phoneProblem(text) {
  return /^1[3-9]\d{9}$/.test(normalizePhone(text)) ? null : PHONE_MESSAGE;
}

function textProblem(value, label, max) {
  const text = value.trim();
  if (!text) return `请填写${label}`;
  if (text.length > max) return `${label}不能超过 ${max} 个字`;
  return null;
}

function networkMessage(error) {
  return error.offline ? "网络连接失败,请检查网络后重试" : error.message;
}

/** The login or the registration page: title, lead, the form, and the way to the other one. */
function showAuthPage(ctx, id, title, lead, form, question, otherPage) {
  ctx.root.appendChild(
    el(
      "section",
      { className: "page auth-page", id },
      el("div", { className: "page-header" }, el("h1", { text: title }), el("p", { className: "lead", text: lead })),
      form,
      el("p", { className: "switch-link" }, question, otherPage)
    )
  );
}

function busy(button, text) {
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.textContent = idle;
  };
}

/**
 * Sends a login or a registration (`done()` gives the button back) and signs in with the token
 * of the reply. A 422 shows under the fields; `placeRefusal(error)` may show another refusal
 * itself (and return true); anything else goes to the form's error line.
 */
function signIn(ctx, form, done, path, body, placeRefusal) {
  api.post(path, body, { anonymous: true }).then(
    (reply) => {
      clearQueueNotice(form);
      setToken(reply.token);
      ctx.afterLogin();
    },
    (error) => {
      if (error.queued) {
        // Too many at once: wait the server's time, showing 排队中, and send the same again.
        waitInQueue(form, error, () => signIn(ctx, form, done, path, body, placeRefusal));
        return;
      }
      clearQueueNotice(form);
      done();
      if (error.status === 422) showFieldErrors(form, error.fields, error.message);
      else if (!(placeRefusal && placeRefusal(error))) setFormError(form, networkMessage(error));
    }
  );
}

/**
 * Shows 排队中 with how many are ahead and a countdown to the automatic retry (the server's
 * `retry_after`, 2–30 s), then calls `retry`. The form stays filled and its button busy.
 */
function waitInQueue(form, error, retry) {
  let notice = form.querySelector(".queue-notice");
  if (!notice) {
    notice = el("p", { className: "queue-notice", attrs: { role: "status", "aria-live": "polite" } });
    form.insertBefore(notice, form.querySelector(".form-error"));
  }
  notice.hidden = false;
  let seconds = Math.max(1, Math.min(30, error.retryAfter || 5));
  const ahead = error.ahead === null ? "" : `前面还有 ${error.ahead} 人,`;
  const show = () => {
    notice.textContent = `排队中:${ahead}${seconds} 秒后自动重试,请不要关闭页面`;
  };
  show();
  const timer = setInterval(() => {
    seconds -= 1;
    if (seconds > 0) {
      show();
      return;
    }
    clearInterval(timer);
    notice.textContent = "排队中:正在重试…";
    retry();
  }, 1000);
}

function clearQueueNotice(form) {
  const notice = form.querySelector(".queue-notice");
  if (notice) notice.hidden = true;
}

export function renderLogin(ctx) {
  const phone = field({
    prefix: "login",
    name: "phone",
    label: "手机号",
    input: { type: "tel", autocomplete: "tel", attrs: { inputmode: "numeric", maxlength: "20" } },
  });
  const password = field({
    prefix: "login",
    name: "password",
    label: "密码",
    input: { type: "password", autocomplete: "current-password", attrs: { maxlength: "128" } },
    extra: passwordToggle(() => password.input),
  });
  const submit = el("button", { type: "submit", id: "login-submit", className: "button primary block", text: "登录" });
  const form = el(
    "form",
    { id: "login-form", className: "card form", noValidate: true },
    phone.element,
    password.element,
    el("p", { className: "form-error", id: "login-error", hidden: true, attrs: { role: "alert" } }),
    submit
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = {};
    const phoneIssue = phoneProblem(phone.input.value);
    if (phoneIssue) problems.phone = phoneIssue;
    if (!password.input.value) problems.password = "请填写密码";
    if (Object.keys(problems).length) {
      showFieldErrors(form, problems);
      return;
    }
    signIn(ctx, form, busy(submit, "登录中…"), "/api/auth/login", { phone: normalizePhone(phone.input.value), password: password.input.value });
  });
  showAuthPage(ctx, "login-page", "登录", "六五环境日 · 企业环保知识竞赛", form, "还没有账号?", el("a", { href: "#/register", id: "to-register", className: "link", text: "立即注册" }));
  phone.input.focus();
}

/** GET /api/companies; a server without rosters (404) or a failed request means "type it in". */
function loadRoster() {
  return api.get("/api/companies", { timeoutMs: 10000, anonymous: true }).then(
    (reply) => (reply && reply.roster_loaded && reply.companies && reply.companies.length ? reply.companies : null),
    () => null
  );
}

function searchKey(text) {
  return foldWidth(String(text || "")).replace(/\s+/g, "").toUpperCase();
}

const MAX_RESULTS = 20;

/** The roster picker: search by name or credit code, tap to pick. */
function companyPicker(companies) {
  let selected = null;
  const indexed = companies.map((company) => ({ company, name: searchKey(company.name), code: searchKey(company.credit_code) }));
  const search = el("input", {
    id: "company-search",
    className: "input",
    type: "search",
    autocomplete: "off",
    placeholder: "输入企业名称或统一社会信用代码",
    attrs: { "aria-controls": "company-results", "aria-describedby": "company-picker-hint" },
  });
  const results = el("ul", { id: "company-results", className: "company-results", attrs: { "aria-label": "匹配的企业" } });
  const selectedName = el("p", { className: "company-selected-name", id: "company-selected-name" });
  const selectedMeta = el("p", { className: "company-selected-meta", id: "company-selected-meta" });
  const change = el("button", { type: "button", id: "company-change", className: "button secondary small", text: "重新选择" });
  const selectedCard = el("div", { id: "company-selected", className: "company-selected", hidden: true }, selectedName, selectedMeta, change);
  const errors = ["credit_code", "company_name", "subdistrict"].map((name) =>
    el("p", { className: "field-error", dataset: { errorFor: name }, hidden: true, attrs: { role: "alert" } })
  );
  const element = el(
    "div",
    { className: "field company-picker", id: "company-picker", dataset: { field: "credit_code" } },
    el("label", { className: "field-label", htmlFor: "company-search", text: "在企业名录中搜索" }),
    search,
    results,
    selectedCard,
    errors,
    el("p", { className: "field-hint", id: "company-picker-hint", text: "请从区生态环境局企业名录中选择。找不到本企业?请联系组织者核实名录" })
  );

  function showResults() {
    while (results.firstChild) results.removeChild(results.firstChild);
    const query = searchKey(search.value);
    if (!query) return;
    const matches = indexed.filter((entry) => entry.name.indexOf(query) >= 0 || entry.code.indexOf(query) >= 0);
    matches.slice(0, MAX_RESULTS).forEach((entry) => {
      const c = entry.company;
      results.appendChild(
        el(
          "li",
          null,
          el(
            "button",
            { type: "button", className: "company-option", dataset: { creditCode: c.credit_code }, on: { click: () => pick(c) } },
            el("span", { className: "company-option-name", text: c.name }),
            el("span", { className: "company-option-meta", text: `${c.credit_code} · ${c.subdistrict}` })
          )
        )
      );
    });
    if (matches.length === 0) results.appendChild(el("li", { className: "company-results-note", text: "没有找到匹配的企业,请换个关键词" }));
    else if (matches.length > MAX_RESULTS) {
      results.appendChild(el("li", { className: "company-results-note", text: `还有 ${matches.length - MAX_RESULTS} 家企业,请输入更多文字缩小范围` }));
    }
  }

  function pick(company) {
    selected = company;
    selectedName.textContent = company.name;
    selectedMeta.textContent = `统一社会信用代码 ${company.credit_code} · ${company.subdistrict}`;
    selectedCard.hidden = false;
    search.hidden = true;
    results.hidden = true;
    errors.forEach((e) => {
      e.hidden = true;
    });
    element.classList.remove("invalid");
    change.focus();
  }

  change.addEventListener("click", () => {
    selected = null;
    selectedCard.hidden = true;
    search.hidden = false;
    results.hidden = false;
    search.focus();
    showResults();
  });
  search.addEventListener("input", showResults);

  return {
    element,
    values() {
      return selected
        ? { company_name: selected.name, credit_code: selected.credit_code, subdistrict: selected.subdistrict }
        : null;
    },
    problems() {
      return selected ? {} : { credit_code: "请搜索并选择所属企业" };
    },
  };
}

/** Typed company fields, with the credit code checked on every keystroke. */
function companyInputs() {
  const name = field({
    prefix: "register",
    name: "company_name",
    label: "企业名称",
    input: { type: "text", autocomplete: "organization", attrs: { maxlength: "100" } },
    hint: "与营业执照上的名称一致",
  });
  const code = field({
    prefix: "register",
    name: "credit_code",
    label: "统一社会信用代码",
    input: { type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: false, attrs: { maxlength: "24", autocapitalize: "characters" } },
    hint: "18 位,见营业执照",
  });
  code.hint.id = "credit-code-hint";
  code.input.setAttribute("aria-describedby", `credit-code-hint ${code.error.id}`);
  code.input.classList.add("code-input");
  code.input.addEventListener("input", () => {
    const described = describeCreditCode(code.input.value);
    code.hint.textContent = described.message;
    code.hint.dataset.state = described.state;
    // A fresh keystroke replaces an old complaint with the live hint.
    code.error.hidden = true;
    code.element.classList.toggle("invalid", described.state === "invalid");
    code.element.classList.toggle("valid", described.state === "valid");
  });
  const subdistrict = field({
    prefix: "register",
    name: "subdistrict",
    label: "所属街道",
    input: { type: "text", attrs: { maxlength: "50" } },
    hint: "企业所在的街道(镇),例如:城东街道",
  });
  return {
    elements: [name.element, code.element, subdistrict.element],
    values() {
      return {
        company_name: name.input.value.trim(),
        credit_code: normalizeCreditCode(code.input.value),
        subdistrict: subdistrict.input.value.trim(),
      };
    },
    problems() {
      const problems = {};
      const n = textProblem(name.input.value, "企业名称", 100);
      if (n) problems.company_name = n;
      const described = describeCreditCode(code.input.value);
      if (described.state === "empty") problems.credit_code = "请填写统一社会信用代码";
      else if (described.state === "partial") problems.credit_code = "统一社会信用代码应为 18 位,请对照营业执照填写";
      else if (described.state === "invalid") problems.credit_code = described.message;
      const s = textProblem(subdistrict.input.value, "所属街道", 50);
      if (s) problems.subdistrict = s;
      return problems;
    },
  };
}

export function renderRegister(ctx) {
  const name = field({ prefix: "register", name: "name", label: "姓名", input: { type: "text", autocomplete: "name", attrs: { maxlength: "30" } } });
  const phone = field({
    prefix: "register",
    name: "phone",
    label: "手机号",
    input: { type: "tel", autocomplete: "tel", attrs: { inputmode: "numeric", maxlength: "20" } },
    hint: "用于登录",
  });
  const password = field({
    prefix: "register",
    name: "password",
    label: "密码",
    input: { type: "password", autocomplete: "new-password", attrs: { maxlength: "128" } },
    hint: "至少 8 位",
    extra: passwordToggle(() => password.input),
  });
  const companySlot = el("div", { className: "company-slot", id: "company-slot" }, el("p", { className: "status-block", text: "正在读取企业名录…" }));
  const submit = el("button", { type: "submit", id: "register-submit", className: "button primary block", text: "注册并登录", disabled: true });
  const form = el(
    "form",
    { id: "register-form", className: "card form", noValidate: true },
    name.element,
    phone.element,
    password.element,
    el("h2", { className: "form-section", text: "所属企业" }),
    companySlot,
    el("p", { className: "form-error", id: "register-error", hidden: true, attrs: { role: "alert" } }),
    submit
  );
  let company = null;

  showAuthPage(ctx, "register-page", "注册", "请如实填写,成绩按企业和街道统计", form, "已有账号?", el("a", { href: "#/login", id: "to-login", className: "link", text: "直接登录" }));

  loadRoster().then((companies) => {
    if (!ctx.active()) return;
    while (companySlot.firstChild) companySlot.removeChild(companySlot.firstChild);
    if (companies) {
      company = companyPicker(companies);
      form.dataset.mode = "roster";
      companySlot.appendChild(company.element);
    } else {
      company = companyInputs();
      form.dataset.mode = "manual";
      company.elements.forEach((element) => companySlot.appendChild(element));
    }
    submit.disabled = false;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!company) return;
    clearErrors(form);
    const problems = company.problems();
    const n = textProblem(name.input.value, "姓名", 30);
    if (n) problems.name = n;
    const p = phoneProblem(phone.input.value);
    if (p) problems.phone = p;
    const length = password.input.value.length;
    if (length < 8 || length > 128) problems.password = "密码需要 8 到 128 个字符";
    if (Object.keys(problems).length) {
      showFieldErrors(form, problems);
      return;
    }
    const body = Object.assign(
      { name: name.input.value.trim(), phone: normalizePhone(phone.input.value), password: password.input.value },
      company.values()
    );
    signIn(ctx, form, busy(submit, "正在注册…"), "/api/auth/register", body, (error) => {
      if (error.code !== "phone_taken") return false;
      setFieldError(form, "phone", error.message);
      showFieldErrors(form, {});
      return true;
    });
  });
  name.input.focus();
}
