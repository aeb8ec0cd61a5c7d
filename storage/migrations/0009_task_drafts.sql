-- Pantau schema: the /tugas conversation of a supervisor in a supervisors group (issue 9, tasks).

-- One form per supervisor and group: several supervisors may each have one open in the same group. `step` is
-- where the form is, `answers` what it collected (JSON), `prompt_key` the outbox row of the prompt the next
-- reply answers. `token` is in the form's buttons: a button of an older form (or a double tap on 📤 Kirim
-- after the task was sent) changes nothing. A sent form keeps the task it became.
CREATE TABLE task_drafts (
    group_chat_id  INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    token          TEXT NOT NULL,
    step           TEXT NOT NULL,
    answers        TEXT NOT NULL DEFAULT '{}',
    prompt_key     TEXT,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'cancelled')),
    task_id        INTEGER REFERENCES tasks(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (group_chat_id, user_id)
);

-- Reminders: tasks with a due time that nobody has reminded yet.
CREATE INDEX tasks_due ON tasks(due_at) WHERE due_at IS NOT NULL AND reminded_at IS NULL;
