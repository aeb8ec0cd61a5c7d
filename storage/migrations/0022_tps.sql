-- Pantau schema: voting day (issue 13). The polling stations (TPS) of the deployment's region as the operator
-- imports them from KPU's list (python -m bot tps-import), the volunteers who watch them, their checklist answers
-- on the day and the results-form photos (C.Hasil) they send.

CREATE TABLE tps (
    id              INTEGER PRIMARY KEY,
    desa_code       TEXT NOT NULL,        -- Kemendagri code of the desa or kelurahan, e.g. 15.71.04.1001
    desa_name       TEXT,
    kecamatan_code  TEXT NOT NULL,        -- its first three parts
    number          INTEGER NOT NULL,     -- TPS 001 is 1
    address         TEXT,
    latitude        REAL,
    longitude       REAL,
    voters          INTEGER,
    vulnerabilities TEXT NOT NULL DEFAULT '[]',  -- JSON list of bot/tps/catalogue.py Vulnerability values (IKP)
    imported_at     TEXT NOT NULL,
    UNIQUE (desa_code, number)
);
CREATE INDEX tps_kecamatan ON tps(kecamatan_code, desa_code, number);

-- Who watches which TPS: a volunteer adopted it (/jagatps), as its primary watcher or a backup.
CREATE TABLE tps_watchers (
    tps_id   INTEGER NOT NULL REFERENCES tps(id),
    user_id  INTEGER NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('primary', 'backup')),
    since    TEXT NOT NULL,
    PRIMARY KEY (tps_id, user_id)
);
CREATE INDEX tps_watchers_user ON tps_watchers(user_id);

-- A checklist pushed at its time, once per day, checkpoint and time zone (WIB, WITA, WIT).
CREATE TABLE tps_checkpoint_runs (
    day         TEXT NOT NULL,
    checkpoint  TEXT NOT NULL,
    zone        TEXT NOT NULL,
    pushed_at   TEXT NOT NULL,
    PRIMARY KEY (day, checkpoint, zone)
);

-- One answer of one watcher to one question of a checkpoint's checklist (the last one given counts).
CREATE TABLE tps_checks (
    tps_id      INTEGER NOT NULL REFERENCES tps(id),
    user_id     INTEGER NOT NULL,
    checkpoint  TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL CHECK (answer IN ('yes', 'no')),
    at          TEXT NOT NULL,
    PRIMARY KEY (tps_id, checkpoint, question, user_id)
);

-- A results-form photo (C.Hasil) of one contest at one TPS, stored like evidence (content-addressed by SHA-256).
-- A second, different photo of the same TPS and contest is kept too: both are marked as a conflict.
CREATE TABLE tps_results (
    id                  INTEGER PRIMARY KEY,
    tps_id              INTEGER NOT NULL REFERENCES tps(id),
    contest             TEXT NOT NULL,
    user_id             INTEGER NOT NULL,
    sha256              TEXT NOT NULL,
    size                INTEGER,
    telegram_file_id    TEXT NOT NULL,
    conflict            INTEGER NOT NULL DEFAULT 0,
    received_at         TEXT NOT NULL,
    UNIQUE (tps_id, contest, sha256)
);

-- A volunteer who asked to send a results photo: the TPS and contest the next photo is for.
CREATE TABLE tps_result_requests (
    user_id     INTEGER PRIMARY KEY,
    tps_id      INTEGER NOT NULL REFERENCES tps(id),
    contest     TEXT NOT NULL,
    asked_at    TEXT NOT NULL
);
