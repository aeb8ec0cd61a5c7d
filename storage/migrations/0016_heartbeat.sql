-- Pantau schema: the heartbeat of each running bot process (issue 11), read by `python -m bot health`.

-- One row per process, written every few seconds by the process itself. `role` says what the process does (today
-- one `bot` process receives the updates and does all the work; worker processes of a scale-out would each have a
-- row of their own). `polled_at`: when a getUpdates call last returned (NULL in webhook mode, or before the first
-- answer). A process that ended leaves its row behind, and its `beat_at` ages: that is how health sees it is gone.
CREATE TABLE heartbeats (
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    role        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL,
    polled_at   TEXT,
    PRIMARY KEY (host, pid)
);
CREATE INDEX heartbeats_beat ON heartbeats(beat_at);
