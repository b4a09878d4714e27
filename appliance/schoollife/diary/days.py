"""Days as the cahier de textes's services take them: a day typed or given, a span of
days (bounded), today in the school's zone."""

from __future__ import annotations

from datetime import date

from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.schoollife import year as school_year

# A list asked for a span longer than this is refused (a term is about 90 days).
MAX_SPAN_DAYS = 400


def parse_day(value: date | str | None, field: str) -> date:
    """A day (a `date` or "YYYY-MM-DD"); raises CartableError naming `field`."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ."), field=field, value=value
        ) from None


def span(first: date | str, last: date | str) -> tuple[str, str]:
    """("YYYY-MM-DD", "YYYY-MM-DD") of a span of days, both included; raises CartableError
    (field `to`) for a span reversed or longer than MAX_SPAN_DAYS."""
    a, b = parse_day(first, "from"), parse_day(last, "to")
    if b < a:
        raise CartableError(N_("La fin de la période est avant son début."), field="to")
    if (b - a).days > MAX_SPAN_DAYS:
        raise CartableError(N_("Au plus %(max)s jours à la fois."), field="to", max=MAX_SPAN_DAYS)
    return a.isoformat(), b.isoformat()


def local_today() -> date:
    return school_year.local_today()
