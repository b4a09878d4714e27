"""People of the directory: create, find, list, change state and passwords.

Services take a connection and plain values and return plain dicts; they hold no Flask.
Every function that writes opens its own short transaction (or joins the caller's).
Given an `actor`, it writes its audit row in that transaction (`audit.audited`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.directory import logins, textsafe
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security import passwords, sessions, throttle, tokens, totp
from appliance.security.audit import Actor, audited

PROFILES = ("student", "teacher", "relative", "staff", "guest", "admin")
STATES = ("active", "departed", "disabled")


PROFILE_LABELS = {
    "student": N_("Élève"),
    "teacher": N_("Enseignant"),
    "relative": N_("Parent"),
    "staff": N_("Personnel"),
    "guest": N_("Invité"),
    "admin": N_("Technicien"),
}

_PUBLIC_FIELDS = ", ".join(
    "person." + name
    for name in [
        "id",
        "login",
        "profile",
        "state",
        "first_name",
        "last_name",
        "birth_date",
        "email",
        "function",
        "must_change_password",
        "totp_enabled",
        "expires_on",
        "departed_on",
        "disabled_on",
        "created_at",
        "updated_at",
        "last_login_at",
        "locale",
    ]
)

STATE_LABELS = {
    "active": N_("actif"),
    "departed": N_("parti"),
    "disabled": N_("désactivé"),
}

# The public fields plus `class_list`: a student's class, or the classes a teacher teaches.
_WITH_CLASSES = (
    f"{_PUBLIC_FIELDS}, (SELECT group_concat(code, ',') FROM ("
    " SELECT c.code AS code FROM class_membership m JOIN school_class c ON c.id = m.class_id"
    " WHERE m.person_id = person.id UNION"
    " SELECT c.code FROM teaching t JOIN school_class c ON c.id = t.class_id"
    " WHERE t.teacher_id = person.id ORDER BY 1)) AS class_list"
)


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise CartableError(
            N_("Profil inconnu « %(profile)s » : choisissez parmi %(profiles)s."),
            field="profile",
            profile=profile,
            profiles=", ".join(PROFILES),
        )


def _safe_fields(
    login: str | None,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    function: str | None,
) -> tuple[str, str, str, str | None, str | None]:
    """The typed fields checked by `textsafe` (control characters, lengths, e-mail):
    raises CartableError naming the field."""
    return (
        login or "",  # `logins.check_login` refuses anything outside its rule, control chars too
        textsafe.clean_text(first_name, "first_name"),
        textsafe.clean_text(last_name, "last_name"),
        textsafe.clean_email_field(email),
        textsafe.clean_text(function, "function", textsafe.FUNCTION_MAX) or None,
    )


def login_taken(conn: sqlite3.Connection, login: str) -> bool:
    """True if `login` belongs to someone or is reserved for a purged person's data."""
    return bool(
        scalar(conn, "SELECT 1 FROM person WHERE login = ?", (login,))
        or scalar(conn, "SELECT 1 FROM retired_login WHERE login = ?", (login,))
    )


def create_person(
    conn: sqlite3.Connection,
    *,
    login: str,
    profile: str,
    first_name: str,
    last_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    must_change_password: bool = False,
    check_rules: bool = True,
    birth_date: str | None = None,
    email: str | None = None,
    function: str | None = None,
    expires_on: str | None = None,
    actor: Actor | None = None,
) -> int:
    """Create a person and return their id.

    Given either a plain `password` (checked against the rules unless `check_rules` is
    False, then hashed) or an already computed `password_hash`, or neither (the account
    can't log in until a password is set). With `actor`, the `person.create` audit row is
    written in the same transaction. Raises CartableError for a taken login, an unknown
    profile, a missing name or a rejected password.
    """
    _check_profile(profile)
    login, first_name, last_name, email, function = _safe_fields(
        login, first_name, last_name, email, function
    )
    if not first_name.strip() or not last_name.strip():
        raise CartableError(N_("Le prénom et le nom sont obligatoires."), field="last_name")
    login = logins.check_login(
        login, suggest=lambda: logins.allocate_in_db(conn, first_name, last_name)
    )
    if profile == "guest" and not expires_on:
        raise CartableError(
            N_("Un compte invité doit avoir une date d'expiration."), field="expires"
        )
    if login_taken(conn, login):
        suggestion = logins.allocate_in_db(conn, first_name, last_name)
        raise CartableError(
            N_("L'identifiant « %(login)s » est déjà pris (libre : « %(suggestion)s »)."),
            field="login",
            login=login,
            suggestion=suggestion,
        )
    if password is not None:
        if check_rules:
            passwords.check_password(password, profile, (login, first_name, last_name))
        password_hash = passwords.hash_password(password)
    stamp = now_iso()
    details = {"login": login, "profile": profile}
    with audited(conn, actor, "person.create", details=details) as entry:
        if login_taken(conn, login):
            raise CartableError(
                N_("L'identifiant « %(login)s » est déjà pris."), field="login", login=login
            )
        cur = conn.execute(
            "INSERT INTO person (login, profile, state, first_name, last_name, birth_date, "
            "email, function, password_hash, must_change_password, expires_on, created_at, "
            "updated_at) VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                login,
                profile,
                first_name.strip(),
                last_name.strip(),
                birth_date,
                email,
                function,
                password_hash,
                int(must_change_password),
                expires_on,
                stamp,
                stamp,
            ),
        )
        assert cur.lastrowid is not None  # an INSERT sets it
        entry.target = f"person:{cur.lastrowid}"
    return int(cur.lastrowid)


