"""Hand-ins (rendus): a student's files for a work, the teacher's follow-up, extensions,
the teacher's comment and corrected file, the ZIP of every hand-in.

A student hands in one or more files before their due time (the work's, or the later one
the teacher gave them: `extend`), and may replace them until then; a hand-in after it is
refused, or accepted and marked late when the work accepts late hand-ins. Once the due
time is past, or once the teacher has given it back, a hand-in no longer changes.

Each file counts in the student's quota (kind "submission", ref the file's row), charged
in the transaction that records it (a replaced file's space is freed in that same
transaction); the corrected file counts in the teacher's ("submission_return", ref the
hand-in). A hand-in is

    {"id", "assignment_id", "student_id", "submitted_at" (UTC ISO), "late",
     "comment_html", "comment", "files": [{"id", "name", "size", "mime", "sha256"}],
     "returned": {"name", "size", "mime", "sha256", "at"} | None}

The services ask no policy: the caller has (`assignments.hand_in` on the work for a
student's own; `assignments.follow` for the rest).
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

from appliance import blobs, richtext, timefmt
from appliance.db import now_iso, one, rows
from appliance.errors import CartableError, Conflict, NotFound
from appliance.files import quota
from appliance.files.assignments import works
from appliance.files.assignments.works import Upload
from appliance.i18n import N_
from appliance.security.audit import Actor, audited

SUBMISSION_KIND = "submission"
RETURN_KIND = "submission_return"
MAX_COMMENT = 5_000


class DeadlinePassed(Conflict):
    """The due time is past and the work accepts no late hand-in (HTTP 409)."""

    api_code = "deadline_passed"


# --- reading ------------------------------------------------------------------------------


def _files(conn: sqlite3.Connection, submission_ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {i: [] for i in submission_ids}
    if not submission_ids:
        return out
    marks = ",".join("?" * len(submission_ids))
    for r in rows(
        conn,
        "SELECT f.id, f.submission_id, f.name, f.size, f.sha256, coalesce(b.mime, "
        "'application/octet-stream') AS mime FROM submission_file f "
        f"LEFT JOIN blob b ON b.sha256 = f.sha256 WHERE f.submission_id IN ({marks}) "
        "ORDER BY f.id",
        tuple(submission_ids),
    ):
        out[r.pop("submission_id")].append(r)
    return out


def _shape(r: dict[str, Any], files: list[dict]) -> dict[str, Any]:
    returned = None
    if r["returned_sha256"]:
        returned = {
            "name": r["returned_name"],
            "size": r["returned_size"],
            "sha256": r["returned_sha256"],
            "mime": r.get("returned_mime") or "application/octet-stream",
            "at": r["returned_at"],
        }
    return {
        "id": r["id"],
        "assignment_id": r["assignment_id"],
        "student_id": r["student_id"],
        "submitted_at": r["submitted_at"],
        "late": bool(r["late"]),
        "comment_html": r["comment_html"],
        "comment": richtext.plain(r["comment_html"]),
        "files": files,
        "returned": returned,
    }


_SELECT = (
    "SELECT s.*, b.mime AS returned_mime FROM submission s "
    "LEFT JOIN blob b ON b.sha256 = s.returned_sha256"
)


def of_student(
    conn: sqlite3.Connection, assignment_id: int, student_id: int
) -> dict[str, Any] | None:
    """The student's hand-in of the work, None when they handed nothing in."""
    found = one(
        conn,
        f"{_SELECT} WHERE s.assignment_id = ? AND s.student_id = ?",
        (assignment_id, student_id),
    )
    if found is None:
        return None
    return _shape(found, _files(conn, [found["id"]])[found["id"]])


def of_work(conn: sqlite3.Connection, assignment_id: int) -> dict[int, dict[str, Any]]:
    """Every hand-in of the work, by student id."""
    found = rows(conn, f"{_SELECT} WHERE s.assignment_id = ?", (assignment_id,))
    files = _files(conn, [r["id"] for r in found])
    return {r["student_id"]: _shape(r, files[r["id"]]) for r in found}


def get_file(conn: sqlite3.Connection, file_id: int) -> dict[str, Any]:
    """One handed-in file, with its work's id and its student's (NotFound)."""
    found = one(
        conn,
        "SELECT f.id, f.name, f.size, f.sha256, s.assignment_id, s.student_id, "
        "coalesce(b.mime, 'application/octet-stream') AS mime FROM submission_file f "
        "JOIN submission s ON s.id = f.submission_id LEFT JOIN blob b ON b.sha256 = f.sha256 "
        "WHERE f.id = ?",
        (int(file_id),),
    )
    if found is None:
        raise NotFound(N_("Aucun fichier n'a le numéro %(id)s."), id=file_id)
    return found


