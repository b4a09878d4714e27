-- The quota ledger: one row per stored content a person owns (a document of their space,
-- an attachment of a message they sent or of a homework they gave, a hand-in), whatever
-- the service. A person's use is the sum of their rows' sizes; a row is written in the
-- same transaction as the thing it counts (appliance/files/quota.py), so that the check
-- and the accounting cannot be separated by a parallel upload.
CREATE TABLE file_charge (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,            -- "document", "message_attachment", "homework_attachment", "submission"...
  ref TEXT NOT NULL,             -- the counted thing's id in its own table
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  created_at TEXT NOT NULL,
  UNIQUE (kind, ref)
);
CREATE INDEX file_charge_owner ON file_charge (owner_id);
