"""Numbered migrations of metrics.db (`0001_name.sql`), run by `appliance.db.migrate`."""
