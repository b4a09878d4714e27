"""The charts of the statistics page, server-side SVG like the health pages': the visits
per day are `appliance.health.chart.render_chart`'s line (one value a day, so its band is
the line itself); the totals per service, per profile and the accounts are horizontal bars
drawn here with the same colours, text and number formats (`chart.format_value`), the same
accessible title and description, and the same two layouts (`chart.WIDE`, `chart.NARROW`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

from appliance.health import chart

_ROW_GAP = 6


def daily(values: Sequence[tuple[date, int]], *, title: str, chart_id: str, layout: dict) -> str:
    """The line of one value per day (the days in order), by `chart.render_chart`."""

    def ts(d: date) -> float:
        return datetime(d.year, d.month, d.day, 12, tzinfo=UTC).timestamp()

    points = [{"ts": ts(d), "min": v, "avg": v, "max": v} for d, v in values]
    data = {
        "points": points if any(v for _d, v in values) else [],
        "start": ts(values[0][0]) if values else 0,
        "end": ts(values[-1][0]) if values else 0,
        "step": 86400,
    }
    return chart.render_chart(
        data,
        title=title,
        chart_id=chart_id,
        y_min=0,
        period=chart.RANGE_LABELS["month"] if len(values) == 30 else None,
        **layout,
    )


def bars(
    rows: Sequence[tuple[str, float, float | None]],
    *,
    title: str,
    chart_id: str,
    layout: dict,
    of_label: str = "sur",
) -> str:
    """Horizontal bars, one row per (label, value, total): without a total the bar's length
    is its value against the largest; with one, the total is a light bar and the value a
    dark bar over it, labelled « value sur total (n %) » (`of_label` the word between).
    The label stands beside its bar, or above it in a narrow layout (a phone)."""
    width, font = layout["width"], layout["font_size"]
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    # On a phone the label goes above its bar (the whole width for the bar); else beside.
    above = width < 500
    label_w = 4 if above else round(font * 14)
    label_h = round(font * 1.4) if above else 0
    value_w = round(font * (9 if any(t is not None for _l, _v, t in rows) else 4.5))
    bar_h = round(font * 1.6)
    row_h = label_h + bar_h + _ROW_GAP
    height = max(len(rows), 1) * row_h + _ROW_GAP
    plot_w = width - label_w - value_w - 8
    top = max([t if t is not None else v for _l, v, t in rows] or [0]) or 1
    words = []
    parts = []
    for i, (label, value, total) in enumerate(rows):
        y = _ROW_GAP + i * row_h + label_h
        mid = y + bar_h / 2 + font * 0.35
        if above:
            parts.append(
                f'<text x="{label_w}" y="{y - font * 0.3:.1f}" fill="{chart.TEXT}">'
                f"{escape(label)}</text>"
            )
        else:
            parts.append(
                f'<text x="{label_w - 6}" y="{mid:.1f}" text-anchor="end" fill="{chart.TEXT}">'
                f"{escape(label)}</text>"
            )
        if total is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{total / top * plot_w:.1f}" '
                f'height="{bar_h}" fill="{chart.BAND}"/>'
            )
            share = f" ({round(100 * value / total)} %)" if total else ""
            text = f"{chart.format_value(value)} {of_label} {chart.format_value(total)}{share}"
        else:
            text = chart.format_value(value)
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{value / top * plot_w:.1f}" '
            f'height="{bar_h}" fill="{chart.LINE}"/>'
        )
        x_text = label_w + (max(value, total or 0) / top) * plot_w + 6
        parts.append(
            f'<text x="{x_text:.1f}" y="{mid:.1f}" fill="{chart.TEXT}">{escape(text)}</text>'
        )
        words.append(f"{label} : {text}")
    desc = (f"{title} : " + " ; ".join(words) + ".") if rows else "Pas encore de données."
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{tid} {did}" font-family="sans-serif" font-size="{font}">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )
    return head + "".join(parts) + "</svg>"
