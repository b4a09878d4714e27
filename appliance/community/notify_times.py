"""When a notification's e-mail goes: pure functions of the settings and a moment.

- `immediate`: now, except for the types held by the quiet hours (`notifications.quiet_*`:
  new homework and lesson content written at 21:00 or on a Saturday): those wait for the
  next school morning, the end of the quiet hours on a day that is not a quiet day;
- `daily`: the next `notifications.daily_at` (06:30);
- `weekly`: the next `notifications.weekly_day` (Monday) at `daily_at`.

Times are reckoned in the school's zone (a digest at 06:30 is 06:30 in Paris, summer or
winter) and returned as epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from appliance import timefmt

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(value: str) -> time:
    """« 06:30 » as a time; raises ValueError (a French phrase naming the value)."""
    try:
        hour, minute = (int(p) for p in str(value).strip().split(":"))
        if 0 <= hour < 24 and 0 <= minute < 60:
            return time(hour, minute)
    except ValueError:
        pass
    raise ValueError(f"heure « {value} » invalide : écrivez HH:MM, par exemple 06:30")


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """« 20:00-07:00 » as (start, end), None for "" (no quiet hours); raises ValueError."""
    text = str(value).strip()
    if not text:
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(
            f"plage « {value} » invalide : écrivez HH:MM-HH:MM, par exemple 20:00-07:00"
        )
    return parse_hhmm(start), parse_hhmm(end)


def check_days(value: list[str]) -> None:
    """Raise ValueError unless every item is a day code (mon … sun)."""
    wrong = [v for v in value if v not in DAYS]
    if wrong:
        raise ValueError(f"jour(s) inconnu(s) {', '.join(wrong)} : écrivez {', '.join(DAYS)}")


@dataclass(frozen=True)
class Schedule:
    """The `notifications.*` keys that say when mails go."""

    daily_at: time = time(6, 30)
    weekly_day: int = 0  # Monday
    quiet: tuple[time, time] | None = (time(20, 0), time(7, 0))
    quiet_days: frozenset[int] = frozenset({5, 6})
    quiet_types: frozenset[str] = frozenset({"homework", "lesson_content"})
    tz: str | None = None

    @classmethod
    def from_config(cls, config) -> Schedule:
        return cls(
            daily_at=parse_hhmm(config["notifications.daily_at"]),
            weekly_day=DAYS.index(config["notifications.weekly_day"]),
            quiet=parse_quiet_hours(config["notifications.quiet_hours"]),
            quiet_days=frozenset(DAYS.index(d) for d in config["notifications.quiet_days"]),
            quiet_types=frozenset(config["notifications.quiet_types"]),
            tz=config["school.timezone"],
        )

    def _zone(self) -> tzinfo:
        return timefmt.zone(self.tz)

    def in_quiet_hours(self, local: datetime) -> bool:
        """Whether a local moment is in the quiet hours or on a quiet day."""
        if local.weekday() in self.quiet_days:
            return True
        if self.quiet is None:
            return False
        start, end = self.quiet
        now = local.time()
        if start <= end:
            return start <= now < end
        return now >= start or now < end

    def next_school_morning(self, local: datetime) -> datetime:
        """The first moment after `local` that is out of the quiet hours and days."""
        end = self.quiet[1] if self.quiet else time(0, 0)
        day = local.date()
        for _ in range(15):
            candidate = datetime.combine(day, end, tzinfo=local.tzinfo)
            if candidate >= local and not self.in_quiet_hours(candidate):
                return candidate
            day += timedelta(days=1)
        return local  # every day is quiet: a setting nobody means; send at once

    def due(self, frequency: str, type_: str, now: float) -> float:
        """When the mail of an entry of `type_` written at `now` (epoch) goes."""
        local = datetime.fromtimestamp(now, self._zone())
        if frequency == "immediate":
            if type_ in self.quiet_types and self.in_quiet_hours(local):
                return self.next_school_morning(local).timestamp()
            return now
        moment = datetime.combine(local.date(), self.daily_at, tzinfo=local.tzinfo)
        if frequency == "weekly":
            moment += timedelta(days=(self.weekly_day - local.weekday()) % 7)
        if moment < local:
            moment += timedelta(days=7 if frequency == "weekly" else 1)
        # Aware arithmetic keeps the wall time: 06:30 stays 06:30 across a change of clocks.
        return moment.timestamp()
