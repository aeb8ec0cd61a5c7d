-- Pantau schema: insight (issue 14). A supervisors' group's daily digest is on unless the group turned it off
-- (/ringkasan mati): one row per group that chose, with who chose and when.

CREATE TABLE group_digests (
    chat_id     INTEGER PRIMARY KEY,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    changed_by  INTEGER NOT NULL,
    changed_at  TEXT NOT NULL
);
