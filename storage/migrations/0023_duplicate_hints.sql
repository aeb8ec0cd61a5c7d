-- Pantau schema: possible duplicates (issue 14, docs/supervision.md). The perceptual hash of each evidence picture
-- (imagehash's pHash: 64 bits, as 16 hexadecimal digits, bot/kernel/photo_hash.py), computed at intake from the bytes
-- the bot stored, so that a new report's alert card can name the earlier reports with a near-identical photo. NULL:
-- no picture, its bytes were not stored, or it was stored before this migration. A draft's files carry it to the
-- report's, like their EXIF (migration 0014).
ALTER TABLE draft_evidence ADD COLUMN phash TEXT;
ALTER TABLE evidence ADD COLUMN phash TEXT;

-- The other rule of the hint: reports of one kecamatan and one category, a few hours apart.
CREATE INDEX reports_region_category ON reports(region_code, category, submitted_at);

-- And the photos' rule: the reports of a kabupaten/kota (a range of region codes) of the last 30 days.
CREATE INDEX reports_region_submitted ON reports(region_code, submitted_at);
