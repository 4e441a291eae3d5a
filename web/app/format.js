// How times, points and answers read for people in China (UTC+8, whatever the phone's time
// zone setting says). The time someone took is web/shared/format.js.

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

export const KIND_LABELS = { single: "单选", multiple: "多选", judge: "判断" };
export const STATUS_LABELS = { upcoming: "未开始", open: "进行中", closed: "已结束" };

function pad(n) {
  return n < 10 ? `0${n}` : String(n);
}

function chinaParts(ms) {
  const d = new Date(ms + CHINA_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** `6月5日 09:00`, with the year when it is not this year. */
export function formatChinaTime(iso, nowMs) {
  const ms = typeof iso === "number" ? iso : Date.parse(iso);
  if (isNaN(ms)) return "";
  const t = chinaParts(ms);
  const thisYear = chinaParts(nowMs === undefined ? Date.now() : nowMs).year;
  const date = t.year === thisYear ? `${t.month}月${t.day}日` : `${t.year}年${t.month}月${t.day}日`;
  return `${date} ${pad(t.hour)}:${pad(t.minute)}`;
}

/** A countdown: `29:59`, or `1:05:09` past an hour. */
export function formatClock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** Points as the server sends them (2, 1.5): never `1.5000000001`. */
export function formatPoints(points) {
  const n = Number(points);
  if (isNaN(n)) return "0";
  return String(Math.round(n * 100) / 100);
}

/** Keys as a person reads them: `A、C`; judge keys as 正确 / 错误. */
export function formatKeys(keys, kind) {
  if (!keys || keys.length === 0) return "未作答";
  if (kind === "judge") return keys.map((k) => (k === "T" ? "正确" : k === "F" ? "错误" : k)).join("、");
  return keys.join("、");
}

/** Full-width letters, digits and spaces (Chinese input methods) to their ASCII forms. */
export function foldWidth(text) {
  let out = "";
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xff01 && code <= 0xff5e) out += String.fromCharCode(code - 0xfee0);
    else if (code === 0x3000) out += " ";
    else out += text.charAt(i);
  }
  return out;
}
