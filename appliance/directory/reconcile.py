"""Import planning: compare import files with the directory, say what would change.

`plan(conn, files, full=..., today=...)` parses the files, checks them against the school
(UAI, school year), matches every person with the directory by stable external id (SIECLE
ELEVE_ID or INE, PERSONNE_ID, STS individual, CSV id), falling back to name + birth date,
and returns a `Plan`: people to add, update (which fields), move, reactivate, mark as
departed or leave alone; classes and groups to create, reopen or retire; guardian links
and teaching assignments to add or drop; every problem with file and line.

SIECLE and STS files are complete lists: a person they used to bring who is missing now
departs. A CSV only adds and corrects, unless `full` makes it the complete list of the
profiles it contains (people brought by SIECLE or STS excepted). `apply(conn, plan, actor)`
carries a plan out in one transaction (see `appliance.directory.apply`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from appliance import timefmt
from appliance.db import one
from appliance.directory import snapshot
from appliance.directory.apply import ApplyResult, StalePlan, apply
from appliance.directory.imports import parse_path
from appliance.directory.imports.detect import KIND_LABELS, SIECLE_ELEVES
from appliance.directory.imports.records import ParsedFile, UnreadableFile
from appliance.directory.matching import Matcher
from appliance.directory.plan import Plan, exit_code
from appliance.i18n import N_

__all__ = [
    "ApplyResult",
    "Plan",
    "StalePlan",
    "UnreadableFile",
    "apply",
    "default_school_year",
    "exit_code",
    "plan",
    "run_import",
]


def default_school_year(today: date) -> int:
    """The school year (by its starting calendar year) that `today` falls in; it turns on
    1 August, when the rollover exports usually start."""
    return today.year if today.month >= 8 else today.year - 1


def plan(
    conn: sqlite3.Connection,
    files: Sequence[Path],
    *,
    full: bool = False,
    today: date | None = None,
    school_year: int | None = None,
    progress: Callable[..., None] | None = None,
) -> Plan:
    """Compute what importing `files` would do, without writing anything.

    Given the database connection, the paths (XML, CSV or ZIP files), `full` (a CSV is
    then a complete list), the import date (default: today) and the box's school year
    (default: the `school` row's, else derived from the date). `progress(done, total,
    template, **values)`, when given, is called before each step (one per file, then the
    comparison with the directory: `len(files) + 1` steps); the job queue's report may
    raise there to stop the plan. Returns the Plan; a plan with errors
    (`plan.applicable` False) can't be applied. Raises UnreadableFile when a file can't
    be read at all or is of no known format.
    """
    today = today or timefmt.today()
    school = one(conn, "SELECT uai, school_year FROM school WHERE id = 1")
    year = school_year or (school or {}).get("school_year") or default_school_year(today)
    steps = len(files) + 1
    parsed: list[ParsedFile] = []
    for n, path in enumerate(files):
        if progress is not None:
            progress(n, steps, N_("Lecture du fichier %(file)s."), file=Path(path).name)
        parsed.extend(
            parse_path(Path(path), today=today, full=full, guest_expiry=date(year + 1, 8, 31))
        )
    if not parsed:
        raise UnreadableFile(N_("Aucun fichier à importer."))
    if progress is not None:
        progress(steps - 1, steps, N_("Comparaison avec l'annuaire."))
    snap = snapshot.load(conn)
    result = Plan(today=today, full=full, school_year=year, fingerprint=snap.fingerprint)
    _check_files(parsed, school, year)
    Matcher(snap, parsed, result, today).run()
    result.problems = [p for pf in parsed for p in pf.problems]
    result.files = [
        {
            "file": pf.label,
            "kind": pf.kind,
            "kind_label": KIND_LABELS.get(pf.kind, pf.kind),
            "encoding": pf.encoding,
            "uai": pf.uai,
            "year": pf.year,
            "sha256": pf.sha256,
            "stats": pf.stats,
        }
        for pf in parsed
    ]
    return result


def run_import(
    conn: sqlite3.Connection,
    files: Sequence[Path],
    *,
    full: bool = False,
    dry_run: bool = False,
    today: date | None = None,
    school_year: int | None = None,
    actor: str | None = None,
    initial_passwords: bool = False,
) -> tuple[Plan, ApplyResult | None]:
    """Plan, then apply unless `dry_run` or the plan has errors: what `cartable import` does.

    New accounts get no password here (hashing thousands of them would make a rentrée
    import take minutes): their initial password is issued when their slip is printed
    (`cartable credentials --new-since-import N`), which is also when it is handed out.

    Returns (plan, result); result is None when nothing was applied. The exit code is
    `exit_code(plan)` (0 or 1); UnreadableFile (exit code 2) propagates.
    """
    made = plan(conn, files, full=full, today=today, school_year=school_year)
    if dry_run or not made.applicable:
        return made, None
    return made, apply(conn, made, actor=actor, initial_passwords=initial_passwords)


def _check_files(parsed: list[ParsedFile], school: dict | None, year: int) -> None:
    """Cross-file checks: school UAI, school year, the same file or kind given twice."""
    seen_sha: dict[str | None, str] = {}
    seen_kind: dict[str, str] = {}
    for pf in parsed:
        if pf.sha256 in seen_sha:
            pf.error(
                N_("Ce fichier est le même que %(seen_sha)s : donnez-le une seule fois."),
                seen_sha=seen_sha[pf.sha256],
            )
            continue
        seen_sha[pf.sha256] = pf.label
        if pf.kind != "csv" and pf.kind in seen_kind:
            pf.error(
                N_(
                    "Deux fichiers %(kind)s (%(seen_kind)s et %(label)s) : "
                    "un import n'en prend qu'un de chaque sorte."
                ),
                kind=KIND_LABELS[pf.kind],
                seen_kind=seen_kind[pf.kind],
                label=pf.label,
            )
        seen_kind.setdefault(pf.kind, pf.label)
        if school is None:
            pf.error(
                N_(
                    "Aucun établissement n'est configuré dans la box (UAI inconnu) : lancez "
                    "d'abord `cartable init`, puis recommencez l'import."
                )
            )
        elif pf.uai and pf.uai != (school["uai"] or "").strip().upper():
            pf.error(
                N_(
                    "Ce fichier est celui de l'établissement %(uai)s, pas du vôtre "
                    "(%(school_uai)s) : il a été exporté pour un autre établissement. "
                    "Demandez l'export de votre établissement."
                ),
                uai=pf.uai,
                school_uai=school["uai"],
            )
        if pf.year is not None and pf.year != year:
            pf.warn(
                N_(
                    "Ce fichier est de l'année scolaire %(year)s-%(next_year)s, alors que la box "
                    "est en %(box_year)s-%(box_next_year)s : vérifiez que c'est le bon export "
                    "(après la bascule, SIECLE peut encore donner l'année précédente)."
                ),
                year=pf.year,
                next_year=pf.year + 1,
                box_year=year,
                box_next_year=year + 1,
            )
    if any(pf.kind == "siecle_responsables" for pf in parsed) and not any(
        pf.kind == SIECLE_ELEVES for pf in parsed
    ):
        for pf in parsed:
            if pf.kind == "siecle_responsables":
                pf.warn(
                    N_(
                        "Fichier des responsables importé sans le fichier des élèves : les élèves "
                        "actuels sont pris dans l'annuaire. Importez les deux ensemble de "
                        "préférence."
                    )
                )
