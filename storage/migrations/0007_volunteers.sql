-- Pantau schema, version 7: volunteers (relawan), their recruitment links, and outbox batches (issue 9).

-- One registration per Telegram user. `region_code` is the kecamatan, or the desa/kelurahan under it (four
-- parts) when the volunteer named one. `organisation_id` NULL: an individual volunteer. The phone is what
-- the volunteer shared with Telegram's contact button (`phone_checked` 1: their own contact) or typed.
CREATE TABLE volunteers (
    user_id            INTEGER PRIMARY KEY,
    chat_id            INTEGER NOT NULL,
    full_name          TEXT NOT NULL,
    organisation_id    INTEGER REFERENCES organisations(id),
    organisation_kind  TEXT NOT NULL CHECK (organisation_kind IN ('students', 'okp', 'ormas', 'cyber_media', 'observer',
                                                                  'skpp_alumni', 'other')),
    region_code        TEXT NOT NULL,
    phone              TEXT NOT NULL,
    phone_checked      INTEGER NOT NULL DEFAULT 0 CHECK (phone_checked IN (0, 1)),
    nonpartisan_at     TEXT NOT NULL,   -- when they declared they are in no political party nor campaign team
    consent_at         TEXT NOT NULL,   -- when they agreed to the consent statement of `consent_version`
    consent_version    TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'verified', 'rejected', 'suspended', 'left')),
    coordinator        INTEGER NOT NULL DEFAULT 0 CHECK (coordinator IN (0, 1)),  -- may verify their organisation's
    link_id            INTEGER REFERENCES recruitment_links(id),  -- the recruitment link they came by
    reachable          INTEGER NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1)),  -- 0: blocked the bot, or gone
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    status_at          TEXT NOT NULL,
    status_by          TEXT             -- who set the status: 'self', 'group:<chat id>:<user id>', 'coordinator:<id>'
);
CREATE INDEX volunteers_area ON volunteers(status, region_code);
CREATE INDEX volunteers_organisation ON volunteers(organisation_id, status);

-- Every status a volunteer had, and who gave it.
CREATE TABLE volunteer_events (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX volunteer_events_user ON volunteer_events(user_id, id);

-- An organisation's recruitment links: https://t.me/<bot>?start=<payload>. The payload is random and
-- unguessable; a revoked link registers nobody. A link may name a coordinator (a volunteer's user id).
CREATE TABLE recruitment_links (
    id                   INTEGER PRIMARY KEY,
    organisation_id      INTEGER NOT NULL REFERENCES organisations(id),
    payload              TEXT NOT NULL UNIQUE,
    coordinator_user_id  INTEGER,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    revoked_at           TEXT
);
CREATE INDEX recruitment_links_organisation ON recruitment_links(organisation_id);

-- Rows of one broadcast (a task to its volunteers) share a batch name, e.g. 'task:12'.
ALTER TABLE outbox ADD COLUMN batch TEXT;
CREATE INDEX outbox_batch ON outbox(batch, status) WHERE batch IS NOT NULL;
