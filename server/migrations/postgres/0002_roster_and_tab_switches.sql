-- The enterprise roster (企业名录) the bureau loads from CSV. When it holds any company,
-- registration accepts only companies on it. Re-importing updates a company by its code.
CREATE TABLE companies (
    credit_code TEXT   PRIMARY KEY,
    name        TEXT   NOT NULL,
    subdistrict TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX companies_by_subdistrict ON companies (subdistrict);

-- 切屏: how often the exam page was hidden or lost focus during the attempt, and the
-- competition's limit after which an attempt is submitted automatically (NULL: no limit).
ALTER TABLE attempts ADD COLUMN tab_switches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE competitions ADD COLUMN max_tab_switches BIGINT;
