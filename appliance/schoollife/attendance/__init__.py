"""Roll call and absences (#13): the vie scolaire's service, without Flask.

- `common`: the words shared by the modules (the office's functions, the threshold of
  the monthly alert, days, months and clock times as people type them, the half-day
  split of the configuration);
- `reasons`: the reasons (motifs) absences are settled with, each admissible or not
  (the law's five, seeded, and the school's own);
- `roll`: the roll call of a lesson (appel): its class list at that date, who may take
  it and until when, saving it (absent, late by minutes, everyone else present), the
  lessons whose roll call was not taken ("appels non faits");
- `events`: the absences and lateness the roll calls make (an absence over consecutive
  lessons of a day is one event), settled by the vie scolaire with a reason;
- `excuses`: a guardian's excuse (text, reason, optional document), accepted or refused;
- `planned`: planned absences (a trip, a PE exemption, a work placement) that pre-fill
  the roll calls of their lessons;
- `halfdays`: the half-day rules (a complete half-day: every lesson of the student's
  timetable in it missed), a month's summary, and `absences_summary_for_report` for the
  report cards;
- `alerts`: four or more complete half-days without an admissible reason in a calendar
  month ("signalements"), and telling the vie scolaire and the head teacher once;
- `notify`: the one bridge to the notification service (type `absence`);
- `schedule`: the daily check of the alerts; `demo`: the demo school's roll calls;
- `feature`: this service's entry of the manifest (`appliance/features.py`).

Days and times are the school's local ones, as the lessons carry them.
"""

from __future__ import annotations

import sqlite3
from datetime import date


def absences_summary_for_report(
    conn: sqlite3.Connection, student_id: int, first: date | str, last: date | str
) -> dict[str, int]:
    """A student's absences from `first` to `last` (days, both included) for the report
    card: {"half_days", "unjustified", "late"} (`halfdays.absences_summary_for_report`,
    imported when called: the manifest imports this package)."""
    from appliance.schoollife.attendance import halfdays

    return halfdays.absences_summary_for_report(conn, student_id, first, last)
