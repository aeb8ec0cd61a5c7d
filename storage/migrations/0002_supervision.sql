-- Pantau schema, version 2: supervisor groups, routing, alerts, triage and its audit log.

-- One-time codes an operator prints (python -m bot group-code) and a group admin redeems with /daftar.
-- Only the code's SHA-256 is stored.
CREATE TABLE group_codes (
    code_hash    TEXT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('supervisors', 'gakkumdu')),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by_chat INTEGER
);

CREATE TABLE supervisor_groups (
    chat_id        INTEGER PRIMARY KEY,
    region_code    TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('supervisors', 'gakkumdu')),
    title          TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    registered_by  INTEGER NOT NULL,
    registered_at  TEXT NOT NULL,
    inactive_since TEXT,
    inactive_why   TEXT
);
CREATE INDEX supervisor_groups_region ON supervisor_groups(region_code, role, active);

-- Every registration attempt (ok, unknown, used, expired, not_admin), for operators to see who tried what.
CREATE TABLE registration_attempts (
    id       INTEGER PRIMARY KEY,
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    outcome  TEXT NOT NULL,
    at       TEXT NOT NULL
);

-- Where a report was sent, and triage state beside its status.
ALTER TABLE reports ADD COLUMN route_level TEXT;          -- kecamatan | kabupaten | provinsi | admin | none
ALTER TABLE reports ADD COLUMN route_region TEXT;
ALTER TABLE reports ADD COLUMN handler_user_id INTEGER;
ALTER TABLE reports ADD COLUMN handler_name TEXT;
ALTER TABLE reports ADD COLUMN status_changed_at TEXT;
ALTER TABLE reports ADD COLUMN last_actor_name TEXT;
ALTER TABLE reports ADD COLUMN forwarded_to TEXT;
ALTER TABLE reports ADD COLUMN duplicate_of TEXT;
ALTER TABLE reports ADD COLUMN reminded_at TEXT;
ALTER TABLE reports ADD COLUMN escalated_at TEXT;

-- Alert cards posted in groups (one per report and group), so that buttons can be checked against them.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,
    kind        TEXT NOT NULL CHECK (kind IN ('alert', 'gakkumdu', 'escalation')),
    created_at  TEXT NOT NULL,
    UNIQUE (report_id, chat_id)
);
CREATE INDEX alerts_message ON alerts(chat_id, message_id);

-- Every triage action: who, when, from where, from which status to which, and why.
CREATE TABLE report_events (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports(id),
    action       TEXT NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT,
    chat_id      INTEGER,
    from_status  TEXT,
    to_status    TEXT,
    note         TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events(report_id, id);

-- Questions supervisors relay to a reporter, and the reporter's answers relayed back.
CREATE TABLE info_requests (
    id                 INTEGER PRIMARY KEY,
    report_id          INTEGER NOT NULL REFERENCES reports(id),
    group_chat_id      INTEGER NOT NULL,
    asked_by           INTEGER NOT NULL,
    question           TEXT NOT NULL,
    asked_at           TEXT NOT NULL,
    answered_at        TEXT
);

-- Bot messages that mean something later: alert cards (a button press is checked against the card it
-- was pressed on) and prompts waiting for a reply (a ForceReply in a group, a question relayed to a reporter).
CREATE TABLE tracked_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    purpose     TEXT NOT NULL,     -- card | question | duplicate | answer
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    card_kind   TEXT,              -- for cards: alert | reminder | escalation | gakkumdu | view
    user_id     INTEGER,           -- who is expected to reply (the supervisor who pressed), if anyone
    request_id  INTEGER,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- Outbox items can say what they are about: alerts to one group can be merged into a digest.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
ALTER TABLE outbox ADD COLUMN report_id INTEGER;
ALTER TABLE outbox ADD COLUMN merged_into INTEGER;
