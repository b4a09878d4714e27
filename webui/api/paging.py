"""Long lists of the JSON API: `{"items": [...], "next": CURSOR}`, `?limit=` and `?cursor=`.

`limit` is 1 to 1000 (default 100). `next` is there when more items follow: the caller
asks again with `?cursor=NEXT` (and the same other parameters). The cursor is opaque to
callers; inside, it is the sort key of the last item sent (keyset pagination: an item
added or removed meanwhile neither repeats nor skips one). It is not signed: a forged
cursor only moves where the list starts, and the list is still the caller's own (the
service filters what the person may see whatever the cursor says).

A view declared `paginated=True` is given `page` (a `PageRequest`) and answers with

    found = service.list_things(conn(), after=page.after, limit=page.fetch)  # SQL: limit+1
    return page.answer(found, key=lambda t: [t["date"], t["id"]])

or, for a list the service gives whole and sorted, `page.slice(items, key)`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.i18n import N_

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_MAX_CURSOR = 512

QUERY: dict[str, Mapping[str, Any]] = {
    "limit": {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_LIMIT,
        "default": DEFAULT_LIMIT,
        "description": "Nombre d'éléments au plus (1 à 1000, 100 par défaut).",
    },
    "cursor": {
        "type": "string",
        "minLength": 1,
        "maxLength": _MAX_CURSOR,
        "pattern": "^[A-Za-z0-9_-]+$",
        "description": "Le `next` de la page précédente.",
    },
}

Key = list[Any]


def list_schema(item: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a list answer whose items follow `item`."""
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": dict(item)},
            "next": {"type": "string", "description": "Présent quand la liste continue."},
        },
    }


def encode_cursor(key: Key) -> str:
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """The key inside a cursor; raises ApiError 400 for anything we did not write (a list
    of strings, numbers and nulls)."""
    from webui.api.core import ApiError

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, binascii.Error):
        key = None
    ok = isinstance(key, list) and all(
        v is None or (isinstance(v, str | int | float) and not isinstance(v, bool)) for v in key
    )
    if not ok or not key:
        raise ApiError(
            400,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    return key


@dataclass(frozen=True)
class PageRequest:
    """The page asked for: at most `limit` items after `after` (None: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: Key | None = None

    @classmethod
    def from_query(cls, values: Mapping[str, Any]) -> PageRequest:
        cursor = values.get("cursor")
        return cls(
            limit=int(values.get("limit", DEFAULT_LIMIT)),
            after=decode_cursor(cursor) if cursor else None,
        )

    @property
    def fetch(self) -> int:
        """How many items to fetch: one more than the limit, to know whether more follow."""
        return self.limit + 1

    def answer(self, found: Sequence[Any], key: Callable[[Any], Key]) -> dict[str, Any]:
        """The list answer, given the items that follow `after` in the list's order (up to
        `fetch` of them: more are ignored) and `key`, an item's sort key as a list of
        JSON values."""
        items = list(found[: self.limit])
        out: dict[str, Any] = {"items": items}
        if len(found) > self.limit and items:
            out["next"] = encode_cursor(key(items[-1]))
        return out

    def slice(
        self, items: Sequence[Any], key: Callable[[Any], Key], *, descending: bool = False
    ) -> dict[str, Any]:
        """The answer for a whole list already sorted by `key` (ascending, or `descending`):
        the items after the cursor's key, then `answer`. Raises ApiError 400 when the
        cursor's key can't be compared with this list's keys."""
        from webui.api.core import ApiError

        following = list(items)
        if self.after is not None:
            after = self.after
            try:
                following = [i for i in items if (key(i) < after if descending else key(i) > after)]
            except TypeError:
                raise ApiError(
                    400,
                    "bad_cursor",
                    N_("Curseur de liste invalide : reprenez la liste au début."),
                    field="cursor",
                ) from None
        return self.answer(following[: self.fetch], key)
