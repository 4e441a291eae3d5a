// Formatting shared by the pages: the time someone took, as the contestant's result, the
// console's leaderboard and the projector show it.

function pad(n) {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Time used: `12分05秒`. With `{hours: true}` an hour or more reads `1小时02分05秒` (the
 * contestant's result page); without it the minutes go on counting, `75分00秒` (the boards of
 * the console and the projector).
 */
export function formatDuration(seconds, options) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const s = total % 60;
  if (options && options.hours && total >= 3600) {
    return `${Math.floor(total / 3600)}小时${pad(Math.floor((total % 3600) / 60))}分${pad(s)}秒`;
  }
  return `${Math.floor(total / 60)}分${pad(s)}秒`;
}
