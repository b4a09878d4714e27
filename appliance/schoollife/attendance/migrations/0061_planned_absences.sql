-- Roll call and absences (#13): a planned absence (a trip, a PE exemption, a work
-- placement…) entered by the vie scolaire: from `first_date` to `last_date` (both
-- included), all day or between `start_time` and `end_time`, and only the lessons of
-- `subject_code` when given (a PE exemption). It pre-fills the roll calls of the lessons
-- it covers (nothing is written on the lessons themselves: a new timetable is not held
-- back by it).
CREATE TABLE planned_absence (
  id INTEGER PRIMARY KEY,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('trip', 'pe_exemption', 'placement', 'other')),
  reason_code TEXT REFERENCES attendance_reason(code),
  first_date TEXT NOT NULL,
  last_date TEXT NOT NULL,
  start_time TEXT,
  end_time TEXT,
  subject_code TEXT,
  comment TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  created_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  CHECK (first_date <= last_date),
  CHECK ((start_time IS NULL) = (end_time IS NULL)),
  CHECK (start_time IS NULL OR start_time < end_time)
);
CREATE INDEX planned_absence_student ON planned_absence (student_id, last_date);
CREATE INDEX planned_absence_dates ON planned_absence (last_date, first_date);
CREATE INDEX planned_absence_created_by ON planned_absence (created_by);
