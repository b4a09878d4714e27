-- Class and group forums (#12): opened by a teacher of the class or group; its students
-- and teachers take part; its teachers moderate (hide a message with a reason, lock a
-- subject). Messages of a purged person stay, shown as from a former user.
CREATE TABLE forum (
  id INTEGER PRIMARY KEY,
  class_id INTEGER REFERENCES school_class(id) ON DELETE CASCADE,
  group_id INTEGER REFERENCES teaching_group(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  created_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX forum_class ON forum (class_id);
CREATE INDEX forum_group ON forum (group_id);

CREATE TABLE forum_topic (
  id INTEGER PRIMARY KEY,
  forum_id INTEGER NOT NULL REFERENCES forum(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  last_post_at TEXT NOT NULL,
  posts INTEGER NOT NULL DEFAULT 0,
  locked_at TEXT,
  locked_by INTEGER REFERENCES person(id) ON DELETE SET NULL
);
CREATE INDEX forum_topic_forum ON forum_topic (forum_id, last_post_at);

CREATE TABLE forum_post (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL REFERENCES forum_topic(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  hidden_at TEXT,
  hidden_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  hidden_reason TEXT
);
CREATE INDEX forum_post_topic ON forum_post (topic_id, id);
CREATE INDEX forum_post_author ON forum_post (author_id);
