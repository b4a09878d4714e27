"""Community services (#12): messages and the communication rules, the notification
timeline with its e-mails, news and class forums.

One module per concern: `notifications` (the timeline every service writes to with
`emit`), `notifications_mail` (the worker's e-mails: immediate, daily, weekly), `news`,
`forums`; the messages and their rules live beside them (`messages*`, `rules*`).
"""
