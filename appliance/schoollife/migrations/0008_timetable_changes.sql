-- Timetable changes and iCal feeds (#11).

-- The teachers a lesson had before it was given to a replacement (JSON list of person
-- ids, set on the first replacement), so that "restore as planned" brings them back.
ALTER TABLE lesson ADD COLUMN planned_teachers TEXT;

-- A day's (or week's) lessons that were moved away from it: shown at their old place
-- ("déplacé au jeudi") as well as at their new one.
CREATE INDEX lesson_moved_from ON lesson (moved_from_date) WHERE moved_from_date IS NOT NULL;

-- A person's secret calendar feed (/ical/<secret>.ics): one per person, only the
-- SHA-256 of the secret is kept; creating a new one replaces the old one (which stops),
-- revoking deletes the row.
CREATE TABLE ical_feed (
  person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_fetched_at TEXT
);

-- A number that changes with the timetable (a change, an import, the year set): pages
-- that keep what they showed in memory (the home's lessons, shared by the students of a
-- class) compare it, one indexed read, before using what they kept.
CREATE TABLE timetable_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO timetable_version (id, version) VALUES (1, 0);
