"""A person's devoirs à rendre for their RGPD export (`Feature.exports`): a student's
hand-ins (their files named, with size and fingerprint, the teacher's comment, the
corrected file, the extensions given to them); a teacher's works given and the
extensions and corrections they gave."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import rows
from appliance.files.assignments import handins, works


def files(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """{"assignments.json": {"handed_in", "extensions", "given"}}."""
    handed = []
    for r in rows(
        conn,
        "SELECT assignment_id FROM submission WHERE student_id = ? ORDER BY submitted_at, id",
        (person_id,),
    ):
        item = works.get(conn, r["assignment_id"])
        sub = handins.of_student(conn, item["id"], person_id)
        if sub is None:
            continue
        handed.append(
            {
                "assignment": {
                    "id": item["id"],
                    "title": item["title"],
                    "subject": item["subject"],
                    "audience": f"{item['audience']['kind']}:{item['audience']['code']}",
                    "due_at": item["due_at"],
                },
                "submitted_at": sub["submitted_at"],
                "late": sub["late"],
                "files": [
                    {k: f[k] for k in ("name", "size", "mime", "sha256")} for f in sub["files"]
                ],
                "comment": sub["comment"],
                "returned": sub["returned"],
            }
        )
    extensions = rows(
        conn,
        "SELECT e.assignment_id, a.title, e.due_at, e.created_at FROM assignment_extension e "
        "JOIN assignment a ON a.id = e.assignment_id WHERE e.student_id = ? ORDER BY e.created_at",
        (person_id,),
    )
    given = [
        {
            "id": w["id"],
            "title": w["title"],
            "subject": w["subject"],
            "audience": f"{w['audience']['kind']}:{w['audience']['code']}",
            "due_at": w["due_at"],
            "late_allowed": w["late_allowed"],
            "instructions": w["instructions"],
            "files": [
                {k: f[k] for k in ("name", "size", "mime", "sha256")} for f in w["attachments"]
            ],  # fmt: skip
            "created_at": w["created_at"],
        }
        for w in works.by_author(conn, person_id)
    ]
    return {"assignments.json": {"handed_in": handed, "extensions": extensions, "given": given}}
