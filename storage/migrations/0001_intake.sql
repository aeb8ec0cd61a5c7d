-- Pantau schema, version 1: citizen report intake.
-- Times are UTC ISO-8601 strings unless a column says "local".

CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,
    locale      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- One unfinished report per reporter. `step` is the conversation state; `last_update_id` makes a
-- re-delivered Telegram update recognisable.
CREATE TABLE drafts (
    user_id         INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    step            TEXT NOT NULL,
    answers         TEXT NOT NULL DEFAULT '{}',
    editing         INTEGER NOT NULL DEFAULT 0,
    last_update_id  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'idle_closed', 'submitted')),
    report_id       INTEGER REFERENCES reports(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX drafts_status_updated ON drafts(status, updated_at);

CREATE TABLE draft_evidence (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('photo', 'video', 'document')),
    telegram_file_id    TEXT NOT NULL,
    telegram_unique_id  TEXT NOT NULL,
    sha256              TEXT,
    size                INTEGER,
    mime_type           TEXT,
    file_name           TEXT,
    stored              TEXT NOT NULL CHECK (stored IN ('stored', 'too_big', 'failed')),
    media_group_id      TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (user_id, telegram_unique_id)
);

CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    case_code          TEXT NOT NULL UNIQUE,
    reporter_user_id   INTEGER NOT NULL,
    reporter_chat_id   INTEGER NOT NULL,
    locale             TEXT NOT NULL,
    category           TEXT NOT NULL,
    chronology         TEXT NOT NULL,
    incident_local     TEXT NOT NULL,   -- local date or date-time, ISO, in `timezone`
    timezone           TEXT NOT NULL,   -- IANA name of the region's zone
    region_code        TEXT NOT NULL,
    location_source    TEXT NOT NULL CHECK (location_source IN ('gps', 'venue', 'picker')),
    latitude           REAL,
    longitude          REAL,
    place_description  TEXT,
    reported_party     TEXT,
    witnesses          TEXT,
    anonymous          INTEGER NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('laporan', 'informasi_awal')),
    missing            TEXT NOT NULL DEFAULT '[]',
    status             TEXT NOT NULL DEFAULT 'received',
    submitted_at       TEXT NOT NULL
);
CREATE INDEX reports_reporter ON reports(reporter_user_id, submitted_at);
CREATE INDEX reports_region ON reports(region_code, status);

-- Kept apart from `reports` so that nothing that renders a report for a group can read it by accident.
CREATE TABLE reporter_identities (
    report_id     INTEGER PRIMARY KEY REFERENCES reports(id),
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    phone         TEXT,
    phone_source  TEXT CHECK (phone_source IN ('contact', 'typed'))
);

CREATE TABLE identity_access_log (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    accessor   TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    at         TEXT NOT NULL
);

CREATE TABLE evidence (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER NOT NULL REFERENCES reports(id),
    kind                TEXT NOT NULL,
    telegram_file_id    TEXT NOT NULL,
    telegram_unique_id  TEXT NOT NULL,
    sha256              TEXT,
    size                INTEGER,
    mime_type           TEXT,
    file_name           TEXT,
    stored              TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence(report_id);

-- Messages to send, written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    dedup_key            TEXT NOT NULL UNIQUE,
    chat_id              INTEGER NOT NULL,
    method               TEXT NOT NULL,
    payload              TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT NOT NULL,
    last_error           TEXT,
    telegram_message_id  INTEGER,
    created_at           TEXT NOT NULL,
    sent_at              TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- ConversationHandler states (python-telegram-bot persistence), keyed by handler name and key.
CREATE TABLE conversation_states (
    name        TEXT NOT NULL,
    key         TEXT NOT NULL,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

-- Every update from Telegram, committed before it is acknowledged (the next getUpdates offset) and
-- deleted once processed: a killed process replays what it had not finished.
CREATE TABLE inbox (
    update_id     INTEGER PRIMARY KEY,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL
);
