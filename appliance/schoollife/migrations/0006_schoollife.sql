-- School life (#11): the school year's calendar, the timetable's dated lessons and the
-- history of timetable imports.

-- The school year (one row): first and last day, and the Monday of an A week (NULL: the
-- first school week is an A week). Days are calendar days in the school's zone.
CREATE TABLE school_year (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  a_week TEXT,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  CHECK (start_date < end_date)
);

-- Holidays: any number of ranges of days, both ends included.
CREATE TABLE school_holiday (
  id INTEGER PRIMARY KEY,
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL,
  CHECK (from_date <= to_date)
);

-- One row per applied timetable import: which file, from which day its lessons replaced
-- the earlier ones, and how many dated lessons it created.
CREATE TABLE timetable_import (
  id INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL,
  actor TEXT,
  effective_from TEXT NOT NULL,
  file_name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('edt', 'csv')),
  sha256 TEXT,
  encoding TEXT,
  uai TEXT,
  year INTEGER,
  weekly_lessons INTEGER NOT NULL DEFAULT 0,
  lessons INTEGER NOT NULL DEFAULT 0,
  replaced INTEGER NOT NULL DEFAULT 0,
  kept INTEGER NOT NULL DEFAULT 0,
  weeks INTEGER NOT NULL DEFAULT 0,
  warnings INTEGER NOT NULL DEFAULT 0
);

-- A dated lesson. `date` (YYYY-MM-DD), `start_time` and `end_time` (HH:MM) are the
-- school's local time. The audience is a class or a group: `audience_code` is the code
-- the file gave (kept for a group the directory does not know, e.g. "AP"), `class_id` or
-- `group_id` the directory's when it knows it. `subject_code` is the file's (STS-Web)
-- code, `subject_label` its name at import time. `status`: planned, cancelled, moved
-- (shown at its new time, the old one in moved_from_*), replaced (another teacher),
-- added (an extra lesson); `note` is shown to families. `origin` says whether an import
-- made it (a later import replaces it from its --from day on) or a person added it;
-- `import_id` and `source_key` (the weekly lesson of the file it comes from) and
-- `source_line` are its provenance.
CREATE TABLE lesson (
  id INTEGER PRIMARY KEY,
  date TEXT NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  subject_code TEXT NOT NULL DEFAULT '',
  subject_label TEXT NOT NULL DEFAULT '',
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  audience_code TEXT NOT NULL,
  class_id INTEGER REFERENCES school_class(id) ON DELETE SET NULL,
  group_id INTEGER REFERENCES teaching_group(id) ON DELETE SET NULL,
  room TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'planned'
    CHECK (status IN ('planned', 'cancelled', 'moved', 'replaced', 'added')),
  note TEXT NOT NULL DEFAULT '',
  moved_from_date TEXT,
  moved_from_start TEXT,
  moved_from_end TEXT,
  moved_from_room TEXT,
  origin TEXT NOT NULL DEFAULT 'import' CHECK (origin IN ('import', 'manual')),
  import_id INTEGER REFERENCES timetable_import(id) ON DELETE SET NULL,
  source_key TEXT,
  source_line INTEGER,
  updated_at TEXT,
  CHECK (start_time < end_time),
  CHECK (class_id IS NULL OR group_id IS NULL)
);
-- A day's (or week's) lessons of the whole school, in time order; the re-import's
-- "from this day on".
CREATE INDEX lesson_date ON lesson (date, start_time);
-- A person's week through their classes and groups, a class's or group's week.
CREATE INDEX lesson_class_date ON lesson (class_id, date) WHERE class_id IS NOT NULL;
CREATE INDEX lesson_group_date ON lesson (group_id, date) WHERE group_id IS NOT NULL;
-- A room's week.
CREATE INDEX lesson_room_date ON lesson (room, date);
CREATE INDEX lesson_import ON lesson (import_id);

-- The teachers of a lesson (none, one, or several when co-teaching).
CREATE TABLE lesson_teacher (
  lesson_id INTEGER NOT NULL REFERENCES lesson(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  PRIMARY KEY (lesson_id, person_id)
) WITHOUT ROWID;
-- A teacher's week: their lessons, then each one's date through the lesson's key.
CREATE INDEX lesson_teacher_person ON lesson_teacher (person_id, lesson_id);
