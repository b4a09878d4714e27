"""The agenda's numbered SQL migrations of `cartable.db` (0090–0094)."""
