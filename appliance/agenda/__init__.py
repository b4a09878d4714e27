"""The agenda (issue 14): each person's own events, the school calendar (councils,
meetings, trips) read by its audience, the timetable's lessons beside them, and the one
iCal feed with both.

- `events`: writing and reading events (policy, audit of school events);
- `checks`: what is typed for an event, checked;
- `occurrences`: a range of events, weekly ones expanded;
- `week`: a week as the page shows it (events beside the timetable's lessons);
- `feed`: the events of the iCal feed (`appliance.schoollife.ical` makes the feed);
- `demo`, `export`: the demo school's events, a person's events for their RGPD export.
"""
