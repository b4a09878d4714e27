"""Numbered SQL migrations of the school-life tables (`cartable.db`; numbers are shared
with every feature's migrations, see `appliance.db`)."""
