-- Pantau schema: one case for one piece of online content (issue 12). A report whose link (normalised) is already
-- in an open case joins that case: it keeps its own code, reporter and evidence, gets no alert card of its own, and
-- follows the case's status. NULL: a case of its own.

ALTER TABLE reports ADD COLUMN joined_to INTEGER REFERENCES reports(id);
CREATE INDEX reports_joined_to ON reports(joined_to) WHERE joined_to IS NOT NULL;

-- Online content: a report of one of the online categories (bot/reporting/categories.py ONLINE_CATEGORIES, as of
-- this migration), or one whose reporter said it happened online and gave its links. Cyber groups see these.
ALTER TABLE reports ADD COLUMN online INTEGER NOT NULL DEFAULT 0;
UPDATE reports SET online = 1 WHERE category IN ('hoax', 'black_campaign', 'sara', 'cyber_sirekap')
    OR EXISTS (SELECT 1 FROM report_links l WHERE l.report_id = reports.id);
-- The account or channel that posted it: as the reporter named it, or as Telegram named a forwarded post's origin.
ALTER TABLE reports ADD COLUMN online_account TEXT;

-- A linked page's title, read only where an operator allowed it (LINK_TITLES, off by default: bot/reporting/link_titles.py).
ALTER TABLE report_links ADD COLUMN title TEXT;
