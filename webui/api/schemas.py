"""JSON-schema pieces every service's API uses (api.md): days, local times, audiences,
stored files. A service's own shapes stay beside its routes."""

from __future__ import annotations

# A day, "YYYY-MM-DD".
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# A local time of the school's zone to the minute, "YYYY-MM-DDTHH:MM".
MINUTE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"}
MINUTE_OR_NULL = {"type": ["string", "null"], "pattern": MINUTE["pattern"]}
LOGIN = {"type": "string", "minLength": 1, "maxLength": 64}
# A class or a group, as an object of a body...
AUDIENCE = {
    "type": "object",
    "required": ["kind", "code"],
    "additionalProperties": False,
    "properties": {
        "kind": {"enum": ["class", "group"]},
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
    },
}
# ...or written short, in a query string (or a body that allows it).
AUDIENCE_SHORT = {
    "type": "string",
    "pattern": "^(class|group):.+$",
    "maxLength": 70,
    "description": "Une classe ou un groupe : class:5A, group:LAT5.",
}
# A stored file attached to something (a homework, a work, a hand-in).
FILE = {
    "type": "object",
    "required": ["id", "name", "size", "mime", "url"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "size": {"type": "integer"},
        "mime": {"type": "string"},
        "url": {"type": "string", "description": "Le fichier (avec la session du portail)."},
    },
}
