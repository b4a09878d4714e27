"""Devoirs à rendre (issue 14): a work a teacher hands out and the files students hand in.

- `works`: a work given to a class or a group (title, subject, instructions in safe rich
  text, the teacher's files, a due time in the school's zone, late hand-ins accepted or
  not), read as the policy's target, listed for its teacher, its students and parents.
- `handins`: a student's hand-in (one or more files, replaced until the due time), the
  teacher's follow-up (handed in, late, missing), one student's extension, the teacher's
  comment and corrected file, the ZIP of every hand-in (one folder per student).
- `export`: a person's works and hand-ins for their RGPD export.
- `demo`: the demo school's works.

Every stored file counts in its owner's quota (`appliance/files/quota.py`), charged in the
transaction that records it; contents are in the content-addressed store
(`appliance/blobs.py`). Services ask no policy: the views and the API do (`Feature.rules`).
"""
