"""Numbered SQL migrations of the roll call and absences (`cartable.db`; numbers 0060 to
0064 are this service's, shared with every feature's migrations, see `appliance.db`)."""
