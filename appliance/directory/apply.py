"""Carry out an import plan in one transaction: it all lands, or nothing does.

New accounts get a random readable initial password that must be changed at first login;
only its argon2id hash is stored. The plain passwords are hashed before the transaction
opens (in a thread pool: argon2 releases the GIL) so the write lock is held briefly, and
they are returned once in `ApplyResult.initial_passwords` for the caller to print
immediately; later, `credentials.issue_credentials` issues fresh ones.
"""

from __future__ import annotations

import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from appliance.db import now_iso, rows, transaction
from appliance.directory import history, snapshot
from appliance.directory.plan import PersonChange, Plan
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security.passwords import generate_initial_password, hash_password


class StalePlan(CartableError):
    """The directory changed between the plan and its apply: plan again."""


class PlanHasErrors(CartableError):
    """The plan has errors: nothing can be applied."""


@dataclass
class ApplyResult:
    """What an apply did. `initial_passwords` (person id → plain password) lives only in
    memory: print it now or never (reprinting issues new passwords)."""

    import_id: int
    counts: dict[str, dict[str, int]]
    created: list[dict[str, Any]] = field(default_factory=list)
    initial_passwords: dict[int, str] = field(default_factory=dict, repr=False)
    warnings: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (no passwords)."""
        return {
            "import_id": self.import_id,
            "counts": self.counts,
            "created": self.created,
            "warnings": self.warnings,
        }


def hash_many(passwords: list[str]) -> list[str]:
    """argon2id hashes of many passwords, computed in parallel."""
    if len(passwords) < 4:
        return [hash_password(p) for p in passwords]
    workers = max(1, min(8, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(hash_password, passwords))


def apply(
    conn: sqlite3.Connection,
    plan: Plan,
    actor: str | None = None,
    *,
    initial_passwords: bool = True,
) -> ApplyResult:
    """Apply `plan` in one write transaction and record it in the import history.

    Given the connection, the plan and the login of who applies it (for the history and
    the audit log). With `initial_passwords` False, new accounts get no password at all
    (they can't log in until `issue_credentials` prints their slips), which spares the
    argon2 cost of a very large first import. Returns an ApplyResult. Raises PlanHasErrors
    if the plan has errors and StalePlan if the directory changed since the plan was made;
    on any failure the transaction is rolled back and the directory is left as it was.
    """
    if not plan.applicable:
        raise PlanHasErrors(
            N_(
                "L'import a %(count)s erreur(s) : rien n'a été modifié. Corrigez les "
                "fichiers (voir la liste des problèmes) et recommencez."
            ),
            count=len(plan.errors),
        )
    adds = [c for c in plan.people if c.action == "add"]
    plain = [generate_initial_password() if initial_passwords else "" for _ in adds]
    hashes = hash_many(plain) if initial_passwords else [""] * len(adds)
    with transaction(conn):
        if snapshot.fingerprint(conn) != plan.fingerprint:
            raise StalePlan(
                N_(
                    "L'annuaire a changé depuis l'aperçu de cet import : refaites l'aperçu, "
                    "puis appliquez-le."
                )
            )
        counts = plan.counts()
        import_id = history.insert_import_run(
            conn,
            effective_date=plan.today.isoformat(),
            actor=actor,
            full=plan.full,
            files=plan.files,
            counts=counts,
            warnings=len(plan.warnings),
            created=len(adds),
        )
        result = ApplyResult(import_id=import_id, counts=counts, warnings=len(plan.warnings))
        _write(conn, plan, result, list(zip(adds, plain, hashes, strict=True)))
        history.audit(
            conn,
            "directory.import",
            actor=actor,
            target=f"import:{import_id}",
            details={"counts": counts, "files": [f["kind"] for f in plan.files]},
        )
    return result


def _write(
    conn: sqlite3.Connection,
    plan: Plan,
    result: ApplyResult,
    adds: list[tuple[PersonChange, str, str]],
) -> None:
    """The writes of an apply, in order: subjects, structures, people, relations, retirements."""
    _subjects(conn, plan)
    _structures(conn, "school_class", plan.classes.create, plan.classes.update, plan.classes.reopen)
    _structures(conn, "teaching_group", plan.groups.create, plan.groups.update, plan.groups.reopen)
    refs = _create_all(conn, adds, result)
    for change in plan.people:
        if change.action in ("update", "reactivate", "depart"):
            _update(conn, change, plan)
    _relations(conn, plan, refs)
    stamp = now_iso()
    for table, codes in (
        ("school_class", plan.classes.retire),
        ("teaching_group", plan.groups.retire),
    ):
        conn.executemany(
            f"UPDATE {table} SET retired_at = ? WHERE code = ? AND retired_at IS NULL",
            [(stamp, code) for code in codes],
        )


_PERSON_INSERT = (
    "INSERT INTO person (id, login, profile, state, first_name, last_name, birth_date, email, "
    "function, password_hash, must_change_password, expires_on, created_at, updated_at, "
    "created_by_import) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
)


def _create_all(
    conn: sqlite3.Connection, adds: list[tuple[PersonChange, str, str]], result: ApplyResult
) -> dict[str, int]:
    """Insert every new person in two `executemany` (people, then their external ids).

    The ids are given here, following the highest one, so that nothing has to be read back
    row by row: a rentrée's thousands of accounts keep the write lock for a fraction of a
    second. The plan already chose free logins on the directory that the fingerprint
    vouches for; the UNIQUE index and the retired-login check below stop the apply (and
    roll it all back) if that were ever wrong. Returns plan ref → new person id.
    """
    if not adds:
        return {}
    logins = [(change.login or "").strip().lower() for change, _, _ in adds]
    retired = _retired_among(conn, logins)
    if retired or any(not login for login in logins):
        raise StalePlan(
            N_(
                "Un identifiant prévu par l'aperçu n'est plus libre : refaites l'aperçu, puis "
                "appliquez-le."
            )
        )
    first = (conn.execute("SELECT coalesce(max(id), 0) FROM person").fetchone()[0] or 0) + 1
    stamp = now_iso()
    people_rows: list[tuple] = []
    id_rows: list[tuple[int, str, str]] = []
    refs: dict[str, int] = {}
    for pid, login, (change, password, pw_hash) in zip(
        range(first, first + len(adds)), logins, adds, strict=True
    ):
        values = {f: new for f, (_, new) in change.fields.items()}
        people_rows.append(
            (
                pid,
                login,
                change.profile,
                change.first_name.strip(),
                change.last_name.strip(),
                values.get("birth_date"),
                values.get("email"),
                values.get("function"),
                pw_hash or None,
                values.get("expires_on"),
                stamp,
                stamp,
                result.import_id,
            )
        )
        id_rows.extend((pid, s, v) for s, v in change.new_ids)
        refs[change.ref] = pid
        if password:
            result.initial_passwords[pid] = password
        result.created.append({"person_id": pid, "login": login, "profile": change.profile})
    conn.executemany(_PERSON_INSERT, people_rows)
    conn.executemany("INSERT INTO external_id (person_id, source, value) VALUES (?, ?, ?)", id_rows)
    return refs


def _retired_among(conn: sqlite3.Connection, logins: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(logins), 500):
        chunk = logins[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT login FROM retired_login WHERE login IN ({marks})"
        found += [r[0] for r in conn.execute(sql, chunk)]
    return found


_UPDATABLE = {"first_name", "last_name", "birth_date", "email", "function", "expires_on", "profile"}


def _update(conn: sqlite3.Connection, change: PersonChange, plan: Plan) -> None:
    pid = change.person_id
    stamp = now_iso()
    if change.action == "depart":
        conn.execute(
            "UPDATE person SET state = 'departed', departed_on = ?, disabled_on = NULL, "
            "updated_at = ? WHERE id = ? AND state = 'active'",
            (change.departed_on or plan.today.isoformat(), stamp, pid),
        )
        return
    sets = {f: new for f, (_, new) in change.fields.items() if f in _UPDATABLE}
    if change.action == "reactivate":
        sets.update({"state": "active", "departed_on": None, "disabled_on": None})
    if sets:
        assignments = ", ".join(f"{k} = ?" for k in sets)
        conn.execute(
            f"UPDATE person SET {assignments}, updated_at = ? WHERE id = ?",
            (*sets.values(), stamp, pid),
        )
    conn.executemany(
        "INSERT OR IGNORE INTO external_id (person_id, source, value) VALUES (?, ?, ?)",
        [(pid, s, v) for s, v in change.new_ids],
    )


def _subjects(conn: sqlite3.Connection, plan: Plan) -> None:
    for s in plan.subjects:
        conn.execute(
            "INSERT INTO subject (code, name, short_name) VALUES (?, ?, ?) ON CONFLICT (code) "
            "DO UPDATE SET name = excluded.name, short_name = excluded.short_name",
            (s["code"], s["name"], s.get("short")),
        )


def _structures(
    conn: sqlite3.Connection,
    table: str,
    create: list[dict[str, Any]],
    update: list[dict[str, Any]],
    reopen: list[str],
) -> None:
    for item in create:
        if table == "school_class":
            conn.execute(
                "INSERT INTO school_class (code, name, level) VALUES (?, ?, ?)",
                (item["code"], item["name"], item.get("level")),
            )
        else:
            conn.execute(
                "INSERT INTO teaching_group (code, name) VALUES (?, ?)",
                (item["code"], item["name"]),
            )
    for item in update:
        sets = {k: new for k, (_, new) in item["fields"].items()}
        assignments = ", ".join(f"{k} = ?" for k in sets)
        conn.execute(
            f"UPDATE {table} SET {assignments} WHERE code = ?", (*sets.values(), item["code"])
        )
    conn.executemany(
        f"UPDATE {table} SET retired_at = NULL WHERE code = ?", [(code,) for code in reopen]
    )


def _relations(conn: sqlite3.Connection, plan: Plan, refs: dict[str, int]) -> None:
    def pid(ref: str) -> int:
        return refs[ref] if ref in refs else int(ref[2:])

    classes = {r["code"]: r["id"] for r in rows(conn, "SELECT id, code FROM school_class")}
    groups = {r["code"]: r["id"] for r in rows(conn, "SELECT id, code FROM teaching_group")}
    conn.executemany(
        "DELETE FROM class_membership WHERE person_id = ? AND class_id = ?",
        [(pid(r), classes[c]) for r, c in plan.class_drop],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO class_membership (person_id, class_id) VALUES (?, ?)",
        [(pid(r), classes[c]) for r, c in plan.class_add],
    )
    conn.executemany(
        "DELETE FROM group_membership WHERE person_id = ? AND group_id = ?",
        [(pid(r), groups[c]) for r, c in plan.group_drop],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO group_membership (person_id, group_id) VALUES (?, ?)",
        [(pid(r), groups[c]) for r, c in plan.group_add],
    )
    conn.executemany(
        "DELETE FROM guardian_link WHERE guardian_id = ? AND student_id = ?",
        [(pid(g), pid(s)) for g, s in plan.link_drop],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO guardian_link (guardian_id, student_id, level, relationship) "
        "VALUES (?, ?, 1, ?)",
        [(pid(g), pid(s), rel) for g, s, rel in plan.link_add],
    )
    conn.executemany(
        "DELETE FROM teaching WHERE id = ?", [(row_id,) for _, row_id, *_ in plan.teaching_drop]
    )
    conn.executemany(
        "INSERT OR IGNORE INTO teaching (teacher_id, class_id, group_id, subject_code, "
        "head_teacher) VALUES (?, ?, ?, ?, ?)",
        [
            (
                pid(r),
                classes[c] if kind == "class" else None,
                groups[c] if kind == "group" else None,
                subject,
                head,
            )
            for r, kind, c, subject, head in plan.teaching_add
        ],
    )
