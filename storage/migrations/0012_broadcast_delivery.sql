-- Pantau schema: every recipient's delivery of a broadcast is a durable row (issue 9, docs/broadcasts.md).
--
-- A broadcast's rows (outbox rows with a batch) are marked 'sending' (committed) once the rate limiter admits the
-- send and before the request goes out, and 'sent' after. A row a killed process left 'sending' becomes
-- 'uncertain' at the next start and is not sent again. Refusals of a batch row are 'unreachable' (403, chat not
-- found) or 'failed'; a stopped broadcast's rows that had not gone are 'cancelled'. Rows without a batch keep
-- 'pending', 'sent' and 'dead'.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with every column (in the order of
-- 0001-0003 and 0007) and every index.

CREATE TABLE outbox_new (
    id                   INTEGER PRIMARY KEY,
    dedup_key            TEXT NOT NULL UNIQUE,
    chat_id              INTEGER NOT NULL,
    method               TEXT NOT NULL,
    payload              TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead',
                                                                            'uncertain', 'unreachable', 'failed',
                                                                            'cancelled')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT NOT NULL,
    last_error           TEXT,
    telegram_message_id  INTEGER,
    created_at           TEXT NOT NULL,
    sent_at              TEXT,
    kind                 TEXT NOT NULL DEFAULT 'message',
    report_id            INTEGER,
    merged_into          INTEGER,
    priority             INTEGER NOT NULL DEFAULT 0,
    messages             INTEGER,
    batch                TEXT
);

INSERT INTO outbox_new (id, dedup_key, chat_id, method, payload, status, attempts, next_attempt_at, last_error,
                        telegram_message_id, created_at, sent_at, kind, report_id, merged_into, priority, messages, batch)
SELECT id, dedup_key, chat_id, method, payload,
       CASE
           WHEN batch IS NULL OR status <> 'dead' THEN status
           WHEN last_error = 'cancelled' THEN 'cancelled'
           WHEN last_error LIKE 'Forbidden%' OR lower(last_error) LIKE '%chat not found%' THEN 'unreachable'
           ELSE 'failed'
       END,
       attempts, next_attempt_at, last_error, telegram_message_id, created_at, sent_at, kind, report_id, merged_into,
       priority, messages, batch
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_sent ON outbox(sent_at) WHERE status = 'sent';
CREATE INDEX outbox_batch ON outbox(batch, status) WHERE batch IS NOT NULL;
-- The worker's looks for due rows (OutboxRepository.due): pending rows in the order they go (all of them, those
-- without a batch, a broadcast's), and each chat's pending rows of one priority (a row waits behind an earlier
-- one of its chat that waits for a retry).
CREATE INDEX outbox_pending ON outbox(priority DESC, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_plain ON outbox(priority DESC, id) WHERE status = 'pending' AND batch IS NULL;
CREATE INDEX outbox_pending_batch ON outbox(priority DESC, id) WHERE status = 'pending' AND batch IS NOT NULL;
CREATE INDEX outbox_pending_chat ON outbox(chat_id, priority, id) WHERE status = 'pending';