def create_admin(
    conn: sqlite3.Connection, *, login: str, password: str, last_name: str, actor: Actor
) -> int:
    """The technician's first account (`cartable init`), audited as `init`; returns its id.
    Raises CartableError like `create_person`. (The password is hashed inside the write
    transaction: `init` runs before the services, nobody waits for the lock.)"""
    with audited(conn, actor, "init", details={"admin_login": login}) as entry:
        pid = create_person(
            conn,
            login=login,
            profile="admin",
            first_name="Technicien",
            last_name=last_name,
            password=password,
        )
        entry.target = f"person:{pid}"
    return pid


def get_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """Return the person's public fields (no hashes, no secrets) with their `classes`;
    raise NotFound. One query: every page view of a logged-in person runs it."""
    person = one(conn, f"SELECT {_WITH_CLASSES} FROM person WHERE id = ?", (person_id,))
    if person is None:
        raise NotFound(N_("Aucune personne n'a le numéro %(person_id)s."), person_id=person_id)
    return _split_classes(person)


def person_of_session(
    conn: sqlite3.Connection,
    token: str | None,
    limits: sessions.SessionLimits,
    *,
    more_columns: str = "",
) -> dict[str, Any] | None:
    """The person behind a live session token (as `get_person` gives them), or None.

    One query for both the session and the person: every page view runs it.
    `more_columns` (SQL over `person`, each with its alias) are read in it too: what
    every page shows of the person besides (the unread notifications of the header).
    """
    columns = f"{_WITH_CLASSES}, {more_columns}" if more_columns else _WITH_CLASSES
    row = sessions.resolve_row(conn, token, limits, person_columns=columns)
    if row is None:
        return None
    del row["person_id"]
    return _split_classes(row)


def person_of_token(
    conn: sqlite3.Connection, bearer: str, ip: str | None, settings: throttle.ThrottleSettings
) -> tokens.BearerResult:
    """The person behind an API bearer token (in `row`, as `get_person` gives them, plus
    `token_id`), with the token's throttling and audit (`tokens.authenticate`).

    One query for both the token and the person: every API call runs it.
    """
    result = tokens.authenticate(conn, bearer, ip, settings, person_columns=_WITH_CLASSES)
    if result.row is not None:
        _split_classes(result.row)
    return result


def _split_classes(person: dict[str, Any]) -> dict[str, Any]:
    person["classes"] = person.pop("class_list").split(",") if person.get("class_list") else []
    return person


def get_by_login(conn: sqlite3.Connection, login: str) -> dict[str, Any]:
    """Return the person with this login; raise NotFound with the login in the message."""
    pid = scalar(conn, "SELECT id FROM person WHERE login = ?", ((login or "").strip().lower(),))
    if pid is None:
        raise NotFound(N_("Aucun compte n'a l'identifiant « %(login)s »."), login=login)
    return get_person(conn, pid)


def classes_of(conn: sqlite3.Connection, person_id: int) -> list[str]:
    """Class codes of a student (their class), or of a teacher (the classes they teach)."""
    found = rows(
        conn,
        "SELECT c.code FROM class_membership m JOIN school_class c ON c.id = m.class_id "
        "WHERE m.person_id = ? UNION "
        "SELECT c.code FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "WHERE t.teacher_id = ? ORDER BY 1",
        (person_id, person_id),
    )
    return [r["code"] for r in found]