def extension_of(conn: sqlite3.Connection, assignment_id: int, student_id: int) -> str | None:
    found = one(
        conn,
        "SELECT due_at FROM assignment_extension WHERE assignment_id = ? AND student_id = ?",
        (assignment_id, student_id),
    )
    return found["due_at"] if found else None


def due_for(conn: sqlite3.Connection, item: Mapping[str, Any], student_id: int) -> str:
    """The student's due time for the work (UTC ISO): their extension's, else the work's."""
    return extension_of(conn, item["id"], student_id) or item["due_at"]


def status(
    conn: sqlite3.Connection, item: Mapping[str, Any], student_id: int, *, now: str | None = None
) -> dict[str, Any]:
    """Where a student stands on a work: {"due_at", "extended", "submission" (or None),
    "state" ("handed_in", "late", "missing", "to_do", "returned"), "may_hand_in"}."""
    now = now or now_iso()
    due = due_for(conn, item, student_id)
    handed = of_student(conn, item["id"], student_id)
    past = now > due
    if handed is not None:
        state = (
            "returned"
            if handed["returned"] or handed["comment_html"]
            else ("late" if handed["late"] else "handed_in")
        )
        may = not past and not (handed["returned"] or handed["comment_html"])
    else:
        state = "missing" if past else "to_do"
        may = not past or item["late_allowed"]
    return {
        "due_at": due,
        "extended": due != item["due_at"],
        "submission": handed,
        "state": state,
        "may_hand_in": may,
    }


STATE_LABELS = {
    "handed_in": N_("Rendu"),
    "late": N_("Rendu en retard"),
    "missing": N_("Non rendu"),
    "to_do": N_("À rendre"),
    "returned": N_("Corrigé"),
}


def follow_up(
    conn: sqlite3.Connection, item: Mapping[str, Any], *, now: str | None = None
) -> list[dict[str, Any]]:
    """The work's students (active members of its audience, and whoever handed in and
    left since), by name: {"id", "login", "first_name", "last_name", "name" ("NOM
    Prénom"), "due_at", "extended", "submission", "state"}."""
    now = now or now_iso()
    members = set(works.student_ids(conn, item["audience"]))
    handed = of_work(conn, item["id"])
    ids = sorted(members | set(handed))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    people = rows(
        conn,
        f"SELECT id, login, first_name, last_name FROM person WHERE id IN ({marks}) "
        "ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id",
        tuple(ids),
    )
    extensions = {
        r["student_id"]: r["due_at"]
        for r in rows(
            conn,
            "SELECT student_id, due_at FROM assignment_extension WHERE assignment_id = ?",
            (item["id"],),
        )
    }
    out = []
    for p in people:
        due = extensions.get(p["id"]) or item["due_at"]
        sub = handed.get(p["id"])
        if sub is None:
            state = "missing" if now > due else "to_do"
        elif sub["returned"] or sub["comment_html"]:
            state = "returned"
        else:
            state = "late" if sub["late"] else "handed_in"
        out.append(
            {
                **p,
                "name": folder_name(p),
                "due_at": due,
                "extended": p["id"] in extensions,
                "submission": sub,
                "state": state,
            }
        )
    return out


def counts(conn: sqlite3.Connection, item: Mapping[str, Any]) -> dict[str, int]:
    """How many students the work has, how many handed in, how many of them late."""
    table = follow_up(conn, item)
    return {
        "students": len(table),
        "handed_in": sum(1 for r in table if r["submission"] is not None),
        "late": sum(1 for r in table if r["submission"] is not None and r["submission"]["late"]),
    }


def folder_name(person: Mapping[str, Any]) -> str:
    """« NOM Prénom »: a student's folder in the ZIP and their line in the table."""
    return f"{(person['last_name'] or '').upper()} {person['first_name'] or ''}".strip()


# --- handing in ---------------------------------------------------------------------------


def room_for(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    student: Mapping[str, Any],
    assignment_id: int,
) -> int:
    """The free space a hand-in of the student may fill: their free space plus what their
    current hand-in of this work takes (it is replaced)."""
    free = quota.usage(conn, config_values, student).free
    held = one(
        conn,
        "SELECT coalesce(sum(f.size), 0) AS n FROM submission_file f "
        "JOIN submission s ON s.id = f.submission_id "
        "WHERE s.assignment_id = ? AND s.student_id = ?",
        (assignment_id, student["id"]),
    )
    return free + int(held["n"] if held else 0)


