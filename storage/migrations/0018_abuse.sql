-- Pantau schema: abuse protection (issue 12). Bans decided by an operator, and supervisors' flags on reports.

-- A banned person: their messages and presses are refused, counted (`refused`, up to the flood limit), never
-- stored, and they are told once (`told`: 1 once the message saying so was sent). One row per person; an unban
-- deletes it (the log below keeps the history).
CREATE TABLE bans (
    user_id    INTEGER PRIMARY KEY,
    reason     TEXT NOT NULL,
    banned_by  TEXT NOT NULL,
    banned_at  TEXT NOT NULL,
    refused    INTEGER NOT NULL DEFAULT 0,
    told       INTEGER NOT NULL DEFAULT 0
);

-- A supervisor's ⛔ on a report's card: the reporter may be abusive, the operator decides. Once per supervisor
-- and report. The reporter is found through the report, never shown to the group.
CREATE TABLE abuse_flags (
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    flagged_by  INTEGER NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (report_id, flagged_by)
);

-- Every ban, unban and flag: who (an operator's login, or `tg:<id>` for a supervisor), whom, why, when.
CREATE TABLE abuse_log (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('ban', 'unban', 'flag')),
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    report_id  INTEGER,
    at         TEXT NOT NULL
);
CREATE INDEX abuse_log_user ON abuse_log(user_id, id);
