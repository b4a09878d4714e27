-- Messages (issue 12). A message is written once (`message`); each person who has it
-- holds one copy in their mailbox (`message_box`: the sender's in sent or drafts, each
-- recipient's in the inbox), with its own folder and read state. A message sent to a list
-- reaches each member once. The sender of a purged account becomes NULL: the message
-- stays with its recipients, shown as from "ancien utilisateur".
CREATE TABLE message (
  id INTEGER PRIMARY KEY,
  thread_id INTEGER,
  reply_to_id INTEGER REFERENCES message(id) ON DELETE SET NULL,
  sender_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  subject TEXT NOT NULL DEFAULT '',
  body_html TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL DEFAULT '',
  -- subject and words of the body, lower case without accents, for the search
  search_text TEXT NOT NULL DEFAULT '',
  -- the recipients see each other and may answer all (a small group, the sender's choice)
  reply_all INTEGER NOT NULL DEFAULT 0,
  recipient_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  sent_at TEXT,
  recalled_at TEXT
);
CREATE INDEX message_thread ON message (thread_id);
CREATE INDEX message_sender ON message (sender_id);

-- What the sender wrote in "À" : people and lists ("parents:class:5A"), in order.
CREATE TABLE message_address (
  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('person', 'list')),
  person_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  list_id TEXT,
  members INTEGER,
  PRIMARY KEY (message_id, position)
);
CREATE INDEX message_address_person ON message_address (person_id);

-- A person's own folders (at most 10).
CREATE TABLE message_folder (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (owner_id, name)
);

-- One copy of a message in one person's mailbox.
CREATE TABLE message_box (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  owner_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('sender', 'recipient')),
  folder TEXT NOT NULL CHECK (folder IN ('inbox', 'sent', 'drafts', 'trash', 'own')),
  folder_id INTEGER REFERENCES message_folder(id),
  -- where a copy in the trash came from (to put it back)
  trashed_from TEXT,
  trashed_at TEXT,
  read_at TEXT,
  delivered_at TEXT NOT NULL,
  UNIQUE (message_id, owner_id, role)
);
CREATE INDEX message_box_owner ON message_box (owner_id, folder, delivered_at);
CREATE INDEX message_box_message ON message_box (message_id);
CREATE INDEX message_box_trash ON message_box (trashed_at) WHERE folder = 'trash';

-- A message's files: the content is stored once in files/blobs (appliance/blobs.py).
CREATE TABLE message_attachment (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES blob(sha256),
  size INTEGER NOT NULL,
  mime TEXT NOT NULL
);
CREATE INDEX message_attachment_message ON message_attachment (message_id);
CREATE INDEX message_attachment_sha256 ON message_attachment (sha256);

-- A message nobody holds any more (every copy deleted, the people purged) is deleted,
-- with its addresses and attachments.
CREATE TRIGGER message_forgotten AFTER DELETE ON message_box
WHEN NOT EXISTS (SELECT 1 FROM message_box WHERE message_id = OLD.message_id)
BEGIN
  DELETE FROM message WHERE id = OLD.message_id;
END;
