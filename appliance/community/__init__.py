"""The community room (issue 12): messages and the communication rules (who may write to
whom); notifications, news and forums join it.

- `rules`: the one table of communication rules (SQLite `comm_rule`), shown, changed and
  audited; `may_write_to` and `check` are the policy's answer to "may A write to B".
- `recipients`: people and lists ("parents de 5A") a sender may use, resolved to people.
- `messages`: folders, threads, drafts, sending, reading, recall, search; `folders`: a
  person's own folders; `attachments`: a message's files (`appliance.blobs`).
- `hooks`: where a sent or recalled message would notify its recipients.
"""
