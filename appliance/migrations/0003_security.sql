-- Security (#9): throttling per account and address with a per-account hourly cap, the
-- owner's known addresses, coalesced audit entries, TOTP enrolment kept server-side and
-- single-use recovery codes.

-- Coalesced audit entries: one row per (action, actor, address, outcome, minute) for the
-- repetitive ones (refused and failed logins), with how many times it happened.
ALTER TABLE audit_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;

-- One row per password actually checked on an account (reserved before hashing), kept an
-- hour: the per-account cap counts them over any rolling hour.
CREATE TABLE login_check (
  account TEXT NOT NULL,
  at REAL NOT NULL,
  known INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_check_account ON login_check (account, at);

-- Addresses a person logged in from successfully (server-side, forgotten after
-- `security.known_address_days`): a stranger's failures elsewhere can't lock them out.
CREATE TABLE known_address (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  ip TEXT NOT NULL,
  last_login_at REAL NOT NULL,
  PRIMARY KEY (person_id, ip)
);

-- The secret of a TOTP enrolment in progress (never in the cookie).
CREATE TABLE totp_enrolment (
  person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  created_at REAL NOT NULL
);

-- Single-use recovery codes for the TOTP step, stored as SHA-256 (about 50 random bits each).
CREATE TABLE recovery_code (
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (person_id, code_hash)
);

-- Per-account counters ("acct:<login>") give way to per account-and-address ones.
DELETE FROM login_throttle WHERE key LIKE 'acct:%';

-- Recovery codes just generated, in plain text until the page shows them once (at most
-- 10 minutes): the signed cookie must not carry them.
CREATE TABLE recovery_code_reveal (
  person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  codes TEXT NOT NULL,
  created_at REAL NOT NULL
);
