-- The law as it is (issue 10): when the reporter learned of the violation (the reporting window counts from
-- then), who the reporter is in the eyes of the law (only a voter, an observer or an election participant may
-- file a laporan), and whether the report concerns a structured, systematic and massive (TSM) violation.
ALTER TABLE reports ADD COLUMN known_local TEXT;          -- local date, ISO (NULL in reports before this)
ALTER TABLE reports ADD COLUMN reporter_standing TEXT;    -- bot/legal/kinds.py Standing (NULL: not asked)
ALTER TABLE reports ADD COLUMN tsm INTEGER NOT NULL DEFAULT 0;
