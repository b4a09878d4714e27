-- Stored contents (attachments, documents, hand-ins): one file per distinct content under
-- files/blobs/, named by its SHA-256; a row per content. The rows that use a content
-- (a homework's attachment, a message's, a document) name it by sha256; features declare
-- those columns (`Feature.blob_refs`) and the weekly clean-up removes what none uses.
CREATE TABLE blob (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  created_at TEXT NOT NULL
);
