"""The cahier de textes (#11): for each lesson, what was done (the content) and the work
to do (homework), the students' ticks, the class's workload and the direction's visa.

Services taking a connection and plain values (no Flask, no policy: the caller asks
`policy.may` with the `diary.*` rules of `appliance/features.py`):

- `audiences`: the classes and groups it is written for (by id, by code, `class:5A`) and
  their policy targets;
- `lessons`: one lesson with its class or group, and the next lesson of a class in a
  subject ("for the next lesson": a cancelled lesson or one on a holiday is skipped);
- `entries`: the content of a lesson, and the cahier of a class or group lesson by lesson;
- `homework`: writing homework (text, kind, due day, time, attachments, publication);
- `reading`: reading it (one item, a student's, a class's or group's, a teacher's);
- `progress`: the students' ticks and the class's workload per day;
- `days`: the days and spans the services take;
- `todo`: a student's work to do grouped for the pages (today, the next school day,
  then by day) and the home page's few items;
- `visa`: the direction's visa on a teacher's cahier for a class;
- `demo`: the demo school's content and homework for this week.

Its tables (migrations 0040, 0041) reference `lesson(id)`: a timetable re-import keeps
every lesson that has content or homework (`timetable.dependent_columns`).
"""