def store_uploads(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    files_dir: Path,
    student: Mapping[str, Any],
    item: Mapping[str, Any],
    uploads: Iterable[tuple[BinaryIO, str]],
) -> list[Upload]:
    """Check the student may hand in now, then stream the files to the store within their
    space (`works.store_files`): a refusal comes before anything is written."""
    _check_open(conn, item, student["id"], now_iso())
    return works.store_files(
        files_dir,
        uploads,
        max_bytes=works.max_upload_bytes(config_values),
        room=room_for(conn, config_values, student, item["id"]),
    )


def _check_open(conn: sqlite3.Connection, item: Mapping[str, Any], student_id: int, now: str):
    due = due_for(conn, item, student_id)
    handed = of_student(conn, item["id"], student_id)
    if handed is not None and (handed["returned"] or handed["comment_html"]):
        raise Conflict(N_("Ce devoir a été corrigé : il ne peut plus être changé."), field="file")
    if now > due:
        if handed is not None:
            raise DeadlinePassed(
                N_("La date limite (%(due)s) est passée : votre rendu ne peut plus être changé."),
                field="file",
                due=timefmt.fmt_datetime(due),
            )
        if not item["late_allowed"]:
            raise DeadlinePassed(
                N_("La date limite (%(due)s) est passée et ce devoir n'accepte pas de retard."),
                field="file",
                due=timefmt.fmt_datetime(due),
            )
    return due


def hand_in(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    actor: Actor,
    student: Mapping[str, Any],
    item: Mapping[str, Any],
    files: Sequence[Upload],
    *,
    now: str | None = None,
) -> dict[str, Any]:
    """Record the student's hand-in of `files` (written by `store_uploads`), replacing the
    files of an earlier one; late when after their due time. Raises CartableError (no
    file), DeadlinePassed, Conflict (already corrected), QuotaExceeded: nothing changed."""
    if not files:
        raise CartableError(N_("Choisissez au moins un fichier à rendre."), field="file")
    if len(files) > works.MAX_FILES:
        raise works.too_many()
    now = now or now_iso()
    with audited(conn, actor, "assignments.hand_in", target=f"assignment:{item['id']}") as entry:
        due = _check_open(conn, item, student["id"], now)
        late = now > due
        old = conn.execute(
            "SELECT id FROM submission WHERE assignment_id = ? AND student_id = ?",
            (item["id"], student["id"]),
        ).fetchone()
        if old is None:
            submission_id = int(
                conn.execute(
                    "INSERT INTO submission (assignment_id, student_id, submitted_at, late) "
                    "VALUES (?, ?, ?, ?)",
                    (item["id"], student["id"], now, int(late)),
                ).lastrowid
                or 0
            )
            replaced = 0
        else:
            submission_id = int(old[0])
            earlier = [r[0] for r in conn.execute(
                "SELECT id FROM submission_file WHERE submission_id = ?", (submission_id,)
            )]  # fmt: skip
            for file_id in earlier:
                quota.release(conn, kind=SUBMISSION_KIND, ref=file_id)
            conn.execute("DELETE FROM submission_file WHERE submission_id = ?", (submission_id,))
            conn.execute(
                "UPDATE submission SET submitted_at = ?, late = ? WHERE id = ?",
                (now, int(late), submission_id),
            )
            replaced = len(earlier)
        for f in files:
            blobs.record(conn, f.blob)
            file_id = conn.execute(
                "INSERT INTO submission_file (submission_id, sha256, name, size, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (submission_id, f.blob.sha256, blobs.safe_name(f.name), f.blob.size, now),
            ).lastrowid
            quota.charge(conn, config_values, student, f.blob.size, kind=SUBMISSION_KIND,
                         ref=file_id)  # fmt: skip
        entry.details = {
            "files": len(files),
            "bytes": sum(f.blob.size for f in files),
            "late": late,
            "replaced": replaced,
        }
    found = of_student(conn, item["id"], student["id"])
    assert found is not None
    return found


# --- the teacher's side ---------------------------------------------------------------------


def _member(conn: sqlite3.Connection, item: Mapping[str, Any], student_id: int) -> None:
    if student_id not in works.student_ids(conn, item["audience"]):
        raise NotFound(
            N_("Cet élève n'est pas de la classe ou du groupe de ce devoir."), field="login"
        )


