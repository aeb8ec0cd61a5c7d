-- Pantau schema, version 9: volunteer registrations in progress (issue 9, /relawan).

-- One registration in progress per Telegram user: the current step and the answers so far (JSON), so that it
-- survives a restart. `focus` 0: a report was started in the middle of it (/lapor); the registration waits and
-- takes no messages until the volunteer comes back to it (/relawan or one of its buttons). `last_update_id`:
-- the last update applied, so that a re-delivered update does not advance it twice. Deleted when the
-- registration is submitted (in the same transaction), cancelled, or untouched for DRAFT_KEEP_DAYS.
CREATE TABLE volunteer_drafts (
    user_id         INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    token           TEXT NOT NULL,
    step            TEXT NOT NULL,
    answers         TEXT NOT NULL DEFAULT '{}',
    focus           INTEGER NOT NULL DEFAULT 1 CHECK (focus IN (0, 1)),
    last_update_id  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX volunteer_drafts_updated ON volunteer_drafts(updated_at);
-- The retention job looks for volunteers who left or were rejected long enough ago.
CREATE INDEX volunteers_status_at ON volunteers(status, status_at);
