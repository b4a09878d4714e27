"""A person's data, for the right of access and portability (RGPD art. 15 and 20).

`export_zip(conn, person_id)` gathers everything the box holds about one person and
returns a ZIP of JSON files: their profile and external ids, their classes and groups,
their guardian links (children or guardians), what they teach, the audit entries about
them or by them, their open sessions, the import that created them, the files other
features write for a person (`Feature.exports`: notifications, news, forums…) and the
rows other features attach to them. Secrets (password and TOTP hashes, session ids) are
never in it.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime
from typing import Any

from appliance import features
from appliance.db import now_iso, one, rows
from appliance.directory import people
from appliance.directory.lifecycle import person_references
from appliance.school import get_school
from appliance.schoollife.diary import progress
from appliance.security import audit
from appliance.security.audit import Actor

# Tables this module exports by name; any other table pointing at person goes to other.json.
_KNOWN = {
    "external_id",
    "class_membership",
    "group_membership",
    "guardian_link",
    "teaching",
    "web_session",
    # messages.json (appliance/community/export.py)
    "message",
    "message_box",
    "message_folder",
    "message_address",
    "homework_done",
}
_SECRET_COLUMN = re.compile(r"hash|secret|token|password", re.IGNORECASE)

README = """Vos données dans Cartable ({school})
Export du {at} pour {name} (identifiant {login}).

Ce fichier ZIP contient tout ce que l'espace numérique de travail conserve sur vous
(RGPD, articles 15 et 20), au format JSON, lisible par tout éditeur de texte :

- profile.json : votre fiche (nom, profil, état du compte, dates) et vos identifiants
  nationaux (SIECLE, INE, STS) ;
