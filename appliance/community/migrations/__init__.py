"""The community services' SQL migrations for cartable.db (numbers shared by every feature)."""
