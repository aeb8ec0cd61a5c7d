-- Pantau schema: several worker processes sharing one PostgreSQL database (issue 11, SCALE_OUT=true).

-- Each inbox row names its chat (the chat's id, else the sender's, else 0), so that a worker can take a chat's
-- updates, in order, as a whole. One process alone (SQLite) fills it too and never reads it.
ALTER TABLE inbox ADD COLUMN chat_key INTEGER;
CREATE INDEX inbox_chat ON inbox(chat_key, update_id);

-- The worker processes: each renews its lease every few seconds; one whose lease ran out is gone, and its chats
-- go to the others. A stopping worker ends its lease at once.
CREATE TABLE workers (
    id          TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    lease_until REAL NOT NULL
);

-- Which worker handles a chat's updates: one at a time, in order, for as long as it lives (its conversations'
-- states are in its memory). A chat whose worker is gone is taken over by another, which reloads its state first.
CREATE TABLE chat_owners (
    chat_key    INTEGER PRIMARY KEY,
    worker_id   TEXT NOT NULL,
    since       TEXT NOT NULL
);
CREATE INDEX chat_owners_worker ON chat_owners(worker_id);

-- Named leases held by one worker at a time (`leader`: polling, the outbox, the periodic jobs). Lease times are
-- seconds since the epoch (UTC), as the workers renew them.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    until       REAL NOT NULL
);

-- The bot's shared send timetable: each message any worker sends takes one slot (a 1/per_second of a second)
-- first, so that all workers together stay within Telegram's overall limit. Old slots are deleted.
CREATE TABLE rate_slots (
    slot        INTEGER PRIMARY KEY
);

-- Rows kept from before this migration (a process that stopped with updates unfinished) go to one chat key: they
-- are handled first, in order, by one worker.
UPDATE inbox SET chat_key = 0 WHERE chat_key IS NULL;
