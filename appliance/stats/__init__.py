"""Usage statistics (issue 14): per day × service × profile, visits and distinct people,
counted in the web process's memory and stored as aggregates only (never who did what).

- `taxonomy`: the national names of the services and profiles;
- `counting`: the in-memory counter a web request feeds, flushed every minute;
- `usage`: the stored aggregates read back (page, API, CLI), activated vs imported accounts;
- `charts`: the bar charts of the page (the line chart is `appliance.health.chart`'s).
"""
