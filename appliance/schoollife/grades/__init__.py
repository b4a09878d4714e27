"""Grades and report cards (#13): the year's periods, assessments and their marks, the
averages, the report cards and their appraisals. Services without Flask; the pages and
the JSON API are `webui/grades/`.

- `periods`: trimesters or semesters, end of entry, class council, lock (`cartable periods`);
- `numbers`: marks and coefficients typed, stored and shown; the exact averages;
- `assessments`: an assessment of a class or group in a subject, its lines and marks;
- `book`: a class's averages of a period, computed once and kept while nothing changed;
- `reading`: a student's marks and averages as a viewer may see them, a class's table,
  a teacher's class in one subject;
- `report_cards`: the appraisals and a student's card (with the period's absences);
- `report_pdf`, `printing`: the cards as PDF, a class's through the job queue;
- `cli`, `schedule`, `demo`, `config_keys`: the command, the hourly housekeeping, the
  demo school's marks, the settings (`grades.non_rendu_counts_zero`,
  `grades.subject_coefficients`).
"""
