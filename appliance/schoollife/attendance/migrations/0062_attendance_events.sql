-- Roll call and absences (#13): an absence or a lateness the vie scolaire follows. An
-- absence is one event over consecutive lessons of a day (the roll calls' absent rows
-- with no presence between them); a lateness is one event per lesson. `date`,
-- `start_time`, `end_time`: the school's local day and times, from its lessons.
-- `reason_code`, `justified`, `comment`: what the vie scolaire settled (a guardian's
-- excuse is accepted into them). `planned_id`: the planned absence that pre-filled it.
CREATE TABLE attendance_event (
  id INTEGER PRIMARY KEY,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('absence', 'late')),
  date TEXT NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 600),
  reason_code TEXT REFERENCES attendance_reason(code),
  justified INTEGER NOT NULL DEFAULT 0 CHECK (justified IN (0, 1)),
  comment TEXT NOT NULL DEFAULT '',
  planned_id INTEGER REFERENCES planned_absence(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  settled_at TEXT,
  settled_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  CHECK (start_time <= end_time),
  CHECK ((kind = 'late') = (minutes IS NOT NULL))
);
-- A student's absences (their page, the API, the half-days of a month).
CREATE INDEX attendance_event_student ON attendance_event (student_id, date);
-- The vie scolaire's day and a month's alerts.
CREATE INDEX attendance_event_date ON attendance_event (date, kind);
CREATE INDEX attendance_event_settled_by ON attendance_event (settled_by);
CREATE INDEX attendance_event_planned ON attendance_event (planned_id) WHERE planned_id IS NOT NULL;
