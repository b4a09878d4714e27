-- Roll call and absences (#13): the roll call (appel) of a lesson, taken once by its
-- teacher (or its replacement) and completed by the vie scolaire. A lesson has a roll
-- call once a row is here: the timetable re-import then keeps the lesson (any table with
-- a foreign key to lesson(id) holds it, appliance.schoollife.timetable), and the key
-- below refuses to delete it.
CREATE TABLE roll_call (
  lesson_id INTEGER PRIMARY KEY REFERENCES lesson(id),
  taken_at TEXT NOT NULL,
  taken_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES person(id) ON DELETE SET NULL
);
CREATE INDEX roll_call_taken_by ON roll_call (taken_by);
CREATE INDEX roll_call_updated_by ON roll_call (updated_by);

-- One row per student on the list of the roll call (the class list at that date, frozen
-- when the roll call is first saved): present, absent, or late by `minutes`.
-- `event_id`: the absence or lateness (attendance_event) this row belongs to.
CREATE TABLE roll_entry (
  lesson_id INTEGER NOT NULL REFERENCES roll_call(lesson_id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('present', 'absent', 'late')),
  minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 600),
  event_id INTEGER REFERENCES attendance_event(id) ON DELETE SET NULL,
  PRIMARY KEY (lesson_id, student_id),
  CHECK ((status = 'late') = (minutes IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX roll_entry_student ON roll_entry (student_id, lesson_id);
CREATE INDEX roll_entry_event ON roll_entry (event_id);
