-- Pantau schema, version 8: field tasks that supervisors groups send to volunteers (issue 9).

-- A task, from the /tugas conversation of a supervisors group. `region_code`: where (the group's region or a
-- kecamatan/desa under it); `organisation_kind` / `organisation_id`: who (NULL: every verified volunteer there).
-- Its messages to volunteers are the outbox batch 'task:<id>' (storage/delivery/broadcasts.py).
CREATE TABLE tasks (
    id                   INTEGER PRIMARY KEY,
    group_chat_id        INTEGER NOT NULL,
    created_by_user_id   INTEGER NOT NULL,
    region_code          TEXT NOT NULL,
    organisation_kind    TEXT,
    organisation_id      INTEGER REFERENCES organisations(id),
    text                 TEXT NOT NULL,
    attachment_kind      TEXT CHECK (attachment_kind IN ('photo', 'document')),
    attachment_file_id   TEXT,
    due_at               TEXT,              -- UTC, shown in `timezone`
    timezone             TEXT NOT NULL,     -- IANA name of the region's zone
    latitude             REAL,
    longitude            REAL,
    report_back          INTEGER NOT NULL DEFAULT 0 CHECK (report_back IN (0, 1)),
    status               TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'stopped', 'closed')),
    recipients           INTEGER NOT NULL DEFAULT 0,  -- volunteers it was queued for
    card_counts          TEXT,              -- the counts the group's card shows (JSON), edited when they change
    reminded_at          TEXT,
    created_at           TEXT NOT NULL,
    stopped_at           TEXT,
    source_update_id     INTEGER UNIQUE     -- the update that confirmed it: a redelivery sends nothing twice
);
CREATE INDEX tasks_group ON tasks(group_chat_id, status);

-- One row per volunteer a task was queued for, and what they answered.
CREATE TABLE task_assignments (
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    user_id       INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'offered' CHECK (status IN ('offered', 'accepted', 'declined')),
    responded_at  TEXT,
    reported_at   TEXT,              -- the first report-back
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_assignments_user ON task_assignments(user_id, status);

-- A volunteer's report-back on a task: text, a location, photos (task_report_evidence).
CREATE TABLE task_reports (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    user_id     INTEGER NOT NULL,
    text        TEXT,
    latitude    REAL,
    longitude   REAL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
    report_id   INTEGER REFERENCES reports(id),  -- the report it was turned into
    created_at  TEXT NOT NULL,
    submitted_at TEXT
);
CREATE INDEX task_reports_task ON task_reports(task_id, status);

-- Photos and documents of a report-back, content-addressed like a report's evidence.
CREATE TABLE task_report_evidence (
    id                  INTEGER PRIMARY KEY,
    task_report_id      INTEGER NOT NULL REFERENCES task_reports(id),
    kind                TEXT NOT NULL CHECK (kind IN ('photo', 'video', 'document')),
    telegram_file_id    TEXT NOT NULL,
    telegram_unique_id  TEXT NOT NULL,
    sha256              TEXT,
    size                INTEGER,
    mime_type           TEXT,
    stored              TEXT NOT NULL CHECK (stored IN ('stored', 'too_big', 'failed')),
    media_group_id      TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (task_report_id, telegram_unique_id)
);
