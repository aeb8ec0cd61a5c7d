-- Pantau schema: online content in a report (issue 12). The links a reporter gave, as given and as compared
-- (bot/reporting/links.py), with their platform; and a forwarded Telegram post's origin, as Telegram gave it.

CREATE TABLE report_links (
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    position    INTEGER NOT NULL,
    original    TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    platform    TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);
-- The same post reported by several people: their reports are found by the link's normalised form.
CREATE INDEX report_links_normalized ON report_links(normalized, report_id);

-- JSON: {"kind": "channel" | "chat" | "user" | "hidden_user", "chat", "username", "message_id", "date"}.
ALTER TABLE reports ADD COLUMN forwarded_from TEXT;
