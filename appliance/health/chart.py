"""Server-side SVG charts: the average as a line, the minimum–maximum as a band.

No JavaScript, nothing loaded from outside, no `style` attribute or element (the CSP
forbids them): only SVG presentation attributes. Accessible: role="img", a <title> and a
<desc> that says in words what the chart shows (range, minimum, average, maximum, last).
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
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 64, 16, 12, 28


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    return [
        first + i * step
        for i in range(int((hi - first) / step) + 2)
        if first + i * step <= hi + step * 1e-9
    ]


def _fmt(v: float, unit: str) -> str:
    if unit == "o" or unit == "o/s":
        for u in ("", "K", "M", "G", "T"):
            if abs(v) < 1024 or u == "T":
                return f"{v:.3g} {u}{unit}".replace(".", ",")
            v /= 1024
    text = f"{v:.3g}".replace(".", ",")
    return f"{text} {unit}".strip()


def _time_label(ts: float, span: float) -> str:
    d = timefmt.to_local(ts)  # the school's clock, not the server's
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

    @property
    def plot_w(self) -> int:
        return self.width - _PAD_L - _PAD_R

    @property
    def plot_h(self) -> int:
        return self.height - _PAD_T - _PAD_B

    def x(self, ts: float) -> float:
        return _PAD_L + (ts - self.start) / max(self.end - self.start, 1) * self.plot_w

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
                f'<line x1="{_PAD_L}" x2="{f.width - _PAD_R}" y1="{f.y(t):.1f}" '
                f'y2="{f.y(t):.1f}" stroke="{GRID}" stroke-width="1"/>'
                f'<text x="{_PAD_L - 6}" y="{f.y(t) + 4:.1f}" text-anchor="end" '
                f'fill="{TEXT}">{escape(_fmt(t, unit))}</text>'
            )
    for i in range(5):
        ts = f.start + (f.end - f.start) * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        out.append(
            f'<text x="{f.x(ts):.1f}" y="{f.height - 8}" text-anchor="{anchor}" '
            f'fill="{TEXT}">{escape(_time_label(ts, f.end - f.start))}</text>'
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
        f'<line x1="{_PAD_L}" x2="{f.width - _PAD_R}" y1="{f.y(value):.1f}" '
        f'y2="{f.y(value):.1f}" stroke="{ALERT}" stroke-dasharray="4 3"/>'
        f'<text x="{f.width - _PAD_R}" y="{f.y(value) - 3:.1f}" text-anchor="end" '
        f'fill="{ALERT}">{escape(label)}</text>'
        for value, label in thresholds
    ]


def render_chart(
    data: dict[str, Any],
    *,
    title: str,
    unit: str = "",
    chart_id: str = "chart",
    width: int = 720,
    height: int = 220,
    y_min: float | None = None,
    y_max: float | None = None,
    period: str | None = None,
    thresholds: Sequence[tuple[float, str]] = (),
) -> str:
    """An SVG document (string) for `data` as returned by `MetricStore.query`.

    `chart_id` makes the title/desc ids unique in a page; `y_min`/`y_max` fix the scale
    (0–100 for percentages); `unit` "o" or "o/s" formats bytes; `thresholds` draws dashed
    lines [(value, label)].
    """
    pts = data.get("points", [])
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    period = period or "la période choisie"
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{tid} {did}" '
        f'font-family="sans-serif" font-size="11">'
        f'<title id="{tid}">{escape(title)}</title>'
    )
    if not pts:
        desc = f"Pas encore de données pour {period}."
        return (
            head + f'<desc id="{did}">{escape(desc)}</desc>'
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(desc)}</text></svg>'
        )
    lo = min(p["min"] for p in pts) if y_min is None else y_min
    hi = max(p["max"] for p in pts) if y_max is None else y_max
    for value, _ in thresholds:
        lo, hi = min(lo, value), max(hi, value)
    ticks = _nice_ticks(lo, hi)
    lo, hi = (ticks[0], ticks[-1]) if y_min is None and y_max is None else (lo, hi)
    f = _Frame(width, height, data["start"], data["end"], lo, hi if hi > lo else lo + 1.0)
    parts = [head, f'<desc id="{did}">{escape(_describe(title, period, pts, unit))}</desc>']
    parts += _axes(f, ticks, unit)
    parts += _series(f, pts, data.get("step", 60))
    parts += _threshold_lines(f, thresholds)
    parts.append(
        f'<rect x="{_PAD_L}" y="{_PAD_T}" width="{f.plot_w}" height="{f.plot_h}" '
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
    """Query `series` over the named range (hour, day, week, month, year) and render it.

    Raises KeyError for an unknown range name.
    """
    now = int(time.time() if now is None else now)
    data = store.query(series, now - RANGES[range_name], now)
    kwargs.setdefault("period", RANGE_LABELS[range_name])
    kwargs.setdefault("chart_id", "chart-" + "".join(c if c.isalnum() else "-" for c in series))
    return render_chart(data, title=title or series, **kwargs)
