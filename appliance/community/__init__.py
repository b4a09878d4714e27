"""The community room (issue 12): messages and the communication rules (who may write to
whom); notifications, news and forums join it.

- `rules`: the one table of communication rules (SQLite `comm_rule`), shown, changed and
  audited; `may_write_to` and `check` are the policy's answer to "may A write to B"
  (`refusals`: the error naming the rule; `words`: the scopes and names in words).
- `recipients`: people and lists ("parents de 5A") a sender may use, resolved to people.
- `compose`: drafts, sending (attachments through `appliance.blobs`), replies; `recall`;
  `mailbox`: folders' contents, reading, moving, the trash, search; `folders`: a person's
  own folders; `export`: the RGPD export's `messages.json`; `demo`: the demo's messages.
- `hooks`: where a sent or recalled message would notify its recipients.
"""
