"""The communication rules in words: the scopes, the rule names, the matrix's headers
(French msgids, translated where shown)."""

from __future__ import annotations

from appliance.i18n import N_

# Who may be reached under each scope, in words (the matrix, the refusals).
SCOPE_LABELS = {
    "own_class": N_("les élèves de sa classe"),
    "own_teachers": N_("ses professeurs"),
    "own_children": N_("ses propres enfants"),
    "own_parents": N_("ses propres parents"),
    "children_teachers": N_("les professeurs de ses enfants"),
    "taught_students": N_("les élèves de ses classes"),
    "parents_of_taught": N_("les parents de ses élèves"),
    "school_life": N_("la vie scolaire et la direction"),
    "school": N_("tout l'établissement"),
}

# The rule names in words: one person (refusals), and the matrix's headers.
WORDS = {
    "student": N_("élève"),
    "relative": N_("parent"),
    "teacher": N_("enseignant"),
    "staff": N_("personnel"),
    "guest": N_("invité"),
    "admin": N_("technicien"),
}
HEADERS = {
    "student": N_("Élèves"),
    "relative": N_("Parents"),
    "teacher": N_("Enseignants"),
    "staff": N_("Personnels (vie scolaire, direction, documentation…)"),
    "guest": N_("Invités"),
    "admin": N_("Technicien"),
}
