-- Grades and report cards (#13): the year's periods, assessments and their marks, the
-- report cards' appraisals, and since when each student is in each class or group.

-- The periods of the year (trimesters or semesters), in order. Days are the school's
-- calendar days, both ends included. `entry_end`: the last day teachers enter marks;
-- `council_date`: the class council (NULL: not set). A locked period (`locked_at`)
-- refuses any change to its marks and appraisals. `version` changes with every write to
-- the period's assessments and marks (and to the classes' members): the read cache of
-- averages (appliance/schoollife/grades/book.py) is valid while it is the same.
CREATE TABLE grade_period (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('trimester', 'semester')),
  position INTEGER NOT NULL UNIQUE,
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL,
  entry_end TEXT NOT NULL,
  council_date TEXT,
  locked_at TEXT,
  locked_by TEXT,
  version TEXT NOT NULL DEFAULT (lower(hex(randomblob(8)))),
  CHECK (from_date <= to_date)
);

-- An assessment (devoir) of a class or a group in a subject. `out_of` is the scale (1 to
-- 100), `coefficient` a decimal written as text ("1", "0.5"), `publish_at` the UTC time
-- from which families see its marks. `period_id` follows from `date`.
CREATE TABLE assessment (
  id INTEGER PRIMARY KEY,
  period_id INTEGER NOT NULL REFERENCES grade_period(id),
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  class_id INTEGER REFERENCES school_class(id) ON DELETE CASCADE,
  group_id INTEGER REFERENCES teaching_group(id) ON DELETE CASCADE,
  subject_code TEXT NOT NULL REFERENCES subject(code),
  teacher_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  date TEXT NOT NULL,
  out_of INTEGER NOT NULL CHECK (out_of BETWEEN 1 AND 100),
  coefficient TEXT NOT NULL,
  publish_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((audience_kind = 'class') = (class_id IS NOT NULL)),
  CHECK ((audience_kind = 'group') = (group_id IS NOT NULL))
);
CREATE INDEX assessment_period ON assessment (period_id, subject_code);
CREATE INDEX assessment_class ON assessment (class_id, subject_code, date) WHERE class_id IS NOT NULL;
CREATE INDEX assessment_group ON assessment (group_id, subject_code, date) WHERE group_id IS NOT NULL;

-- A student's mark: a number within the scale, as text ("14.5"), or a code: abs, disp,
-- nn (never counted), nr (counted as 0 only with grades.non_rendu_counts_zero).
CREATE TABLE grade_mark (
  assessment_id INTEGER NOT NULL REFERENCES assessment(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (assessment_id, student_id)
) WITHOUT ROWID;
CREATE INDEX grade_mark_student ON grade_mark (student_id, assessment_id);

-- The report card's appraisals: a subject teacher's (subject_code) or the head
-- teacher's general one (subject_code '').
CREATE TABLE grade_appraisal (
  period_id INTEGER NOT NULL REFERENCES grade_period(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  subject_code TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (period_id, student_id, subject_code)
) WITHOUT ROWID;

-- Since when (a UTC day) a student is in a class or a group, for "a student who joined
-- after the assessment has no line in it". Written by the triggers below as members come
-- and go; only once the school has assessments (members before that, and those present
-- when this table was made, have no row: in the class from the start).
CREATE TABLE membership_since (
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  audience_id INTEGER NOT NULL,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  since TEXT NOT NULL,
  PRIMARY KEY (audience_kind, audience_id, person_id)
) WITHOUT ROWID;

CREATE TRIGGER membership_since_class_in AFTER INSERT ON class_membership
WHEN EXISTS (SELECT 1 FROM assessment)
BEGIN
  INSERT OR REPLACE INTO membership_since VALUES ('class', NEW.class_id, NEW.person_id, date('now'));
  UPDATE grade_period SET version = lower(hex(randomblob(8)));
END;
CREATE TRIGGER membership_since_class_out AFTER DELETE ON class_membership
BEGIN
  DELETE FROM membership_since
    WHERE audience_kind = 'class' AND audience_id = OLD.class_id AND person_id = OLD.person_id;
  UPDATE grade_period SET version = lower(hex(randomblob(8)));
END;
CREATE TRIGGER membership_since_group_in AFTER INSERT ON group_membership
WHEN EXISTS (SELECT 1 FROM assessment)
BEGIN
  INSERT OR REPLACE INTO membership_since VALUES ('group', NEW.group_id, NEW.person_id, date('now'));
  UPDATE grade_period SET version = lower(hex(randomblob(8)));
END;
CREATE TRIGGER membership_since_group_out AFTER DELETE ON group_membership
BEGIN
  DELETE FROM membership_since
    WHERE audience_kind = 'group' AND audience_id = OLD.group_id AND person_id = OLD.person_id;
  UPDATE grade_period SET version = lower(hex(randomblob(8)));
END;

-- Every write to an assessment or a mark makes its period's version new.
CREATE TRIGGER assessment_version_in AFTER INSERT ON assessment
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8))) WHERE id = NEW.period_id;
END;
CREATE TRIGGER assessment_version_up AFTER UPDATE ON assessment
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8)))
    WHERE id IN (OLD.period_id, NEW.period_id);
END;
CREATE TRIGGER assessment_version_out AFTER DELETE ON assessment
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8))) WHERE id = OLD.period_id;
END;
CREATE TRIGGER grade_mark_version_in AFTER INSERT ON grade_mark
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8)))
    WHERE id = (SELECT period_id FROM assessment WHERE id = NEW.assessment_id);
END;
CREATE TRIGGER grade_mark_version_up AFTER UPDATE ON grade_mark
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8)))
    WHERE id = (SELECT period_id FROM assessment WHERE id = NEW.assessment_id);
END;
CREATE TRIGGER grade_mark_version_out AFTER DELETE ON grade_mark
BEGIN
  UPDATE grade_period SET version = lower(hex(randomblob(8)))
    WHERE id = (SELECT period_id FROM assessment WHERE id = OLD.assessment_id);
END;
