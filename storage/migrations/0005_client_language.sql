-- Pantau schema, version 5: the language of the Telegram client a person last wrote from, when it is one
-- of ours (NULL otherwise). It counts until they choose one with /bahasa (`locale`), also for the notices
-- a restarted bot sends them later (a status change of their report, the idle close).

ALTER TABLE users ADD COLUMN client_locale TEXT;
