-- The direction's visa on a teacher's cahier de textes for a class or a group (circulaire
-- 2010-136): a dated endorsement with a comment, shown in the cahier. `visa_date` is the
-- school's calendar day it was given (it covers the cahier up to that day). A purged
-- account leaves its visas without a name (ON DELETE SET NULL): the visa stays.
CREATE TABLE diary_visa (
  id INTEGER PRIMARY KEY,
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group')),
  class_id INTEGER REFERENCES school_class(id),
  group_id INTEGER REFERENCES teaching_group(id),
  teacher_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  visa_date TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  director_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  CHECK ((audience_kind = 'class' AND class_id IS NOT NULL AND group_id IS NULL)
      OR (audience_kind = 'group' AND group_id IS NOT NULL AND class_id IS NULL))
);
CREATE INDEX diary_visa_class ON diary_visa (class_id, visa_date) WHERE class_id IS NOT NULL;
CREATE INDEX diary_visa_group ON diary_visa (group_id, visa_date) WHERE group_id IS NOT NULL;
