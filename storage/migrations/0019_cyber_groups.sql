-- Pantau schema: the cyber task-force group (issue 12). A group's role may be `cyber`: it receives the cases of
-- online content (hoaxes, black campaigns, SARA, incitement, Sirekap and cyber integrity) of its region and below,
-- alongside or instead of the supervisors' groups (CYBER_ROUTING).
--
-- SQLite cannot change a CHECK constraint in place: both tables that name the roles are rebuilt, with every
-- column (as 0002 made them) and their index.

CREATE TABLE group_codes_new (
    code_hash    TEXT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('supervisors', 'gakkumdu', 'cyber')),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by_chat INTEGER
);
INSERT INTO group_codes_new (code_hash, region_code, role, created_at, expires_at, used_at, used_by_chat)
SELECT code_hash, region_code, role, created_at, expires_at, used_at, used_by_chat FROM group_codes;
DROP TABLE group_codes;
ALTER TABLE group_codes_new RENAME TO group_codes;

CREATE TABLE supervisor_groups_new (
    chat_id        INTEGER PRIMARY KEY,
    region_code    TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('supervisors', 'gakkumdu', 'cyber')),
    title          TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    registered_by  INTEGER NOT NULL,
    registered_at  TEXT NOT NULL,
    inactive_since TEXT,
    inactive_why   TEXT
);
INSERT INTO supervisor_groups_new (chat_id, region_code, role, title, active, registered_by, registered_at,
                                   inactive_since, inactive_why)
SELECT chat_id, region_code, role, title, active, registered_by, registered_at, inactive_since, inactive_why
FROM supervisor_groups;
DROP TABLE supervisor_groups;
ALTER TABLE supervisor_groups_new RENAME TO supervisor_groups;
CREATE INDEX supervisor_groups_region ON supervisor_groups(region_code, role, active);