def extend(
    conn: sqlite3.Connection,
    actor: Actor,
    item: Mapping[str, Any],
    student_id: int,
    due: str | None,
) -> dict[str, Any]:
    """Give one student of the work's audience a later due time (`works.parse_due`'s
    forms); a hand-in already made is late or not against it. Returns the student's
    `status`. Raises NotFound (not a student of the work), CartableError (the time)."""
    _member(conn, item, student_id)
    due_at = works.parse_due(due)
    if due_at < item["due_at"]:
        raise CartableError(
            N_("Le nouveau délai (%(due)s) vient avant la date limite du devoir (%(work)s)."),
            field="due",
            due=timefmt.fmt_datetime(due_at),
            work=timefmt.fmt_datetime(item["due_at"]),
        )
    stamp = now_iso()
    with audited(conn, actor, "assignments.extend", target=f"assignment:{item['id']}") as e:
        e.details = {"student": student_id, "due": due_at}
        conn.execute(
            "INSERT INTO assignment_extension (assignment_id, student_id, due_at, granted_by, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (assignment_id, student_id) "
            "DO UPDATE SET due_at = excluded.due_at, granted_by = excluded.granted_by",
            (item["id"], student_id, due_at, actor.id, stamp),
        )
        conn.execute(
            "UPDATE submission SET late = (submitted_at > ?) WHERE assignment_id = ? "
            "AND student_id = ?",
            (due_at, item["id"], student_id),
        )
    return status(conn, item, student_id)


def give_back(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    actor: Actor,
    teacher: Mapping[str, Any],
    item: Mapping[str, Any],
    student_id: int,
    *,
    comment: str | None,
    corrected: Upload | None = None,
) -> dict[str, Any]:
    """The teacher's comment on a hand-in and, optionally, a corrected file (counted in the
    teacher's quota, replacing an earlier one). Raises NotFound (nothing handed in),
    QuotaExceeded."""
    handed = of_student(conn, item["id"], student_id)
    if handed is None:
        raise NotFound(N_("Cet élève n'a rien rendu pour ce devoir."), field="comment")
    html = richtext.clean_input(comment or "", field="comment", max_chars=MAX_COMMENT)
    if not richtext.plain(html) and corrected is None:
        raise CartableError(
            N_("Écrivez un commentaire ou joignez le fichier corrigé."), field="comment"
        )
    stamp = now_iso()
    with audited(conn, actor, "assignments.give_back", target=f"assignment:{item['id']}") as e:
        e.details = {"student": student_id, "file": corrected is not None}
        conn.execute(
            "UPDATE submission SET comment_html = ?, returned_at = ?, returned_by = ? WHERE id = ?",
            (html, stamp, actor.id, handed["id"]),
        )
        if corrected is not None:
            blobs.record(conn, corrected.blob)
            quota.release(conn, kind=RETURN_KIND, ref=handed["id"])
            conn.execute(
                "UPDATE submission SET returned_sha256 = ?, returned_name = ?, "
                "returned_size = ? WHERE id = ?",
                (corrected.blob.sha256, corrected.name, corrected.blob.size, handed["id"]),
            )
            quota.charge(conn, config_values, teacher, corrected.blob.size, kind=RETURN_KIND,
                         ref=handed["id"], field="corrected")  # fmt: skip
    found = of_student(conn, item["id"], student_id)
    assert found is not None
    return found


# --- the ZIP --------------------------------------------------------------------------------


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({n}){dot}{ext}" if dot else f"{name} ({n})"
        n += 1
    taken.add(candidate.casefold())
    return candidate


def write_zip(
    conn: sqlite3.Connection, files_dir: Path, item: Mapping[str, Any], out: IO[bytes]
) -> int:
    """Write every hand-in of the work to `out` (a file open for writing: a temporary file,
    never memory) as a ZIP with one folder per student (« NOM Prénom/fichier »; homonyms
    get their login), each content streamed from the store. Returns how many files."""
    table = [r for r in follow_up(conn, item) if r["submission"] is not None]
    folders: set[str] = set()
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for r in table:
            base = blobs.safe_name(r["name"], default=r["login"])
            folder = base if base.casefold() not in folders else f"{base} ({r['login']})"
            folders.add(folder.casefold())
            taken: set[str] = set()
            for f in r["submission"]["files"]:
                arcname = f"{folder}/{_unique(blobs.safe_name(f['name']), taken)}"
                info = zipfile.ZipInfo(arcname, _zip_time(r["submission"]["submitted_at"]))
                info.compress_type = zipfile.ZIP_DEFLATED
                with (
                    blobs.open_read(files_dir, f["sha256"]) as src,
                    zf.open(info, "w", force_zip64=f["size"] > 2**31) as dst,
                ):
                    while chunk := src.read(blobs.CHUNK):
                        dst.write(chunk)
                count += 1
    return count


def _zip_time(stamp: str) -> tuple[int, int, int, int, int, int]:
    local = timefmt.to_local(stamp)
    t = local.timetuple() if local is not None else None
    if t is None or t.tm_year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def zip_name(item: Mapping[str, Any]) -> str:
    return blobs.safe_name(f"rendus-{item['audience']['code']}-{item['title']}.zip")
