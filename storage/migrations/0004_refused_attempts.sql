-- Pantau schema, version 4.

-- Every press, prompt reply or case command refused because the sender was not a member of the group.
CREATE TABLE refused_attempts (
    id             INTEGER PRIMARY KEY,
    chat_id        INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    kind           TEXT NOT NULL,   -- press | reply | command
    action         TEXT NOT NULL,   -- the button's verb, the prompt's purpose or the command
    report_id      INTEGER,
    member_status  TEXT NOT NULL,   -- what Telegram said: left, kicked, … or unknown
    at             TEXT NOT NULL
);
CREATE INDEX refused_attempts_chat ON refused_attempts(chat_id, at);
