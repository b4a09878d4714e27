-- The communication rules (issue 12): who may write to whom, one row per pair of
-- profiles. `allowed` 0 refuses; 1 allows within `scope` (a relation between the writer
-- and the person written to, computed by appliance/security/relations.py; `school`:
-- anyone). Changed by `cartable comm-rules set` and the admin page, each change audited.
CREATE TABLE comm_rule (
  from_profile TEXT NOT NULL
    CHECK (from_profile IN ('student','relative','teacher','staff','guest','admin')),
  to_profile TEXT NOT NULL
    CHECK (to_profile IN ('student','relative','teacher','staff','guest','admin')),
  allowed INTEGER NOT NULL CHECK (allowed IN (0, 1)),
  scope TEXT,
  updated_at TEXT,
  PRIMARY KEY (from_profile, to_profile),
  CHECK ((allowed = 1) = (scope IS NOT NULL))
) WITHOUT ROWID;

-- The defaults of the issue, stricter than the regional ENTs.
INSERT INTO comm_rule (from_profile, to_profile, allowed, scope) VALUES
  ('student', 'student', 0, NULL),
  ('student', 'relative', 1, 'own_parents'),
  ('student', 'teacher', 1, 'own_teachers'),
  ('student', 'staff', 1, 'school_life'),
  ('student', 'guest', 0, NULL),
  ('student', 'admin', 0, NULL),
  ('relative', 'student', 1, 'own_children'),
  ('relative', 'relative', 0, NULL),
  ('relative', 'teacher', 1, 'children_teachers'),
  ('relative', 'staff', 1, 'school_life'),
  ('relative', 'guest', 0, NULL),
  ('relative', 'admin', 0, NULL),
  ('teacher', 'student', 1, 'taught_students'),
  ('teacher', 'relative', 1, 'parents_of_taught'),
  ('teacher', 'teacher', 1, 'school'),
  ('teacher', 'staff', 1, 'school'),
  ('teacher', 'guest', 0, NULL),
  ('teacher', 'admin', 1, 'school'),
  ('staff', 'student', 1, 'school'),
  ('staff', 'relative', 1, 'school'),
  ('staff', 'teacher', 1, 'school'),
  ('staff', 'staff', 1, 'school'),
  ('staff', 'guest', 1, 'school'),
  ('staff', 'admin', 1, 'school'),
  ('guest', 'student', 0, NULL),
  ('guest', 'relative', 0, NULL),
  ('guest', 'teacher', 1, 'school'),
  ('guest', 'staff', 1, 'school'),
  ('guest', 'guest', 0, NULL),
  ('guest', 'admin', 0, NULL),
  ('admin', 'student', 1, 'school'),
  ('admin', 'relative', 1, 'school'),
  ('admin', 'teacher', 1, 'school'),
  ('admin', 'staff', 1, 'school'),
  ('admin', 'guest', 1, 'school'),
  ('admin', 'admin', 1, 'school');