def groups_of(conn: sqlite3.Connection, person_id: int) -> list[str]:
    """Group codes of a student (their groups), or of a teacher (the groups they teach)."""
    found = rows(
        conn,
        "SELECT g.code FROM group_membership m JOIN teaching_group g ON g.id = m.group_id "
        "WHERE m.person_id = ? UNION "
        "SELECT g.code FROM teaching t JOIN teaching_group g ON g.id = t.group_id "
        "WHERE t.teacher_id = ? ORDER BY 1",
        (person_id, person_id),
    )
    return [r["code"] for r in found]


def list_people(
    conn: sqlite3.Connection,
    *,
    query: str = "",
    profile: str | None = None,
    state: str | None = None,
    class_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """People matching the filters, sorted by name, each with their `classes`.

    `query` matches the login, first or last name (case-insensitive, substring).
    """
    where, params = _filters(query, profile, state, class_code)
    sql = (
        f"SELECT {_WITH_CLASSES}"
        f" FROM person {where} ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, login"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [_split_classes(p) for p in rows(conn, sql, params)]


def count_people(
    conn: sqlite3.Connection,
    *,
    query: str = "",
    profile: str | None = None,
    state: str | None = None,
    class_code: str | None = None,
) -> int:
    """How many people `list_people` would return without a limit."""
    where, params = _filters(query, profile, state, class_code)
    return int(scalar(conn, f"SELECT count(*) FROM person {where}", params))


def _filters(query, profile, state, class_code) -> tuple[str, list]:
    clauses, params = [], []
    if query:
        like = f"%{query.strip().lower()}%"
        clauses.append(
            "(lower(login) LIKE ? OR lower(first_name) LIKE ? OR lower(last_name) LIKE ? "
            "OR lower(first_name || ' ' || last_name) LIKE ? "
            "OR lower(last_name || ' ' || first_name) LIKE ?)"
        )
        params += [like] * 5
    if profile:
        _check_profile(profile)
        clauses.append("profile = ?")
        params.append(profile)
    if state:
        clauses.append("state = ?")
        params.append(state)
    if class_code:
        clauses.append(
            "id IN (SELECT m.person_id FROM class_membership m JOIN school_class c "
            "ON c.id = m.class_id WHERE c.code = ?)"
        )
        params.append(class_code)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, params


def set_state(
    conn: sqlite3.Connection, person_id: int, state: str, *, actor: Actor | None = None
) -> dict[str, Any]:
    """Set a person's state (active, departed, disabled); disabling ends their sessions and
    deletes their API tokens.

    With `actor` (a technician enabling or disabling an account: `departed` is the
    imports' own), the `person.enable` / `person.disable` audit row is written in the same
    transaction. Returns the person as it was before the change.
    """
    if state not in STATES:
        raise CartableError(N_("État inconnu « %(state)s »."), field="state", state=state)
    if actor is not None and state == "departed":
        raise ValueError("a departure is the imports' and the lifecycle's, not an audited action")
    before = get_person(conn, person_id)
    stamp = now_iso()
    action = "person.enable" if state == "active" else "person.disable"
    target, details = f"person:{person_id}", {"login": before["login"]}
    with audited(conn, actor, action, target=target, details=details):
        if state == "active":
            conn.execute(
                "UPDATE person SET state='active', departed_on=NULL, disabled_on=NULL, "
                "updated_at=? WHERE id=?",
                (stamp, person_id),
            )
        elif state == "disabled":
            conn.execute(
                "UPDATE person SET state='disabled', disabled_on=coalesce(disabled_on, ?), "
                "updated_at=? WHERE id=?",
                (stamp[:10], stamp, person_id),
            )
        else:
            conn.execute(
                "UPDATE person SET state='departed', departed_on=coalesce(departed_on, ?), "
                "updated_at=? WHERE id=?",
                (stamp[:10], stamp, person_id),
            )
        if state == "disabled":
            sessions.end_sessions(conn, person_id)
            tokens.end_for(conn, person_id)
    return before


def set_password(
    conn: sqlite3.Connection,
    person_id: int,
    password: str,
    *,
    must_change: bool = False,
    check_rules: bool = True,
    actor: Actor | None = None,
) -> None:
    """Set a new password, ending every session of the person.

    With `check_rules` the password is checked against the rules of the person's profile
    (raises PasswordRejected). `must_change` forces a change at the next login. With
    `actor`, the audit row is written in the same transaction: `account.password_change`
    when the actor is the person, `person.password_reset` (with the login) otherwise.
    """
    person = get_person(conn, person_id)
    if check_rules:
        passwords.check_password(
            password,
            person["profile"],
            (person["login"], person["first_name"], person["last_name"]),
        )
    new_hash = passwords.hash_password(password)  # before the write lock: it takes a core
    if actor is not None and actor.id == person_id:
        entry = audited(conn, actor, "account.password_change")
    else:
        entry = audited(
            conn,
            actor,
            "person.password_reset",
            target=f"person:{person_id}",
            details={"login": person["login"]},
        )
    with entry:
        _store_hash(conn, person_id, new_hash, must_change)


def _store_hash(conn: sqlite3.Connection, person_id: int, new_hash: str, must_change: bool) -> None:
    """Write the hash and end the person's sessions in one transaction (joining the
    caller's, where its audit row is)."""
    with transaction(conn):
        conn.execute(
            "UPDATE person SET password_hash=?, must_change_password=?, updated_at=? WHERE id=?",
            (new_hash, int(must_change), now_iso(), person_id),
        )
        sessions.end_sessions(conn, person_id)


def reset_password(
    conn: sqlite3.Connection, person_id: int, *, actor: Actor | None = None, **details: Any
) -> str:
    """Give the person a new initial password (to change at next login); return it.

    The plain password is returned once for the slip or the screen; only its hash is kept.
    With `actor`, the `person.password_reset` audit row (the person's login and `details`)
    is written in the same transaction. Raises NotFound.
    """
    person = get_person(conn, person_id)
    initial = passwords.generate_initial_password()
    new_hash = passwords.hash_password(initial)  # before the write lock: it takes a core
    with audited(
        conn,
        actor,
        "person.password_reset",
        target=f"person:{person_id}",
        details={"login": person["login"], **details},
    ):
        _store_hash(conn, person_id, new_hash, True)
    return initial


def reset_totp(conn: sqlite3.Connection, person_id: int, *, actor: Actor) -> None:
    """Turn off the person's double authentication (they lost their phone) and drop their
    recovery codes, with the `person.totp_reset` audit row. Raises NotFound."""
    person = get_person(conn, person_id)
    target, details = f"person:{person_id}", {"login": person["login"]}
    with audited(conn, actor, "person.totp_reset", target=target, details=details):
        totp.disable(conn, person_id)


def update_names(
    conn: sqlite3.Connection,
    person_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    function: str | None = None,
    expires_on: str | None = None,
) -> None:
    """Change a person's descriptive fields (only those given). Raises CartableError
    naming the field when a value holds a control character, is too long or, for the
    e-mail, is not an address."""
    if first_name is not None:
        first_name = textsafe.clean_text(first_name, "first_name")
    if last_name is not None:
        last_name = textsafe.clean_text(last_name, "last_name")
    if email is not None:
        email = textsafe.clean_email_field(email) or ""
    if function is not None:
        function = textsafe.clean_text(function, "function", textsafe.FUNCTION_MAX)
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "function": function,
        "expires_on": expires_on,
    }
    sets = {k: v for k, v in fields.items() if v is not None}
    if not sets:
        return
    with transaction(conn):
        assignments = ", ".join(f"{k} = ?" for k in sets)
        conn.execute(
            f"UPDATE person SET {assignments}, updated_at = ? WHERE id = ?",
            (*sets.values(), now_iso(), person_id),
        )


def children_of(conn: sqlite3.Connection, guardian_id: int) -> list[dict[str, Any]]:
    """The students linked to a guardian, with their class, sorted by first name."""
    found = rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, p.state, g.level "
        "FROM guardian_link g JOIN person p ON p.id = g.student_id "
        "WHERE g.guardian_id = ? AND p.state != 'disabled' ORDER BY p.first_name, p.last_name",
        (guardian_id,),
    )
    for child in found:
        child["classes"] = classes_of(conn, child["id"])
    return found


def count_by_profile(conn: sqlite3.Connection) -> dict[str, int]:
    """Active + departed people per profile, for the admin overview."""
    counts = {p: 0 for p in PROFILES}
    for r in rows(
        conn, "SELECT profile, count(*) AS n FROM person WHERE state != 'disabled' GROUP BY 1"
    ):
        counts[r["profile"]] = r["n"]
    return counts
