-- Pantau schema: the data rights of reporters and volunteers (issue 10, UU 27/2022 on personal data).

-- Every use of those rights and every erasure of personal data: /datasaya (`access`), /hapusdata (`erase`), an
-- identity erased by housekeeping after IDENTITY_RETENTION_DAYS (`retention`), and the Telegram account id taken
-- off the closed reports of someone who asked for erasure (`unlink`). `detail` says what (counts, and the case
-- codes of the cases kept), never a name, an address or a phone number. Who asked, what, when: the rows stay.
CREATE TABLE personal_data_log (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    action   TEXT NOT NULL CHECK (action IN ('access', 'erase', 'retention', 'unlink')),
    detail   TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);
CREATE INDEX personal_data_log_user ON personal_data_log(user_id, id);
CREATE INDEX personal_data_log_action ON personal_data_log(action, user_id);
