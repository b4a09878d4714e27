"""School life (#11): the school year's calendar and the timetable, the first services
families open every evening; later the cahier de textes, grades and absences.

- `year`: the school year (first and last day, holidays, which Monday is an A week) and
  its school weeks with their A/B letters (`set_year`, `year_info`, `load_year`);
- `imports`: reading a timetable file (the timetable software's `EDT_STS` XML, or our
  CSV template) into weekly lessons, with every problem and its line;
- `timetable`: the import as a plan, then an apply (weekly lessons expanded into dated
  lessons over the year's school weeks from a given day on), and its history;
- `lessons`: the read service every page and the API build on (`lessons_between`);
- `cli`: `cartable year …` and `cartable timetable …`; `demo`: the demo school's year
  and timetable.

Days and times of lessons are the school's local calendar days and wall-clock times
(`2026-12-02`, `08:10`): a lesson at 08:10 is at 08:10 whatever the offset of the day.
"""
