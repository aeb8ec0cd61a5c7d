-- Pantau schema, version 3: outbox priorities, and what each sent row put into its chat, so that a group's
-- last minute can be rebuilt after a restart.

-- 1: a reply to a person's own update (a group's answer to a command or a press); 0: everything else.
-- A chat's rows of one priority go in id order; higher priorities go first.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- Messages the row put into its chat when it was sent (an album counts its items; a skipped row or an edit 0;
-- a digest counts once, on the first row merged into it).
ALTER TABLE outbox ADD COLUMN messages INTEGER;
CREATE INDEX outbox_sent ON outbox(sent_at) WHERE status = 'sent';
