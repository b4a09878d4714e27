"""Server-side SVG charts: the average as a line, the minimum–maximum as a band.

No JavaScript, nothing loaded from outside, no `style` attribute or element (the CSP
forbids them): only SVG presentation attributes. Accessible: role="img", a <title> and a
<desc> that says in words what the chart shows (range, minimum, average, maximum, last).
Labels are plain French numbers with their unit (`format_value`: « 1 Ko/s », « 2,5 % »,
never « 1e+03 »). The SVG takes the width of its container (viewBox, width 100 %);
`NARROW` is the layout for a phone (larger text, fewer ticks) that the page shows on
small screens instead of `WIDE`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from appliance import timefmt

RANGES = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
RANGE_LABELS = {
    "hour": "la dernière heure",
    "day": "les dernières 24 heures",
    "week": "les 7 derniers jours",
    "month": "les 30 derniers jours",
    "year": "les 12 derniers mois",
}
LINE, BAND, GRID, TEXT, ALERT = "#1f5fa8", "#9cc1ea", "#d0d5dc", "#2b2f36", "#b3261e"
_PAD_R, _PAD_T = 16, 12
WIDE = {"width": 720, "height": 220, "font_size": 11, "x_ticks": 5, "y_ticks": 5}
NARROW = {"width": 360, "height": 240, "font_size": 14, "x_ticks": 3, "y_ticks": 3}
_BYTE_UNITS = ("o", "Ko", "Mo", "Go", "To", "Po")
_THIN_SPACE = "\u202f"  # the French thousands separator (narrow no-break space)


def _number(v: float) -> str:
    """`v` with about three significant digits, a decimal comma and a thousands
    separator, never an exponent: 1234.5 → « 1 235 », 12.34 → « 12,3 », 0.25 → « 0,25 »."""
    a = abs(v)
    digits = 0 if a >= 100 or a == 0 else 1 if a >= 10 else 2 if a >= 1 else 3
    text = f"{v:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", _THIN_SPACE).replace(".", ",")


def format_value(v: float, unit: str = "") -> str:
    """A value as a person reads it: bytes in o, Ko, Mo, Go, To (powers of 1000; « o/s »
    too), then « 45 % », « 52 °C », « 1 200 tr/min », or the bare number."""
    if unit in ("o", "o/s"):
        suffix = unit[1:]
        scaled, index = float(v), 0
        # 999.7 o rounds to « 1 000 o »: show « 1 Ko » instead
        while abs(scaled) >= 999.5 and index < len(_BYTE_UNITS) - 1:
            scaled, index = scaled / 1000, index + 1
        return f"{_number(scaled)} {_BYTE_UNITS[index]}{suffix}"
    return f"{_number(v)} {unit}".strip()


_fmt = format_value


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    # rounded: no float noise (0.30000000000000004) in the labels
    return [
        round(first + i * step, 10)
        for i in range(int((hi - first) / step) + 2)
        if first + i * step <= hi + step * 1e-9
    ]


def _time_label(ts: float, span: float) -> str:
    d = timefmt.to_local(ts)  # the school's clock, not the server's
    if d is None:  # only for an empty moment, which a chart tick never is
        return ""
    if span <= 2 * 86400:
        return d.strftime("%H:%M")
    if span <= 40 * 86400:
        return d.strftime("%d/%m")
    return d.strftime("%m/%Y")


def _segments(points: Sequence[dict[str, Any]], step: int) -> list[list[dict[str, Any]]]:
    """Split where data is missing for more than two steps (the line must not lie)."""
    segs: list[list[dict[str, Any]]] = []
    for p in points:
        if segs and p["ts"] - segs[-1][-1]["ts"] <= 2 * step:
            segs[-1].append(p)
        else:
            segs.append([p])
    return segs


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits in the SVG and how values map to it."""

    width: int
    height: int
    start: float
    end: float
    lo: float
    hi: float
    font_size: int = 11
    x_ticks: int = 5

    @property
    def pad_l(self) -> int:
        return round(self.font_size * 6)  # room for « 999 Ko/s » at this text size

    @property
    def pad_b(self) -> int:
        return round(self.font_size * 2.5)

    @property
    def plot_w(self) -> int:
        return self.width - self.pad_l - _PAD_R

    @property
    def plot_h(self) -> int:
        return self.height - _PAD_T - self.pad_b

    def x(self, ts: float) -> float:
        return self.pad_l + (ts - self.start) / max(self.end - self.start, 1) * self.plot_w

    def y(self, v: float) -> float:
        clamped = min(max(v, self.lo), self.hi)
        return _PAD_T + (1 - (clamped - self.lo) / (self.hi - self.lo)) * self.plot_h


