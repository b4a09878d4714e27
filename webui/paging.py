"""The page number of a paginated list, read from `?page=` without trusting it."""

from __future__ import annotations

from flask import request

# Far beyond any real list (50 rows a page), far below SQLite's 64-bit OFFSET.
MAX_PAGE = 1_000_000


def page_arg(name: str = "page") -> int:
    """The page asked for in the query string: 1 when absent or not a whole number (signs,
    exponents, non-ASCII digits), at most MAX_PAGE (a 20-digit number would overflow
    SQLite's OFFSET); the view then brings it back to the last page with `clamp`."""
    raw = (request.args.get(name) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(MAX_PAGE)):
        return MAX_PAGE  # no int() of a megabyte of digits either
    return min(max(1, int(raw)), MAX_PAGE)


def clamp(page: int, total: int, size: int) -> tuple[int, int]:
    """(page, pages) with `page` brought back to the last page when it is past the end."""
    pages = max(1, -(-total // size))
    return min(page, pages), pages
