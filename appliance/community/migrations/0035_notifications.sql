-- The notification timeline (#12): one row per person and event (a new message, homework,
-- a lesson moved, news, a forum reply…), written by `notifications.emit`.
-- The e-mail of an entry: mail_frequency is the person's choice when it was written
-- (immediate, daily, weekly; NULL: no mail), mail_due_at when it goes (epoch seconds:
-- quiet hours and digests push it; reckoned by the worker), mail_sent_at set in the same transaction that claims
-- it (so an entry is never mailed twice), mail_error when it was given up.
CREATE TABLE notification (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  created_at TEXT NOT NULL,
  actor_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  text TEXT NOT NULL,
  link TEXT NOT NULL,
  ref TEXT,
  read_at TEXT,
  mail_frequency TEXT CHECK (mail_frequency IN ('immediate', 'daily', 'weekly')),
  mail_due_at INTEGER,
  mail_sent_at INTEGER,
  mail_attempts INTEGER NOT NULL DEFAULT 0,
  mail_error TEXT
);
CREATE INDEX notification_timeline ON notification (person_id, id);
-- The unread count shown on every page: one probe of this index.
CREATE INDEX notification_unread ON notification (person_id) WHERE read_at IS NULL;
CREATE INDEX notification_mail_due ON notification (mail_due_at)
  WHERE mail_due_at IS NOT NULL AND mail_sent_at IS NULL;
-- Entries whose mail's time is still to be reckoned (by the worker, from its settings).
CREATE INDEX notification_mail_new ON notification (id)
  WHERE mail_frequency IS NOT NULL AND mail_due_at IS NULL;
CREATE INDEX notification_ref ON notification (ref) WHERE ref IS NOT NULL;
CREATE INDEX notification_actor ON notification (actor_id) WHERE actor_id IS NOT NULL;

-- A person's own e-mail frequency for a type (only the ones changed from the defaults).
CREATE TABLE notification_setting (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  frequency TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly', 'never')),
  PRIMARY KEY (person_id, type)
);

-- The address notifications go to, when the person chose one on Mon compte (or the
-- technician set one): `address` is in use ('' = no e-mail wanted), NULL means the
-- directory's (person.email, from an import: counted as confirmed); `pending` waits for
-- its confirmation link, mailed by the worker (pending_sent_at: claimed and sent;
-- pending_retry_at: the relay failed, try again then).
CREATE TABLE notification_address (
  person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  address TEXT,
  confirmed_at TEXT,
  pending TEXT,
  pending_at TEXT,
  pending_sent_at INTEGER,
  pending_retry_at INTEGER
);
CREATE INDEX notification_address_pending ON notification_address (person_id)
  WHERE pending IS NOT NULL AND pending_sent_at IS NULL;
