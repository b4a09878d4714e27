-- Documents (issue 14): each person's space, and each class's and group's folder, as a
-- tree of folders and files. A name is only a label (the content is the blob named by its
-- SHA-256, `appliance/blobs.py`): it never reaches the disk.
--
-- A space is (space_kind, space_id): "person" and a person's id, "class" and a class's,
-- "group" and a group's. Each space has one root folder (parent_id NULL), made the first
-- time the space is opened. owner_id is who put the node there: a file counts in that
-- person's quota (`file_charge`, kind "document", ref the node's id).
CREATE TABLE file_node (
  id INTEGER PRIMARY KEY,
  space_kind TEXT NOT NULL CHECK (space_kind IN ('person', 'class', 'group')),
  space_id INTEGER NOT NULL,
  parent_id INTEGER REFERENCES file_node(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,         -- the name folded (case, accents): order and uniqueness
  sha256 TEXT REFERENCES blob(sha256),
  size INTEGER NOT NULL DEFAULT 0,
  mime TEXT,
  -- NULL: a class's root, or the thing of a person since purged (a class's documents stay
  -- the class's when their teacher leaves; a personal space goes with its person)
  owner_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  parents_read INTEGER NOT NULL DEFAULT 0,  -- a class folder the class's parents read too
  created_at TEXT NOT NULL,
  modified_at TEXT NOT NULL,
  trashed_at TEXT,                -- in the trash since (the node and all it holds)
  trashed_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  CHECK ((kind = 'file') = (sha256 IS NOT NULL))
);
-- One root per space; the folder listing: one indexed range, folders first, by name.
CREATE UNIQUE INDEX file_node_root ON file_node (space_kind, space_id) WHERE parent_id IS NULL;
CREATE INDEX file_node_children ON file_node (parent_id, trashed_at, kind DESC, name_key, id);
-- Two live things of a folder never have the same name.
CREATE UNIQUE INDEX file_node_name ON file_node (parent_id, name_key) WHERE trashed_at IS NULL;
CREATE INDEX file_node_owner ON file_node (owner_id);
CREATE INDEX file_node_sha256 ON file_node (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX file_node_trash ON file_node (trashed_at) WHERE trashed_at IS NOT NULL;

-- Read-only shares of a file or folder: with a class, a group or a person.
CREATE TABLE file_share (
  node_id INTEGER NOT NULL REFERENCES file_node(id) ON DELETE CASCADE,
  audience_kind TEXT NOT NULL CHECK (audience_kind IN ('class', 'group', 'person')),
  audience_id INTEGER NOT NULL,
  shared_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (node_id, audience_kind, audience_id)
);
CREATE INDEX file_share_audience ON file_share (audience_kind, audience_id);

-- A person purged: the shares with them go too (audience_id is not a foreign key).
CREATE TRIGGER file_share_person_gone AFTER DELETE ON person
BEGIN
  DELETE FROM file_share WHERE audience_kind = 'person' AND audience_id = OLD.id;
  DELETE FROM file_node WHERE space_kind = 'person' AND space_id = OLD.id;
END;
CREATE TRIGGER file_space_class_gone AFTER DELETE ON school_class
BEGIN
  DELETE FROM file_share WHERE audience_kind = 'class' AND audience_id = OLD.id;
  DELETE FROM file_node WHERE space_kind = 'class' AND space_id = OLD.id;
END;
CREATE TRIGGER file_space_group_gone AFTER DELETE ON teaching_group
BEGIN
  DELETE FROM file_share WHERE audience_kind = 'group' AND audience_id = OLD.id;
  DELETE FROM file_node WHERE space_kind = 'group' AND space_id = OLD.id;
END;

-- Whatever deletes a stored thing for good (the trash's purge, a folder's cascade, a
-- message's last copy, a homework deleted), its space is freed in the same transaction.
CREATE TRIGGER file_node_released AFTER DELETE ON file_node WHEN OLD.kind = 'file'
BEGIN
  DELETE FROM file_charge WHERE kind = 'document' AND ref = CAST(OLD.id AS TEXT);
END;
CREATE TRIGGER message_attachment_released AFTER DELETE ON message_attachment
BEGIN
  DELETE FROM file_charge WHERE kind = 'message_attachment' AND ref = CAST(OLD.id AS TEXT);
END;
CREATE TRIGGER homework_attachment_released AFTER DELETE ON homework_attachment
BEGIN
  DELETE FROM file_charge WHERE kind = 'homework_attachment' AND ref = CAST(OLD.id AS TEXT);
END;

-- Each person's total, kept by the ledger's triggers in the charging transaction: the bar
-- of every page reads one row instead of summing a person's thousands of charges.
CREATE TABLE file_usage (
  owner_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  bytes INTEGER NOT NULL DEFAULT 0
);
INSERT INTO file_usage (owner_id, bytes)
  SELECT owner_id, SUM(bytes) FROM file_charge GROUP BY owner_id;
CREATE TRIGGER file_usage_charged AFTER INSERT ON file_charge
BEGIN
  INSERT INTO file_usage (owner_id, bytes) VALUES (NEW.owner_id, NEW.bytes)
    ON CONFLICT (owner_id) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER file_usage_released AFTER DELETE ON file_charge
BEGIN
  UPDATE file_usage SET bytes = bytes - OLD.bytes WHERE owner_id = OLD.owner_id;
END;
CREATE TRIGGER file_usage_moved AFTER UPDATE OF owner_id, bytes ON file_charge
BEGIN
  UPDATE file_usage SET bytes = bytes - OLD.bytes WHERE owner_id = OLD.owner_id;
  INSERT INTO file_usage (owner_id, bytes) VALUES (NEW.owner_id, NEW.bytes)
    ON CONFLICT (owner_id) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
