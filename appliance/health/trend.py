"""Free-space trend: a least-squares line through hourly points, and the time until full.

Given the hourly averages of a filesystem's free bytes, the slope says how fast it fills;
the time left is today's free space divided by that speed. A flat or emptying filesystem
has no prediction (None), and so has one with too few points to trust.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MIN_POINTS = 6
MIN_SPAN_HOURS = 3.0


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept) of y = slope * x + intercept, or None when x does
    not vary or there are fewer than two points."""
    n = len(points)
    if n < 2:
        return None
    mx = math.fsum(x for x, _ in points) / n
    my = math.fsum(y for _, y in points) / n
    sxx = math.fsum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx
    return slope, my - slope * mx


def hours_until_full(
    points: Sequence[tuple[float, float]], free_now: float | None = None
) -> float | None:
    """Given (timestamp in seconds, free bytes) points and the free space now (default:
    the latest point's), return the hours until free space reaches 0 at the fitted pace,
    or None when it is not shrinking or the points are too few or too close together."""
    if len(points) < MIN_POINTS:
        return None
    xs = [t for t, _ in points]
    if (max(xs) - min(xs)) / 3600.0 < MIN_SPAN_HOURS:
        return None
    fit = linear_fit([(t / 3600.0, free) for t, free in points])
    if fit is None or fit[0] >= 0:
        return None
    free = points[-1][1] if free_now is None else free_now
    return max(free, 0.0) / -fit[0]


def predict_filesystems(
    store: Any, free_now: dict[str, float], now: float, window_hours: int = 24
) -> dict[str, dict[str, Any]]:
    """Predictions for each mount point from the history of `fs.free_bytes:<mountpoint>`.

    Given a MetricStore, {mountpoint: free bytes now}, the time and the window; returns
    {mountpoint: {"hours_left": float | None, "free_bytes": float, "points": n}}. Hourly
    buckets come from whatever tiers hold them (hour, then minute and raw for the recent
    part), so a prediction exists after a few hours of history.
    """
    out = {}
    for mp, free in free_now.items():
        data = store.query(
            f"fs.free_bytes:{mp}", int(now - window_hours * 3600), int(now), max_points=window_hours
        )
        points = [(p["ts"], p["avg"]) for p in data["points"]]
        out[mp] = {
            "hours_left": hours_until_full(points, free),
            "free_bytes": free,
            "points": len(points),
        }
    return out
