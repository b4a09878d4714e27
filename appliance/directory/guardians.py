"""Who gets a parent account, and linked to which children.

Only legal guardians of current students get an account: RESP_LEGAL 1 or 2 (older SIECLE
files) or NIVEAU_RESPONSABILITE 1 (current ones), towards a student who is at school now.
One account per adult, linked to every current child they are the legal guardian of;
each guardian of a child gets their own account. Contacts, people in charge who are not
legal guardians, and guardians of students who have left get none. The same rule holds
for a relative of the CSV template: at least one of their `idenfant` must be a current
student.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from appliance.directory.imports.records import ExternalKey, ParsedFile, PersonRecord, key_text
from appliance.i18n import N_

StudentResolver = Callable[[ExternalKey], str | None]


def siecle_accounts(
    pf: ParsedFile, current: StudentResolver, known: Callable[[ExternalKey], bool]
) -> list[PersonRecord]:
    """The relative records of a SIECLE responsables file that get an account.

    `current(key)` returns a canonical student key text when `key` is a current student
    (else None); `known(key)` says whether the student exists at all (file or directory).
    Problems (unknown students, nameless guardians) are added to `pf`.
    """
    links = defaultdict(list)
    unknown = []
    for link in pf.guardian_links:
        links[link.person_key].append(link)
        if not known(link.student_key):
            unknown.append(link)
    _report_unknown(pf, unknown)
    out, contacts, former = [], 0, 0
    for rec in pf.people:
        mine = links.get(rec.key, [])
        legal = [lk for lk in mine if lk.legal]
        children: dict[str, ExternalKey] = {}
        for lk in legal:
            canonical = current(lk.student_key)
            if canonical is not None and canonical not in children:
                children[canonical] = lk.student_key
                rec.relationship[lk.student_key] = lk.relationship or ""
        if not children:
            if legal:
                former += 1
            else:
                contacts += 1
            continue
        if not rec.first_name or not rec.last_name:
            pf.error(
                N_(
                    "Le responsable légal PERSONNE_ID %(key)s n'a pas de nom ou de prénom : "
                    "complétez-le dans SIECLE."
                ),
                rec.line,
                "PERSONNE",
                key=rec.key[1],
            )
            continue
        rec.children = list(children.values())
        out.append(rec)
    pf.stats["guardian_accounts"] = len(out)
    pf.stats["adults_without_account_contacts"] = contacts
    pf.stats["adults_without_account_former_students"] = former
    return out


def _report_unknown(pf: ParsedFile, unknown: list) -> None:
    """One warning per link to an unknown student, or a summary when there are many."""
    if len(unknown) <= 5:
        for link in unknown:
            pf.warn(
                N_(
                    "Le responsable PERSONNE_ID %(person_key)s est lié à l'élève "
                    "ELEVE_ID %(student_key)s, inconnu (ni dans le fichier des élèves, ni "
                    "dans l'annuaire) : lien ignoré."
                ),
                link.line,
                "RESPONSABLE_ELEVE",
                person_key=link.person_key[1],
                student_key=link.student_key[1],
            )
        return
    ids = sorted({link.student_key[1] for link in unknown})
    shown = ", ".join(ids[:10]) + ("…" if len(ids) > 10 else "")
    pf.warn(
        N_(
            "%(count)s liens responsable-élève citent %(students)s élèves inconnus (ni dans le "
            "fichier des élèves, ni dans l'annuaire ; ELEVE_ID %(shown)s) : liens ignorés. "
            "Importez le fichier des élèves du même jour."
        ),
        unknown[0].line,
        "RESPONSABLE_ELEVE",
        count=len(unknown),
        students=len(ids),
        shown=shown,
    )


def csv_accounts(
    records: list[PersonRecord],
    current: StudentResolver,
    pf_of: Callable[[PersonRecord], ParsedFile],
) -> list[PersonRecord]:
    """Relatives of the CSV template that get (or keep) an account.

    A row whose `idenfant` cells are all empty keeps the links the directory already has
    (and is accepted); a row naming only unknown or former students is dropped with a
    warning.
    """
    out = []
    for rec in records:
        if not rec.sets_children:
            out.append(rec)
            continue
        children: dict[str, ExternalKey] = {}
        for key in rec.children:
            canonical = current(key)
            if canonical is None:
                pf_of(rec).warn(
                    N_(
                        "%(name)s : l'enfant « %(key_text)s » n'est pas un élève actuel "
                        "de l'établissement : lien ignoré."
                    ),
                    rec.line,
                    name=rec.label(),
                    key_text=key_text(key),
                )
            elif canonical not in children:
                children[canonical] = key
        if not children:
            pf_of(rec).warn(
                N_("%(name)s n'est le responsable d'aucun élève actuel : pas de compte parent."),
                rec.line,
                name=rec.label(),
            )
            continue
        rec.children = list(children.values())
        out.append(rec)
    return out
