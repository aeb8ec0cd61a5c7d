-- What an evidence picture's EXIF says about when and where it was taken (issue 10, docs/evidence-metadata.md),
-- read at intake from the bytes the bot stored, and shown on the alert card as corroboration. NULL: the file
-- did not say (or is no picture, or its bytes were not stored). The time is ISO 8601, with its UTC offset when
-- the file gave one (else it is the camera's clock). A draft's files carry them to the report's.
ALTER TABLE draft_evidence ADD COLUMN exif_taken_at TEXT;
ALTER TABLE draft_evidence ADD COLUMN exif_latitude REAL;
ALTER TABLE draft_evidence ADD COLUMN exif_longitude REAL;
ALTER TABLE evidence ADD COLUMN exif_taken_at TEXT;
ALTER TABLE evidence ADD COLUMN exif_latitude REAL;
ALTER TABLE evidence ADD COLUMN exif_longitude REAL;
