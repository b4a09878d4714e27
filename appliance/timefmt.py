"""Times as people read them, and as JSON and files carry them.

Storage stays UTC (`db.now_iso()` writes `…+00:00`). What a person reads (pages, the
CLI's plain output, PDF slips, alert mails) is in the school's zone (`school.timezone`,
Europe/Paris by default) in French formats: `01/12/2026`, `21:19`, `01/12/2026 21:19`.
The English UI keeps the same day/month/year order: the school, its paper and its
people are French, and one order avoids reading 01/12 two ways. JSON and files carry ISO
8601 with the school's offset (`2026-12-01T21:19:00+01:00`).

Every function takes what the code has in hand: an aware or naive `datetime`, a `date`,
an ISO string (with `Z`, an offset, or none), or epoch seconds. A naive value is the
machine's own local time (Python's rule, and what borg writes); our database never
holds naive times. A bare date (`2026-12-01`) is a calendar day: it is never shifted.

`tz` may be given (a zone name or tzinfo); when it is not, the zone set by `use_zone`
(called when a box is opened, from its configuration) is used.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Paris"

_zone_name = DEFAULT_ZONE
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A date and time as we or borg write them; used to find times inside JSON documents.
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")

Moment = datetime | date | str | int | float | None


@lru_cache(maxsize=32)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def check_zone(name: Any) -> None:
    """Raise ValueError (in French, naming the value) unless `name` is an IANA zone."""
    if not isinstance(name, str) or not name or name != name.strip() or ".." in name:
        raise ValueError(f"fuseau horaire « {name} » invalide (ex. Europe/Paris)")
    try:
        _zone_info(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(
            f"fuseau horaire « {name} » inconnu : donnez un nom de la base IANA, "
            "par exemple Europe/Paris, Indian/Reunion ou America/Cayenne"
        ) from exc


def use_zone(name: str) -> None:
    """Make `name` the zone used when a caller gives none (the box's `school.timezone`)."""
    global _zone_name
    check_zone(name)
    _zone_name = name


def zone(tz: str | tzinfo | None = None) -> tzinfo:
    """The tzinfo for `tz` (a name or a tzinfo), or the school's zone when None."""
    if isinstance(tz, tzinfo):
        return tz
    return _zone_info(tz or _zone_name)


def today(now: float | None = None, tz: str | tzinfo | None = None) -> date:
    """The calendar day in the school's zone (or `tz`) at `now` (a Unix time; default: now).

    What "today" means for a person's dates (a guest's expiry, a departure): never the
    server's own zone."""
    moment = datetime.now(UTC) if now is None else datetime.fromtimestamp(now, UTC)
    return moment.astimezone(zone(tz)).date()


def is_day(value: Any) -> bool:
    """True for a calendar day (a `date` that is not a datetime, or "YYYY-MM-DD")."""
    if isinstance(value, datetime):
        return False
    return isinstance(value, date) or (isinstance(value, str) and bool(_ISO_DAY.match(value)))


def parse(value: Moment) -> datetime | date | None:
    """`value` as an aware datetime, or a `date` for a bare day; None for None or "".

    Raises ValueError for a string that is not ISO 8601.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value).astimezone()
    text = str(value).strip()
    if _ISO_DAY.match(text):
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.astimezone()


def to_local(value: Moment, tz: str | tzinfo | None = None) -> datetime | date | None:
    """`value` in the school's zone (a bare day stays a `date`); None for None or ""."""
    moment = parse(value)
    if isinstance(moment, datetime):
        return moment.astimezone(zone(tz))
    return moment


def day_start_utc(day: str | date, tz: str | tzinfo | None = None, *, days_after: int = 0) -> str:
    """The UTC ISO time (as stored) at which `day` (+ `days_after`) begins in the school's
    zone: the bound of a "from … to …" filter typed by a person. Raises ValueError."""
    start = date.fromisoformat(day) if isinstance(day, str) else day
    start = start + timedelta(days=days_after)
    local = datetime(start.year, start.month, start.day, tzinfo=zone(tz))
    return local.astimezone(UTC).isoformat()


def _with_offset(value: Any) -> bool:
    """A time as stored (« 2026-12-01T20:19:00+00:00 »): its meaning does not depend on
    the server's own zone, unlike a naive one (read in that zone)."""
    return isinstance(value, str) and len(value) > 19 and value[-6:-5] in ("+", "-")


def _fmt(value: Moment, tz: str | tzinfo | None, with_day: bool, with_time: bool) -> str:
    if _with_offset(value) and not isinstance(tz, tzinfo):
        # A stored time (text with its offset): the same text gives the same words; a
        # listing shows the same messages' and documents' times page after page.
        return _fmt_text(value, tz or _zone_name, with_day, with_time)
    return _fmt_moment(value, tz, with_day, with_time)


@lru_cache(maxsize=16384)
def _fmt_text(value: str, tz: str, with_day: bool, with_time: bool) -> str:
    return _fmt_moment(value, tz, with_day, with_time)


def _fmt_moment(value: Moment, tz: str | tzinfo | None, with_day: bool, with_time: bool) -> str:
    try:
        moment = to_local(value, tz)
    except (ValueError, TypeError, OverflowError, OSError):
        return str(value)  # shown as it came rather than hiding it
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.strftime("%d/%m/%Y") if with_day else ""
    fmt = " ".join(f for f, on in (("%d/%m/%Y", with_day), ("%H:%M", with_time)) if on)
    return moment.strftime(fmt)


def fmt_date(value: Moment, tz: str | tzinfo | None = None) -> str:
    """« 01/12/2026 »: the day in the school's zone; "" for None."""
    return _fmt(value, tz, True, False)


def fmt_time(value: Moment, tz: str | tzinfo | None = None) -> str:
    """« 21:19 » in the school's zone; "" for None or a bare day."""
    return _fmt(value, tz, False, True)


def fmt_datetime(value: Moment, tz: str | tzinfo | None = None) -> str:
    """« 01/12/2026 21:19 » in the school's zone (a bare day shows as « 01/12/2026 »)."""
    return _fmt(value, tz, True, True)


def iso(value: Moment, tz: str | tzinfo | None = None) -> str | None:
    """ISO 8601 with the school's offset (« 2026-12-01T21:19:00+01:00 »), to the second;
    a bare day stays « 2026-12-01 »; None for None or "". Unreadable text is returned
    unchanged."""
    if _with_offset(value) and not isinstance(tz, tzinfo):
        return _iso_text(value, tz or _zone_name)  # as `_fmt`: kept per text
    return _iso_moment(value, tz)


@lru_cache(maxsize=16384)
def _iso_text(value: str, tz: str) -> str | None:
    return _iso_moment(value, tz)


def _iso_moment(value: Moment, tz: str | tzinfo | None) -> str | None:
    try:
        moment = to_local(value, tz)
    except (ValueError, TypeError, OverflowError, OSError):
        return None if value is None else str(value)
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.replace(microsecond=0).isoformat()
    return moment.isoformat()


def api_minute(value: Moment, tz: str | tzinfo | None = None) -> str | None:
    """« 2026-12-01T21:19 »: a time as the JSON API carries it (`api.md`: the school's
    zone, to the minute, no offset); a bare day stays « 2026-12-01 »; None for None or ""."""
    text = iso(value, tz)
    if text is None or len(text) <= 10:
        return text
    return text[:16]


def json_times(data: Any, tz: str | tzinfo | None = None) -> Any:
    """A copy of a JSON-ready structure whose date-and-time strings carry the school's
    offset (`iso`); other values, bare days and epoch numbers are left as they are."""
    if isinstance(data, dict):
        return {k: json_times(v, tz) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_times(v, tz) for v in data]
    if isinstance(data, datetime):
        return iso(data, tz)
    if isinstance(data, str) and _ISO_TIME.match(data):
        return iso(data, tz)
    return data