- memberships.json : vos classes et vos groupes ;
- guardian_links.json : vos enfants (compte parent) ou vos responsables légaux (élève) ;
- teaching.json : ce que vous enseignez, dans quelles classes et quels groupes ;
- audit.json : le journal des actions faites par vous ou sur votre compte (connexions,
  changements de mot de passe, actions de l'administrateur) ;
- sessions.json : vos sessions ouvertes (date, adresse, navigateur) ;
- provenance.json : l'import (SIECLE, STS-Web ou CSV) qui a créé votre compte ;
- messages.json : vos messages (reçus, envoyés, brouillons, corbeille) et vos dossiers,
  tels que vous les voyez ; les pièces jointes y sont nommées, sans leur contenu ;
- notifications.json : vos notifications, leurs réglages et votre adresse de courriel ;
- news.json, forums.json : les actualités que vous avez écrites, les sujets et messages
  de forum que vous avez écrits ;
- homework_done.json : les travaux du cahier de textes que vous avez cochés comme faits
  (élève), avec la matière et la date ;
- files.json : vos documents (dossiers et fichiers de votre espace, ceux que vous avez
  déposés dans un dossier de classe, leurs partages) et ce qui compte dans votre quota ;
  leur contenu se télécharge depuis « Mes documents » ;
- assignments.json : les devoirs à rendre que vous avez rendus (élève : les fichiers,
  nommés, le commentaire et la copie corrigée du professeur, vos délais prolongés) ou
  donnés (professeur) ;
- agenda.json : les événements de votre agenda personnel, et ceux du calendrier de
  l'établissement que vous avez écrits ;
- other.json : les données des autres services qui vous sont rattachées.

Les mots de passe ne sont jamais conservés en clair et ne figurent pas dans cet export.
Pour faire corriger une information, adressez-vous au secrétariat de l'établissement.
"""


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).replace(microsecond=0).isoformat()


def collect(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """Everything about the person, as {file name: JSON-ready value}; raises NotFound."""
    person = people.get_person(conn, person_id)
    person.pop("classes", None)
    ids = rows(
        conn,
        "SELECT source, value FROM external_id WHERE person_id = ? ORDER BY source",
        (person_id,),
    )
    memberships = {
        "classes": rows(
            conn,
            "SELECT c.code, c.name, c.level, c.retired_at FROM class_membership m "
            "JOIN school_class c ON c.id = m.class_id WHERE m.person_id = ? ORDER BY c.code",
            (person_id,),
        ),
        "groups": rows(
            conn,
            "SELECT g.code, g.name, g.retired_at FROM group_membership m "
            "JOIN teaching_group g ON g.id = m.group_id WHERE m.person_id = ? ORDER BY g.code",
            (person_id,),
        ),
    }
    link_sql = (
        "SELECT p.login, p.first_name, p.last_name, p.profile, g.level, g.relationship "
        "FROM guardian_link g JOIN person p ON p.id = g.{other} WHERE g.{me} = ? "
        "ORDER BY p.last_name, p.first_name"
    )
    links = {
        "children": rows(conn, link_sql.format(other="student_id", me="guardian_id"), (person_id,)),
        "guardians": rows(
            conn, link_sql.format(other="guardian_id", me="student_id"), (person_id,)
        ),
    }
    teaching = rows(
        conn,
        'SELECT c.code AS class, g.code AS "group", t.subject_code, s.name AS subject, '
        "t.head_teacher FROM teaching t LEFT JOIN school_class c ON c.id = t.class_id "
        "LEFT JOIN teaching_group g ON g.id = t.group_id "
        "LEFT JOIN subject s ON s.code = t.subject_code WHERE t.teacher_id = ? "
        "ORDER BY c.code, g.code, t.subject_code",
        (person_id,),
    )
    audit = rows(
        conn,
        "SELECT at, actor_login, ip, action, target, outcome, details FROM audit_log "
        "WHERE target = ? OR actor_id = ? OR (actor_id IS NULL AND actor_login = ? AND at >= ?) "
        "ORDER BY id",
        (f"person:{person_id}", person_id, person["login"], person["created_at"]),
    )
    for entry in audit:
        entry["details"] = json.loads(entry["details"]) if entry["details"] else {}
    sessions = [
        {"created_at": _iso(s["created_at"]), "last_seen_at": _iso(s["last_seen_at"]),
         "ip": s["ip"], "user_agent": s["user_agent"]}
        for s in rows(
            conn,
            "SELECT created_at, last_seen_at, ip, user_agent FROM web_session "
            "WHERE person_id = ? ORDER BY created_at",
            (person_id,),
        )
    ]  # fmt: skip
    found = {
        "profile.json": {**person, "external_ids": ids},
        "memberships.json": memberships,
        "guardian_links.json": links,
        "teaching.json": teaching,
        "audit.json": audit,
        "sessions.json": sessions,
        "provenance.json": _provenance(conn, person_id),
        "homework_done.json": progress.ticks_of(conn, person_id),
    }
    for ref in features.exports():
        found.update(features.resolve(ref)(conn, person_id))
    found["other.json"] = _other(conn, person_id)
    return found


def _provenance(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    run = one(
        conn,
        "SELECT r.id, r.applied_at, r.effective_date, r.actor, r.full_import, r.files "
        "FROM person p JOIN import_run r ON r.id = p.created_by_import WHERE p.id = ?",
        (person_id,),
    )
    if run is None:
        return {"created_by_import": None, "note": "Compte créé à la main ou par la démo."}
    run["files"] = [
        {k: f.get(k) for k in ("file", "kind", "uai", "year")} for f in json.loads(run["files"])
    ]
    run["full_import"] = bool(run["full_import"])
    return {"created_by_import": run}


def _other(conn: sqlite3.Connection, person_id: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    covered = _KNOWN | features.export_tables()
    for table, column in person_references(conn):
        if table in covered or table == "audit_log":
            continue
        found = rows(conn, f'SELECT * FROM "{table}" WHERE "{column}" = ?', (person_id,))
        if found:
            out.setdefault(table, []).extend(
                {k: v for k, v in r.items() if not _SECRET_COLUMN.search(k)} for r in found
            )
    return out


def export_zip(
    conn: sqlite3.Connection, person_id: int, *, actor: Actor | None = None
) -> tuple[bytes, str]:
    """The person's data as a ZIP of JSON files and a README; returns (bytes, file name).

    With `actor`, the `person.data_export` audit row is written once the ZIP is built (the
    export writes nothing else: the write lock is not held while it is built). Raises
    NotFound for an unknown person."""
    data = collect(conn, person_id)
    profile = data["profile.json"]
    stamp = now_iso()
    school = get_school(conn) or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "LISEZMOI.txt",
            README.format(
                school=school.get("name", ""),
                at=stamp,
                name=f"{profile['first_name']} {profile['last_name']}",
                login=profile["login"],
            ),
        )
        for name, value in data.items():
            zf.writestr(name, json.dumps(value, ensure_ascii=False, indent=1, default=str))
    zipped = buf.getvalue()
    if actor is not None:
        details = {"bytes": len(zipped)}
        audit.record(
            conn, actor, "person.data_export", target=f"person:{person_id}", details=details
        )
    return zipped, f"donnees-{profile['login']}-{stamp[:10]}.zip"