def _describe(title: str, period: str, pts: Sequence[dict[str, Any]], unit: str) -> str:
    avg = sum(p["avg"] for p in pts) / len(pts)
    return (
        f"{title} sur {period} : minimum {_fmt(min(p['min'] for p in pts), unit)}, "
        f"moyenne {_fmt(avg, unit)}, maximum {_fmt(max(p['max'] for p in pts), unit)}, "
        f"dernière valeur {_fmt(pts[-1]['avg'], unit)}."
    )


def _axes(f: _Frame, ticks: list[float], unit: str) -> list[str]:
    out = []
    for t in ticks:
        if f.lo - 1e-9 <= t <= f.hi + 1e-9:
            out.append(
                f'<line x1="{f.pad_l}" x2="{f.width - _PAD_R}" y1="{f.y(t):.1f}" '
                f'y2="{f.y(t):.1f}" stroke="{GRID}" stroke-width="1"/>'
                f'<text x="{f.pad_l - 6}" y="{f.y(t) + f.font_size * 0.35:.1f}" '
                f'text-anchor="end" fill="{TEXT}">{escape(_fmt(t, unit))}</text>'
            )
    last = max(f.x_ticks - 1, 1)
    for i in range(last + 1):
        ts = f.start + (f.end - f.start) * i / last
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        out.append(
            f'<text x="{f.x(ts):.1f}" y="{f.height - f.font_size * 0.7:.1f}" '
            f'text-anchor="{anchor}" fill="{TEXT}">'
            f"{escape(_time_label(ts, f.end - f.start))}</text>"
        )
    return out


def _series(f: _Frame, pts: Sequence[dict[str, Any]], step: int) -> list[str]:
    out = []
    for seg in _segments(pts, step):
        upper = " ".join(f"{f.x(p['ts']):.1f},{f.y(p['max']):.1f}" for p in seg)
        lower = " ".join(f"{f.x(p['ts']):.1f},{f.y(p['min']):.1f}" for p in reversed(seg))
        out.append(
            f'<polygon points="{upper} {lower}" fill="{BAND}" fill-opacity="0.6" stroke="none"/>'
        )
        line = " ".join(f"{f.x(p['ts']):.1f},{f.y(p['avg']):.1f}" for p in seg)
        out.append(
            f'<polyline points="{line}" fill="none" stroke="{LINE}" '
            f'stroke-width="1.5" stroke-linejoin="round"/>'
        )
    return out


def _threshold_lines(f: _Frame, thresholds: Sequence[tuple[float, str]]) -> list[str]:
    return [
        f'<line x1="{f.pad_l}" x2="{f.width - _PAD_R}" y1="{f.y(value):.1f}" '
        f'y2="{f.y(value):.1f}" stroke="{ALERT}" stroke-dasharray="4 3"/>'
        f'<text x="{f.width - _PAD_R}" y="{f.y(value) - 3:.1f}" text-anchor="end" '
        f'fill="{ALERT}">{escape(label)}</text>'
        for value, label in thresholds
    ]


