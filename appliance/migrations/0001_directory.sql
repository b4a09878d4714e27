-- The school, its people and their links; sessions, throttling and the audit log.
CREATE TABLE school (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  uai TEXT NOT NULL,
  name TEXT NOT NULL,
  portal_url TEXT NOT NULL DEFAULT '',
  school_year INTEGER
);

CREATE TABLE person (
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  profile TEXT NOT NULL CHECK (profile IN ('student','teacher','relative','staff','guest','admin')),
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','departed','disabled')),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  birth_date TEXT,
  email TEXT,
  function TEXT,
  password_hash TEXT,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  totp_secret TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  expires_on TEXT,
  departed_on TEXT,
  disabled_on TEXT,
  locale TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT
);
CREATE INDEX person_profile_state ON person (profile, state);
CREATE INDEX person_names ON person (last_name, first_name);

-- Logins of purged people stay reserved while any of their data may still exist.
CREATE TABLE retired_login (
  login TEXT PRIMARY KEY,
  retired_at TEXT NOT NULL
);

CREATE TABLE external_id (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (source, value)
);
CREATE INDEX external_id_person ON external_id (person_id);

CREATE TABLE school_class (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  level TEXT,
  retired_at TEXT
);

CREATE TABLE teaching_group (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  retired_at TEXT
);

CREATE TABLE class_membership (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES school_class(id) ON DELETE CASCADE,
  PRIMARY KEY (person_id, class_id)
);
CREATE INDEX class_membership_class ON class_membership (class_id);

CREATE TABLE group_membership (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES teaching_group(id) ON DELETE CASCADE,
  PRIMARY KEY (person_id, group_id)
);
CREATE INDEX group_membership_group ON group_membership (group_id);

-- level: 1 = legal guardian (responsable légal), 2 = financial, 3+ = contact only.
CREATE TABLE guardian_link (
  guardian_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  level INTEGER NOT NULL DEFAULT 1,
  relationship TEXT,
  PRIMARY KEY (guardian_id, student_id)
);
CREATE INDEX guardian_link_student ON guardian_link (student_id);

CREATE TABLE subject (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL
);

-- Which teacher teaches what to which class or group (exactly one of the two).
CREATE TABLE teaching (
  id INTEGER PRIMARY KEY,
  teacher_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  class_id INTEGER REFERENCES school_class(id) ON DELETE CASCADE,
  group_id INTEGER REFERENCES teaching_group(id) ON DELETE CASCADE,
  subject_code TEXT REFERENCES subject(code),
  head_teacher INTEGER NOT NULL DEFAULT 0,
  CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX teaching_teacher ON teaching (teacher_id);
CREATE UNIQUE INDEX teaching_unique ON teaching
  (teacher_id, coalesce(class_id, 0), coalesce(group_id, 0), coalesce(subject_code, ''), head_teacher);

-- Server-side sessions: the cookie carries a random id, the table its SHA-256.
CREATE TABLE web_session (
  id_hash TEXT PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  created_at REAL NOT NULL,
  last_seen_at REAL NOT NULL,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX web_session_person ON web_session (person_id);

-- Failed-login counters, per account ("acct:<login>") and per address ("ip:<addr>").
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  window_start REAL NOT NULL,
  window_failures INTEGER NOT NULL DEFAULT 0,
  last_failure_at REAL NOT NULL,
  blocked_until REAL NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor_id INTEGER,
  actor_login TEXT,
  ip TEXT,
  action TEXT NOT NULL,
  target TEXT,
  outcome TEXT NOT NULL DEFAULT 'ok',
  details TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_actor ON audit_log (actor_login);
