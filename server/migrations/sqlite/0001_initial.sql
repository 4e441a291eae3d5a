-- ecoquiz schema, SQLite flavour. The PostgreSQL flavour in ../postgres/ has the same tables
-- and columns; only identity columns differ. Every column the code reads is BIGINT or TEXT,
-- the types sqlx's `Any` driver maps the same way on both backends. Times are Unix
-- milliseconds (UTC); scores and points are hundredths of a point (see question_bank::Points).

CREATE TABLE organizers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE participants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    -- UNIQUE: one account per mobile number; a reused number is refused with 409.
    phone         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    company_name  TEXT    NOT NULL,
    credit_code   TEXT    NOT NULL,
    subdistrict   TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX participants_by_credit_code ON participants (credit_code);

-- A question's identity. Its content lives in question_versions: importing the same 编号
-- again adds a version, and attempts keep pointing at the version they were issued.
CREATE TABLE questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id     TEXT    UNIQUE,
    current_version BIGINT  NOT NULL,
    -- kind + normalized stem of the current version, to skip duplicates on import.
    duplicate_key   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX questions_by_duplicate_key ON questions (duplicate_key);

CREATE TABLE question_versions (
    question_id BIGINT NOT NULL REFERENCES questions (id),
    version     BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    stem        TEXT   NOT NULL,
    options     TEXT   NOT NULL, -- JSON array of option texts, empty for judge questions
    answer      BIGINT NOT NULL, -- question_bank::Choice bits, in the bank's option order
    regulation  TEXT   NOT NULL,
    article     TEXT,
    difficulty  TEXT   NOT NULL,
    explanation TEXT,
    tags        TEXT   NOT NULL, -- JSON array
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (question_id, version)
);
CREATE INDEX question_versions_by_regulation ON question_versions (regulation);

-- One row; `generation` grows with every import so each server process (several may share
-- PostgreSQL) knows when its cached bank snapshot is stale.
CREATE TABLE bank_state (
    id         BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO bank_state (id, generation) VALUES (1, 0);

-- Secrets shared by every server process (PostgreSQL scale-out): the JWT signing key when
-- ECOQUIZ_JWT_SECRET is not set. SQLite keeps its key in the data folder instead.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE competitions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    title            TEXT    NOT NULL,
    opens_at         BIGINT  NOT NULL,
    closes_at        BIGINT  NOT NULL,
    duration_minutes BIGINT  NOT NULL,
    blueprint        TEXT    NOT NULL, -- JSON, as question_bank::Blueprint::to_json writes it
    max_attempts     BIGINT  NOT NULL,
    pass_score       BIGINT  NOT NULL,
    max_score        BIGINT  NOT NULL,
    company_score    TEXT    NOT NULL, -- JSON: {"method", "n", "min_participants"}
    created_at       BIGINT  NOT NULL,
    closed_at        BIGINT            -- set when an organizer closes it early
);

CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    competition_id BIGINT  NOT NULL REFERENCES competitions (id),
    participant_id BIGINT  NOT NULL REFERENCES participants (id),
    -- 1 for the first attempt; UNIQUE so a double-tapped "start" cannot make two papers.
    attempt_no     BIGINT  NOT NULL,
    seed           BIGINT  NOT NULL,
    started_at     BIGINT  NOT NULL,
    deadline       BIGINT  NOT NULL,
    status         TEXT    NOT NULL, -- 'in_progress' | 'submitted'
    submitted_at   BIGINT,
    score          BIGINT,
    max_score      BIGINT  NOT NULL,
    correct_count  BIGINT,
    duration_ms    BIGINT,
    UNIQUE (competition_id, participant_id, attempt_no)
);
-- The sweeper looks for attempts in progress whose deadline has passed.
CREATE INDEX attempts_by_status_deadline ON attempts (status, deadline);
CREATE INDEX attempts_by_competition ON attempts (competition_id, status);

-- The paper as issued: which question version is number `no`, and its option order.
CREATE TABLE attempt_questions (
    attempt_id     BIGINT NOT NULL REFERENCES attempts (id),
    no             BIGINT NOT NULL,
    question_id    BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    points         BIGINT NOT NULL,
    partial_credit BIGINT NOT NULL, -- 0 or 1
    option_order   TEXT   NOT NULL, -- e.g. "2,0,3,1": shown position -> bank option
    PRIMARY KEY (attempt_id, no)
);

-- Autosaved answers, one row per question, in the participant's option order (bits).
CREATE TABLE answers (
    attempt_id BIGINT NOT NULL REFERENCES attempts (id),
    no         BIGINT NOT NULL,
    choice     BIGINT NOT NULL,
    saved_at   BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, no)
);
