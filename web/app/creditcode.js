// The unified social credit code (统一社会信用代码, GB 32100-2015), checked while it is typed,
// with the same rules as server/src/identity.rs, so a typo is caught before the form is sent.

import { foldWidth } from "./format.js";

/** The code's alphabet: digits and capitals without I, O, Z, S, V; a character's value is its index. */
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** What the server would store: full-width folded, upper case, spaces removed. */
export function normalizeCreditCode(text) {
  return foldWidth(String(text || "")).replace(/\s+/g, "").toUpperCase();
}

/** C18 = 31 − (Σ Ci × Wi mod 31), with 31 written as 0. */
export function checkCharacter(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += ALPHABET.indexOf(first17.charAt(i)) * WEIGHTS[i];
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Where a (possibly half-typed) code stands:
 * {state: "empty"|"partial"|"invalid"|"valid", message}. "partial" is not an error yet.
 */
export function describeCreditCode(text) {
  const code = normalizeCreditCode(text);
  if (code.length === 0) return { state: "empty", message: "18 位,见营业执照" };
  for (let i = 0; i < code.length; i += 1) {
    if (ALPHABET.indexOf(code.charAt(i)) < 0) {
      return {
        state: "invalid",
        message: `第 ${i + 1} 位「${code.charAt(i)}」不是有效字符:只含数字和大写字母(不含 I、O、Z、S、V)`,
      };
    }
  }
  if (code.length < 18) return { state: "partial", message: `已输入 ${code.length} 位,还差 ${18 - code.length} 位` };
  if (code.length > 18) return { state: "invalid", message: `统一社会信用代码应为 18 位,现在是 ${code.length} 位` };
  if (checkCharacter(code) !== code.charAt(17)) {
    return { state: "invalid", message: "校验位不正确,请对照营业执照逐位核对" };
  }
  return { state: "valid", message: "✓ 校验通过" };
}
