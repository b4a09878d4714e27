-- The mailbox's counts without reading every copy (issue 12's inbox of 5,000 messages):
-- how many copies each of a person's folders holds and how many of them are unread,
-- kept by triggers on message_box. `box` is the folder's key as `mailbox.counts` gives
-- it: inbox, sent, drafts, trash, or an own folder's id. A row goes when its last copy
-- goes (no key to person: a purged person's copies take their rows with them).
CREATE TABLE message_tally (
  owner_id INTEGER NOT NULL,
  box TEXT NOT NULL,
  copies INTEGER NOT NULL,
  unread INTEGER NOT NULL,
  PRIMARY KEY (owner_id, box)
) WITHOUT ROWID;

INSERT INTO message_tally (owner_id, box, copies, unread)
SELECT owner_id,
       CASE WHEN folder = 'own' THEN coalesce(CAST(folder_id AS TEXT), 'own') ELSE folder END,
       count(*), sum(role = 'recipient' AND read_at IS NULL)
FROM message_box GROUP BY 1, 2;

CREATE TRIGGER message_tally_insert AFTER INSERT ON message_box
BEGIN
  INSERT INTO message_tally (owner_id, box, copies, unread)
  VALUES (NEW.owner_id,
          CASE WHEN NEW.folder = 'own' THEN coalesce(CAST(NEW.folder_id AS TEXT), 'own')
               ELSE NEW.folder END,
          1, NEW.role = 'recipient' AND NEW.read_at IS NULL)
  ON CONFLICT (owner_id, box) DO UPDATE SET copies = copies + 1,
    unread = unread + excluded.unread;
END;

CREATE TRIGGER message_tally_delete AFTER DELETE ON message_box
BEGIN
  UPDATE message_tally SET copies = copies - 1,
    unread = unread - (OLD.role = 'recipient' AND OLD.read_at IS NULL)
  WHERE owner_id = OLD.owner_id AND box = CASE WHEN OLD.folder = 'own'
    THEN coalesce(CAST(OLD.folder_id AS TEXT), 'own') ELSE OLD.folder END;
  DELETE FROM message_tally WHERE owner_id = OLD.owner_id AND copies <= 0;
END;

CREATE TRIGGER message_tally_update AFTER UPDATE OF owner_id, role, folder, folder_id, read_at
ON message_box
BEGIN
  UPDATE message_tally SET copies = copies - 1,
    unread = unread - (OLD.role = 'recipient' AND OLD.read_at IS NULL)
  WHERE owner_id = OLD.owner_id AND box = CASE WHEN OLD.folder = 'own'
    THEN coalesce(CAST(OLD.folder_id AS TEXT), 'own') ELSE OLD.folder END;
  INSERT INTO message_tally (owner_id, box, copies, unread)
  VALUES (NEW.owner_id,
          CASE WHEN NEW.folder = 'own' THEN coalesce(CAST(NEW.folder_id AS TEXT), 'own')
               ELSE NEW.folder END,
          1, NEW.role = 'recipient' AND NEW.read_at IS NULL)
  ON CONFLICT (owner_id, box) DO UPDATE SET copies = copies + 1,
    unread = unread + excluded.unread;
  DELETE FROM message_tally WHERE owner_id = OLD.owner_id AND copies <= 0;
END;

-- A folder's page, newest first, read from the index in its order: the first page stops
-- after its 25 copies instead of sorting the whole folder (replaces message_box_owner).
CREATE INDEX message_box_listing ON message_box (owner_id, folder, delivered_at, message_id);
DROP INDEX message_box_owner;

-- The unread notifications of each person (the badge of every page), kept the same way:
-- a person with none has no row.
CREATE TABLE notification_tally (
  person_id INTEGER PRIMARY KEY,
  unread INTEGER NOT NULL
);

INSERT INTO notification_tally (person_id, unread)
SELECT person_id, count(*) FROM notification WHERE read_at IS NULL GROUP BY person_id;

CREATE TRIGGER notification_tally_insert AFTER INSERT ON notification
WHEN NEW.read_at IS NULL
BEGIN
  INSERT INTO notification_tally (person_id, unread) VALUES (NEW.person_id, 1)
  ON CONFLICT (person_id) DO UPDATE SET unread = unread + 1;
END;

CREATE TRIGGER notification_tally_delete AFTER DELETE ON notification
WHEN OLD.read_at IS NULL
BEGIN
  UPDATE notification_tally SET unread = unread - 1 WHERE person_id = OLD.person_id;
  DELETE FROM notification_tally WHERE person_id = OLD.person_id AND unread <= 0;
END;

CREATE TRIGGER notification_tally_update AFTER UPDATE OF person_id, read_at ON notification
WHEN (OLD.read_at IS NULL) != (NEW.read_at IS NULL) OR OLD.person_id != NEW.person_id
BEGIN
  UPDATE notification_tally SET unread = unread - 1
  WHERE person_id = OLD.person_id AND OLD.read_at IS NULL;
  INSERT INTO notification_tally (person_id, unread)
  SELECT NEW.person_id, 1 WHERE NEW.read_at IS NULL
  ON CONFLICT (person_id) DO UPDATE SET unread = unread + 1;
  DELETE FROM notification_tally WHERE person_id = OLD.person_id AND unread <= 0;
END;
