-- Pantau schema: verifying volunteers (their cards in supervisors groups and coordinators' chats, who decided,
-- who looked at whose identity) (issue 9, verification and recruitment).

-- A volunteer's reference on cards (REL-0042): groups see this number, never the person's name or phone. It
-- stays the same when the volunteer registers again.
CREATE TABLE volunteer_refs (
    ref      INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL UNIQUE
);

-- Each verification card queued: in a supervisors group, or in a coordinator's private chat. `dedup_key` is
-- the card's outbox row (whose telegram_message_id says where it was posted).
CREATE TABLE volunteer_cards (
    id          INTEGER PRIMARY KEY,
    ref         INTEGER NOT NULL REFERENCES volunteer_refs(ref),
    chat_id     INTEGER NOT NULL,
    audience    TEXT NOT NULL CHECK (audience IN ('group', 'coordinator')),
    dedup_key   TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE INDEX volunteer_cards_ref ON volunteer_cards(ref);

-- Who gave a volunteer their current status from a card (a supervisor's first name, or a coordinator's).
CREATE TABLE volunteer_decisions (
    user_id         INTEGER PRIMARY KEY,
    status          TEXT NOT NULL,
    by_user_id      INTEGER NOT NULL,
    by_name         TEXT NOT NULL,
    by_chat_id      INTEGER NOT NULL,
    as_coordinator  INTEGER NOT NULL CHECK (as_coordinator IN (0, 1)),
    at              TEXT NOT NULL
);

-- Every look at a volunteer's name and phone (🔎 Identitas on a card, or a coordinator's card): who, whose,
-- from where, when; `outcome` 'sent' once it reached the viewer's private chat, 'unreachable' if it could not.
CREATE TABLE volunteer_identity_log (
    id                 INTEGER PRIMARY KEY,
    viewer_user_id     INTEGER NOT NULL,
    volunteer_user_id  INTEGER NOT NULL,
    chat_id            INTEGER NOT NULL,
    via                TEXT NOT NULL CHECK (via IN ('card', 'coordinator_card')),
    outcome            TEXT,
    at                 TEXT NOT NULL
);
CREATE INDEX volunteer_identity_log_volunteer ON volunteer_identity_log(volunteer_user_id, id);
