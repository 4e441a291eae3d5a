-- The live final (docs/FINAL.md). A final's whole show — its plan (seats, rounds, the question
-- copies with their keys) and where it stands (phase, scores, the current question's answers,
-- buzzes and stakes, the scoring steps undo reverts) — is one JSON document, `show`, written
-- with its `revision` compared: a change is stored only if nobody stored another one since it
-- was read, so two server processes never both apply a transition (one buzz wins, in the
-- database). Seats and the audience have rows of their own because phones join and answer
-- apart from the host's transitions: 5,000 audience answers must not rewrite the show.

CREATE TABLE finals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    -- The 6 digits the audience types (or scans) to join.
    code        TEXT    NOT NULL UNIQUE,
    created_by  BIGINT  NOT NULL REFERENCES organizers (id),
    created_at  BIGINT  NOT NULL,
    show        TEXT    NOT NULL,
    revision    BIGINT  NOT NULL
);

CREATE TABLE final_seats (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    final_id    BIGINT  NOT NULL REFERENCES finals (id),
    -- Numbered from 1, as the API and the screens number them.
    seat        BIGINT  NOT NULL,
    join_code   TEXT    NOT NULL UNIQUE,
    -- Grows at every join: a token names the generation it was issued for, so a second device
    -- joining with the same code makes the first one's token stop working.
    generation  BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (final_id, seat)
);

CREATE TABLE final_audience (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    final_id    BIGINT  NOT NULL REFERENCES finals (id),
    nickname    TEXT    NOT NULL,
    -- Whole points, the sum of `points` of the revealed answers below.
    score       BIGINT  NOT NULL DEFAULT 0,
    joined_at   BIGINT  NOT NULL
);
CREATE INDEX final_audience_by_score ON final_audience (final_id, score);

-- One answer per audience member per question; `points` is what it earns if the question is
-- revealed (computed when it arrives, from the key and the time left), added to the member's
-- score at the reveal and taken back by an undo of that reveal.
CREATE TABLE final_audience_answers (
    audience_id BIGINT  NOT NULL REFERENCES final_audience (id),
    final_id    BIGINT  NOT NULL REFERENCES finals (id),
    round_no    BIGINT  NOT NULL,
    question_no BIGINT  NOT NULL,
    choice      BIGINT  NOT NULL,
    answered_at BIGINT  NOT NULL,
    points      BIGINT  NOT NULL,
    PRIMARY KEY (audience_id, round_no, question_no)
);
CREATE INDEX final_audience_answers_by_question ON final_audience_answers (final_id, round_no, question_no);

-- Every host action: who, when, what it changed.
CREATE TABLE final_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    final_id     BIGINT  NOT NULL REFERENCES finals (id),
    at           BIGINT  NOT NULL,
    organizer_id BIGINT  REFERENCES organizers (id),
    action       TEXT    NOT NULL,
    effect       TEXT    NOT NULL
);
CREATE INDEX final_log_by_final ON final_log (final_id, id);
