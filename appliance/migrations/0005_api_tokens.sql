-- Personal access tokens of the JSON API (#11): `Authorization: Bearer TOKEN` acts as the
-- person. The token is shown once at creation; only its SHA-256 is kept (see
-- appliance/security/tokens.py). Revoking deletes the row; the audit log keeps the story.
CREATE TABLE api_token (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  -- Written at most once a minute per token, so that a call does not cost a write.
  last_used_at TEXT,
  last_used_ip TEXT,
  -- UTC ISO time after which the token answers 401; NULL: until revoked.
  expires_at TEXT
);
CREATE INDEX api_token_person ON api_token (person_id);
