-- News (actualités, #12): written by staff and teachers, published by the direction or a
-- granted publisher, shown to their audience between publish_from and expires_at.
-- A news item stays when its author is purged (shown as from a former user); a draft
-- goes with them (the trigger below).
CREATE TABLE news (
  id INTEGER PRIMARY KEY,
  author_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  image_sha256 TEXT REFERENCES blob(sha256),
  image_name TEXT,
  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
  pinned INTEGER NOT NULL DEFAULT 0,
  publish_from TEXT,
  expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  published_at TEXT,
  published_by INTEGER REFERENCES person(id) ON DELETE SET NULL,
  -- set once the audience was notified (a news item published ahead is notified when
  -- its publication date comes)
  notified_at TEXT
);
CREATE INDEX news_state ON news (state, publish_from);
CREATE INDEX news_author ON news (author_id);

-- Who a news item is for, one row per target: "all", "profile:relative",
-- "students:class:5A", "parents:class:5A", "students:group:LATIN", "parents:group:LATIN".
CREATE TABLE news_audience (
  news_id INTEGER NOT NULL REFERENCES news(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  PRIMARY KEY (news_id, target)
);
CREATE INDEX news_audience_target ON news_audience (target, news_id);

-- People the technician granted the right to publish news (beside the direction).
CREATE TABLE news_publisher (
  person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
  granted_at TEXT NOT NULL,
  granted_by TEXT NOT NULL
);

CREATE TRIGGER news_drafts_go_with_their_author BEFORE DELETE ON person
BEGIN
  DELETE FROM news WHERE author_id = OLD.id AND state = 'draft';
END;
