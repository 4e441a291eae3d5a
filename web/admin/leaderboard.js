// The live leaderboard of the monitor page: the board the projector follows
// (web/shared/board.js, `?top=20`), drawn as two tables. Every frame is a full snapshot, so
// drawing is just replacing the rows.

import { connectBoard } from "/static/shared/board.js";
import { el } from "/static/shared/dom.js";
import { formatDuration } from "/static/shared/format.js";
import { formatNumber, setText } from "./dom.js";

const TOP = 20;

// The cells of a row of each ranking: [text, className].
const INDIVIDUAL_CELLS = (r) => [
  [r.rank, "num"],
  [r.name ?? ""],
  [r.company ?? ""],
  [formatNumber(r.score), "num"],
  [formatDuration(r.duration_seconds), "num"],
];
const COMPANY_CELLS = (r) => [[r.rank, "num"], [r.company ?? ""], [r.participants, "num"], [formatNumber(r.score), "num"]];

function drawRanking(table, empty, rows, cells) {
  table.querySelector("tbody").replaceChildren(
    ...rows.map((r) => el("tr", { dataset: { rank: r.rank } }, cells(r).map(([text, className]) => el("td", { className, text })))),
  );
  empty.hidden = rows.length > 0;
}

/**
 * parts: {connection, individuals, individualsEmpty, companies, companiesEmpty, onStats}.
 * Returns {stop} — closes the socket and stops reconnecting (the organizer left the page).
 */
export function connectLeaderboard(competitionId, parts) {
  return connectBoard(competitionId, {
    top: TOP,
    onConnection(state, text) {
      parts.connection.dataset.state = state;
      setText(parts.connection, text);
    },
    onFrame(frame) {
      drawRanking(parts.individuals, parts.individualsEmpty, Array.isArray(frame.individuals) ? frame.individuals : [], INDIVIDUAL_CELLS);
      drawRanking(parts.companies, parts.companiesEmpty, Array.isArray(frame.companies) ? frame.companies : [], COMPANY_CELLS);
      if (frame.stats) parts.onStats(frame.stats);
    },
  });
}
