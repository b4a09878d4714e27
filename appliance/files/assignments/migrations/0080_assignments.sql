-- Devoirs à rendre (issue 14): a work a teacher gives to a class or a group, the files
-- the students hand in, the teacher's comment and corrected file, one student's extension.
-- Contents are in the content-addressed store (`blob`, appliance/blobs.py); every stored
-- content counts in its owner's quota (`file_charge`: "assignment_attachment" for the
-- teacher's files, "submission" for a student's, "submission_return" for a corrected one).
CREATE TABLE assignment (
  id INTEGER PRIMARY KEY,
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  class_id INTEGER REFERENCES school_class(id) ON DELETE CASCADE,
  group_id INTEGER REFERENCES teaching_group(id) ON DELETE CASCADE,
  subject_code TEXT NOT NULL,
  subject_label TEXT NOT NULL,
  title TEXT NOT NULL,
  instructions_html TEXT NOT NULL DEFAULT '',
  due_at TEXT NOT NULL,             -- UTC ISO; shown in the school's zone
  late_allowed INTEGER NOT NULL DEFAULT 0 CHECK (late_allowed IN (0, 1)),
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((audience_kind = 'class') = (class_id IS NOT NULL)),
  CHECK ((audience_kind = 'group') = (group_id IS NOT NULL))
);
CREATE INDEX assignment_class ON assignment (class_id, due_at);
CREATE INDEX assignment_group ON assignment (group_id, due_at);
CREATE INDEX assignment_author ON assignment (author_id, due_at);

CREATE TABLE assignment_attachment (
  id INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX assignment_attachment_of ON assignment_attachment (assignment_id);

-- One student's later due time for one work.
CREATE TABLE assignment_extension (
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  due_at TEXT NOT NULL,
  granted_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (assignment_id, student_id)
);

-- A student's hand-in: one per work and student, its files below; late when handed in
-- after the student's due time (the work's, or their extension's).
CREATE TABLE submission (
  id INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  submitted_at TEXT NOT NULL,
  late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
  comment_html TEXT NOT NULL DEFAULT '',
  returned_sha256 TEXT,
  returned_name TEXT,
  returned_size INTEGER,
  returned_at TEXT,
  returned_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  UNIQUE (assignment_id, student_id)
);
CREATE INDEX submission_student ON submission (student_id);

CREATE TABLE submission_file (
  id INTEGER PRIMARY KEY,
  submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX submission_file_of ON submission_file (submission_id);

-- What a cascade deletes (a work deleted, a class retired, a student purged) leaves no
-- space counted: the services release what they delete themselves, these catch the rest.
CREATE TRIGGER assignment_attachment_released AFTER DELETE ON assignment_attachment
BEGIN
  DELETE FROM file_charge WHERE kind = 'assignment_attachment' AND ref = CAST(OLD.id AS TEXT);
END;
CREATE TRIGGER submission_file_released AFTER DELETE ON submission_file
BEGIN
  DELETE FROM file_charge WHERE kind = 'submission' AND ref = CAST(OLD.id AS TEXT);
END;
CREATE TRIGGER submission_return_released AFTER DELETE ON submission
BEGIN
  DELETE FROM file_charge WHERE kind = 'submission_return' AND ref = CAST(OLD.id AS TEXT);
END;
