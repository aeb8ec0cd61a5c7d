-- Organisations that signed an agreement with Bawaslu and recruit volunteers (relawan): students (BEM, campus
-- organisations), youth organisations (OKP), community organisations (ormas), cyber-media associations,
-- election observers, alumni of the participatory supervision school (SKPP), others. Registered by an
-- operator (`python -m bot org-add`); volunteers, recruitment links and tasks build on them (issue 9).
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('students', 'okp', 'ormas', 'cyber_media', 'observer', 'skpp_alumni', 'other')),
    region_code TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
-- One organisation of a name per region, whatever the case of its letters.
CREATE UNIQUE INDEX organisations_name_region ON organisations (lower(name), region_code);
CREATE INDEX organisations_region ON organisations (region_code, active);
