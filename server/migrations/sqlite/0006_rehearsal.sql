-- `ecoquiz rehearse`: what a rehearsal makes is marked, so that it never appears in the
-- bureau's exports, on a real board or in the contestants' list, and `--cleanup` (or
-- `ecoquiz purge --rehearsal`) removes exactly it. 1: made by a rehearsal; 0: real.
-- A rehearsal company is on the roster only for the rehearsal's registrations (its credit
-- code's region 000000 is no real region); a participant registered with one is a rehearsal
-- participant and may start only rehearsal competitions.
ALTER TABLE competitions ADD COLUMN rehearsal BIGINT NOT NULL DEFAULT 0;
ALTER TABLE participants ADD COLUMN rehearsal BIGINT NOT NULL DEFAULT 0;
ALTER TABLE companies ADD COLUMN rehearsal BIGINT NOT NULL DEFAULT 0;
