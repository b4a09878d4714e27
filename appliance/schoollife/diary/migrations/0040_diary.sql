-- The cahier de textes (#11): what was done in each lesson, the work to do (homework),
-- its attachments, and the students' "done" ticks.
--
-- Rows that name a lesson reference lesson(id) without ON DELETE: a timetable re-import
-- recognises every table with a foreign key to lesson (timetable.dependent_columns) and
-- never deletes a lesson something hangs on, and the database refuses to delete one.

-- The content of a lesson (what was done), one per lesson; `content_html` is the cleaned
-- rich text (appliance/richtext.py), `author_id` who wrote it last.
CREATE TABLE diary_entry (
  lesson_id INTEGER PRIMARY KEY REFERENCES lesson(id),
  content_html TEXT NOT NULL,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- A homework item (travail à faire), given to a class or a group in a subject, most often
-- in a lesson (`lesson_id`; NULL when given outside one, by the API). `due_date` is the
-- day it is due (school's calendar day); `due_next_lesson` says it was given "for the
-- next lesson" (resolved from the timetable when it was written). `publish_at` (UTC):
-- families see it from then on (a teacher may prepare ahead). `minutes`: the estimated
-- time of work.
CREATE TABLE homework (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER REFERENCES lesson(id),
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  class_id INTEGER REFERENCES school_class(id),
  group_id INTEGER REFERENCES teaching_group(id),
  subject_code TEXT NOT NULL,
  subject_label TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('exercise', 'homework', 'lesson', 'test')),
  text_html TEXT NOT NULL,
  due_date TEXT NOT NULL,
  due_next_lesson INTEGER NOT NULL DEFAULT 0,
  minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 0 AND 600),
  publish_at TEXT NOT NULL,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((audience_kind = 'class' AND class_id IS NOT NULL AND group_id IS NULL)
      OR (audience_kind = 'group' AND group_id IS NOT NULL AND class_id IS NULL))
);
-- A class's or group's work by due day (travail à faire, the workload).
CREATE INDEX homework_class_due ON homework (class_id, due_date) WHERE class_id IS NOT NULL;
CREATE INDEX homework_group_due ON homework (group_id, due_date) WHERE group_id IS NOT NULL;
-- The work given in a lesson; the timetable re-import's "something hangs on it".
CREATE INDEX homework_lesson ON homework (lesson_id);
CREATE INDEX homework_author ON homework (author_id, due_date);

-- The files attached to a homework: a stored content (appliance/blobs.py, files/blobs/)
-- and the name it was given (a label: blobs.safe_name).
CREATE TABLE homework_attachment (
  id INTEGER PRIMARY KEY,
  homework_id INTEGER NOT NULL REFERENCES homework(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL REFERENCES blob(sha256),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX homework_attachment_homework ON homework_attachment (homework_id);
CREATE INDEX homework_attachment_sha ON homework_attachment (sha256);

-- A student's tick: they say they did this homework (their own tick only).
CREATE TABLE homework_done (
  homework_id INTEGER NOT NULL REFERENCES homework(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  done_at TEXT NOT NULL,
  PRIMARY KEY (homework_id, student_id)
) WITHOUT ROWID;
CREATE INDEX homework_done_student ON homework_done (student_id, homework_id);