def _empty(head: str, did: str, period: str, width: int, height: int, font_size: int) -> str:
    desc = f"Pas encore de données pour {period}."
    return (
        head + f'<desc id="{did}">{escape(desc)}</desc>'
        f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="none" '
        f'stroke="{GRID}" stroke-dasharray="4 3"/>'
        f'<text x="{width / 2:.0f}" y="{height / 2 - font_size * 0.4:.0f}" '
        f'text-anchor="middle" fill="{TEXT}" font-size="{round(font_size * 1.25)}">'
        "Pas encore de données</text>"
        f'<text x="{width / 2:.0f}" y="{height / 2 + font_size * 1.3:.0f}" '
        f'text-anchor="middle" fill="{TEXT}">{escape(period)}</text></svg>'
    )


def render_chart(
    data: dict[str, Any],
    *,
    title: str,
    unit: str = "",
    chart_id: str = "chart",
    width: int = WIDE["width"],
    height: int = WIDE["height"],
    font_size: int = WIDE["font_size"],
    x_ticks: int = WIDE["x_ticks"],
    y_ticks: int = WIDE["y_ticks"],
    y_min: float | None = None,
    y_max: float | None = None,
    period: str | None = None,
    thresholds: Sequence[tuple[float, str]] = (),
) -> str:
    """An SVG document (string) for `data` as returned by `MetricStore.query`.

    `chart_id` makes the title/desc ids unique in a page; `y_min`/`y_max` fix the scale
    (0–100 for percentages); `unit` "o" or "o/s" formats bytes; `thresholds` draws dashed
    lines [(value, label)]; `width`, `height` (the viewBox), `font_size`, `x_ticks` and
    `y_ticks` give the layout (see WIDE and NARROW). The SVG is as wide as its container.
    """
    pts = data.get("points", [])
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    period = period or "la période choisie"
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{tid} {did}" font-family="sans-serif" font-size="{font_size}">'
        f'<title id="{tid}">{escape(title)}</title>'
    )
    if not pts:
        return _empty(head, did, period, width, height, font_size)
    lo = min(p["min"] for p in pts) if y_min is None else y_min
    hi = max(p["max"] for p in pts) if y_max is None else y_max
    for value, _ in thresholds:
        lo, hi = min(lo, value), max(hi, value)
    ticks = _nice_ticks(lo, hi, y_ticks)
    lo, hi = (ticks[0], ticks[-1]) if y_min is None and y_max is None else (lo, hi)
    hi = hi if hi > lo else lo + 1.0
    f = _Frame(width, height, data["start"], data["end"], lo, hi, font_size, x_ticks)
    parts = [head, f'<desc id="{did}">{escape(_describe(title, period, pts, unit))}</desc>']
    parts += _axes(f, ticks, unit)
    parts += _series(f, pts, data.get("step", 60))
    parts += _threshold_lines(f, thresholds)
    parts.append(
        f'<rect x="{f.pad_l}" y="{_PAD_T}" width="{f.plot_w}" height="{f.plot_h}" '
        f'fill="none" stroke="{GRID}"/></svg>'
    )
    return "".join(parts)


def chart_for(
    store: Any,
    series: str,
    range_name: str,
    *,
    now: float | None = None,
    title: str | None = None,
    **kwargs: Any,
) -> str:
    """Query `series` over the named range (hour, day, week, month, year) and render it;
    with no store (no metrics.db yet) the chart says there is no data yet.

    Raises KeyError for an unknown range name.
    """
    now = int(time.time() if now is None else now)
    start = now - RANGES[range_name]
    if store is None:
        data: dict[str, Any] = {"points": [], "start": start, "end": now}
    else:
        data = store.query(series, start, now)
    kwargs.setdefault("period", RANGE_LABELS[range_name])
    kwargs.setdefault("chart_id", "chart-" + "".join(c if c.isalnum() else "-" for c in series))
    return render_chart(data, title=title or series, **kwargs)
