-- Roll call and absences (#13): a guardian's excuse (justificatif) for an absence or a
-- lateness: a text, the reason they give, an optional document (a stored content,
-- appliance/blobs.py), which the vie scolaire accepts (the event is then justified with
-- that reason) or refuses.
CREATE TABLE attendance_excuse (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES attendance_event(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  text TEXT NOT NULL,
  reason_code TEXT REFERENCES attendance_reason(code),
  document_sha256 TEXT,
  document_name TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused')),
  sent_at TEXT NOT NULL,
  decided_at TEXT,
  decided_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  decision_comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attendance_excuse_event ON attendance_excuse (event_id);
CREATE INDEX attendance_excuse_pending ON attendance_excuse (sent_at) WHERE status = 'pending';
CREATE INDEX attendance_excuse_author ON attendance_excuse (author_id);
CREATE INDEX attendance_excuse_decided_by ON attendance_excuse (decided_by);
CREATE INDEX attendance_excuse_document ON attendance_excuse (document_sha256);

-- Roll call and absences (#13): the monthly alerts already sent. A student with four or
-- more complete half-days without an admissible reason in a calendar month is listed on
-- the "signalements" page (computed from the roll calls, never stored); this row
-- remembers that the vie scolaire and the head teacher were notified for that month, so
-- that they are told once. It goes when the count falls below the threshold (reasons
-- accepted), so that crossing it again tells them again.
CREATE TABLE attendance_alert_notice (
  student_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  month TEXT NOT NULL CHECK (length(month) = 7),
  notified_at TEXT NOT NULL,
  complete_unjustified INTEGER NOT NULL,
  PRIMARY KEY (student_id, month)
) WITHOUT ROWID;
