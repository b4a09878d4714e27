"""Small helpers shared by the directory views."""

from __future__ import annotations

import re

from flask import Response, request


def attachment(data: bytes, filename: str, mimetype: str) -> Response:
    """A download response: the browser saves it under `filename` (made ASCII-safe)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "cartable"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Content-Length"] = str(len(data))
    return response


def int_field(name: str) -> int | None:
    """An optional whole number from the form (None when empty or not a number)."""
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None
