-- Where the store checks that it can write again after the storage refused a write (a full
-- disk, a read-only file): one row larger than a page is inserted and deleted in a single
-- transaction, so the check needs new room as a real write would. Always empty between checks.
CREATE TABLE storage_probe (
    id BIGINT PRIMARY KEY,
    padding TEXT NOT NULL
);
