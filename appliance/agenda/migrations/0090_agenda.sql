-- The agenda (issue 14): each person's own events and the school calendar.
--
-- A personal event belongs to its owner (`owner_id`, purged with them); a school event
-- (councils, meetings, trips) has no owner, is written by staff (`author_id`, kept as
-- "ancien utilisateur" when they leave) and is read by its audience (`agenda_audience`).
-- Timed events keep their start and end as UTC ISO times (`start_at`, `end_at`); every
-- event also has its first and last local day (`start_day`, `end_day`: an all-day
-- event's days, a timed one's in the school's zone), which is what a range reads. A
-- weekly event repeats, same weekday and local time, up to `repeat_until` (a local day,
-- included).
CREATE TABLE agenda_event (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('personal', 'school')),
  owner_id INTEGER REFERENCES person(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  place TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1)),
  start_day TEXT NOT NULL,
  end_day TEXT NOT NULL,
  start_at TEXT,
  end_at TEXT,
  repeat TEXT CHECK (repeat IS NULL OR repeat = 'weekly'),
  repeat_until TEXT,
  -- the last local day of the last occurrence: what a range reads with start_day
  last_day TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((kind = 'personal') = (owner_id IS NOT NULL)),
  CHECK (end_day >= start_day AND last_day >= end_day),
  CHECK (all_day = 1 OR (start_at IS NOT NULL AND end_at IS NOT NULL)),
  CHECK ((repeat IS NULL) = (repeat_until IS NULL))
);
-- A person's events of a range; the school's of a range.
CREATE INDEX agenda_event_owner ON agenda_event (owner_id, last_day);
CREATE INDEX agenda_event_school ON agenda_event (kind, last_day);

-- Who reads a school event: "all", "profile:<profile>", "students:class:<code>",
-- "parents:class:<code>", "teachers:class:<code>" and the same with "group:".
CREATE TABLE agenda_audience (
  event_id INTEGER NOT NULL REFERENCES agenda_event(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  PRIMARY KEY (event_id, target)
);
CREATE INDEX agenda_audience_target ON agenda_audience (target, event_id);
