"""Control characters, NUL, CR/LF, bidirectional overrides and megabyte values are stopped
at every entry: stripped with a warning in imports, refused in forms and `cartable user
add`, and escaped when the CLI prints what is stored."""

from __future__ import annotations

from datetime import date

from appliance.db import scalar
from appliance.directory import reconcile
from tests.conftest import login_admin, post, text
from tests.integration.test_cli import init_school, run

TODAY = date(2026, 9, 15)


def hostile_csv(path):
    path.write_text(
        "profil;id;nom;prenom;email\n"
        "Student;LOC-1;\x1b[2J\x1b]0:pris\x07MARTIN;Léa;\n"
        "Student;LOC-2;\u202eTNOPUD;Paul\u200b;paul@\x1bexemple.fr\n"
        "Student;LOC-3;DURAND;Zoé;zoe.durand@exemple.fr\n",
        encoding="utf-8",
    )
    return path


def test_import_strips_control_characters_with_a_warning_naming_file_and_line(conn, tmp_path):
    path = hostile_csv(tmp_path / "eleves.csv")
    plan = reconcile.plan(conn, [path], today=TODAY)
    assert plan.applicable
    warned = {p.line for p in plan.warnings if "contrôle" in p.message}
    assert warned == {2, 3}
    assert all(p.file == "eleves.csv" for p in plan.warnings)
    reconcile.apply(conn, plan, actor="tech")
    names = [tuple(r) for r in conn.execute("SELECT last_name, first_name, email FROM person")]
    assert ("[2J]0:prisMARTIN", "Léa", None) in names
    assert ("TNOPUD", "Paul", None) in names
    for row in names:
        for value in row:
            assert value is None or all(ord(c) >= 32 and c not in "\u202e\u200b" for c in value)


def test_cli_import_and_list_never_print_control_characters(tmp_path):
    cfg, data = init_school(tmp_path, uai="0679999X")
    path = hostile_csv(tmp_path / "eleves.csv")
    r = run(["import", str(path)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    listed = run(["user", "list"], data_dir=data, config=cfg)
    for out in (r.stdout, r.stderr, listed.stdout, listed.stderr):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "MARTIN" in listed.stdout


def test_cli_user_add_refuses_control_characters_and_huge_values(tmp_path):
    cfg, data = init_school(tmp_path)
    base = ["user", "add", "eleve.test", "--profile", "student", "--first-name"]
    for first, word in [("\x1b[31mLéa", "prénom"), ("L" * 5000, "trop long")]:
        r = run([*base, first, "--last-name", "Martin"], data_dir=data, config=cfg)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and word in lines[0] and "\x1b" not in lines[0], r.stderr
    r = run(
        [*base, "Léa", "--last-name", "Martin", "--email", "lea@exemple"], data_dir=data, config=cfg
    )
    assert r.returncode != 0 and "e-mail" in r.stderr
    users = run(["user", "list", "--json"], data_dir=data, config=cfg)
    assert users.stdout.count('"login"') == 1


def test_admin_form_refuses_control_characters_nul_crlf_and_megabytes(client, conn):
    login_admin(client, conn)
    page = "/admin/personnes/nouvelle"
    good = {
        "login": "lea.martin",
        "profile": "teacher",
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "",
        "function": "",
        "expires_on": "",
    }
    for field, value, word in [
        ("first_name", "Léa\x00", "prénom"),
        ("last_name", "Mar\r\ntin", "nom"),
        ("last_name", "Mar\u202etin", "nom"),
        ("first_name", "x" * 1_000_000, "trop long"),
        ("email", "lea@exemple.fr\r\nBcc: a@b.fr", "e-mail"),
        ("email", "lea.martin", "e-mail"),
        ("function", "CPE\x1b[5m", "fonction"),
    ]:
        r = post(client, page, {**good, field: value}, token_from=page)
        assert r.status_code == 400, (field, r.status_code)
        assert word in text(r), field
    assert scalar(conn, "SELECT count(*) FROM person WHERE login = 'lea.martin'") == 0
    r = post(client, page, good, token_from=page)
    assert (
        r.status_code == 302  # POST, redirect, GET: the initial password is shown once
        and scalar(conn, "SELECT count(*) FROM person WHERE login = 'lea.martin'") == 1
    )
