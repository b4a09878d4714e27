"""Files (issue 14): each person's documents and their classes' folders, the quota every
stored content of a person counts in (documents, message and homework attachments,
hand-ins), and the devoirs à rendre (`appliance.files.assignments`)."""
