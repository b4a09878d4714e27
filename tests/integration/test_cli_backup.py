"""`cartable backup …` and `cartable restore`, run as a technician runs them: real
processes, a real data folder, a real borg on a repository in tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.backup.support import Sshd, requires_borg, tree_digests
from tests.fixtures.tools import needs
from tests.integration.test_cli import run

pytestmark = requires_borg

PEOPLE = [
    ("alice.martin", "student", "Alice", "Martin"),
    ("bruno.petit", "teacher", "Bruno", "Petit"),
    ("chloe.durand", "relative", "Chloé", "Durand"),
]


def ok(r):
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    """A school with people and files, a local repository and one backup."""
    root = tmp_path_factory.mktemp("cli-backup")
    cfg = root / "cartable.toml"
    cfg.write_text('[backup]\ncompression = "lz4"\nfree_space_margin_mb = 0\n')
    data = root / "data"
    pw = root / "admin.pw"
    pw.write_text("une phrase de passe solide\n")
    ok(run(["init", "--school-name", "Collège Jean-Moulin", "--uai", "0671234a",
            "--admin-login", "tech", "--admin-password-file", str(pw)],
           data_dir=data, config=cfg))  # fmt: skip
    for login, profile, first, last in PEOPLE:
        args = ["user", "add", login, "--profile", profile, "--first-name", first,
                "--last-name", last, "--password-file", str(pw)]  # fmt: skip
        ok(run(args, data_dir=data, config=cfg))
    users = json.loads(ok(run(["user", "list", "--json"], data_dir=data, config=cfg)).stdout)
    alice = next(u for u in users if u["login"] == "alice.martin")
    conn = sqlite3.connect(data / "cartable.db")
    alice_id = conn.execute("SELECT id FROM person WHERE login = 'alice.martin'").fetchone()[0]
    conn.close()
    person_dir = data / "files" / "people" / str(alice_id)
    person_dir.mkdir(parents=True)
    (person_dir / "devoir.txt").write_text("Rédaction sur les volcans\n")
    (data / "files" / "classes").mkdir()
    (data / "files" / "classes" / "cours.bin").write_bytes(os.urandom(30_000))
    repo = root / "depot"
    r = ok(run(["backup", "init", "--label", "local", "--repo", str(repo)],
               data_dir=data, config=cfg))  # fmt: skip
    sheet = data / "backup" / "fiche-local.pdf"
    assert "créé" in r.stdout and str(sheet) in r.stdout and "IMPRIMEZ" in r.stdout
    assert sheet.read_bytes().startswith(b"%PDF")
    first = json.loads(ok(run(["backup", "run", "--json"], data_dir=data, config=cfg)).stdout)
    return {
        "root": root, "cfg": cfg, "data": data, "repo": repo, "run": first, "users": users,
        "alice": alice, "alice_id": alice_id,
    }  # fmt: skip


def test_run_and_list_json(school):
    (rec,) = school["run"]
    assert rec["label"] == "local" and rec["outcome"] == "ok", rec["message"]
    assert rec["archive"].startswith("cartable-") and rec["nfiles"] >= 3
    r = ok(run(["backup", "list", "--json"], data_dir=school["data"], config=school["cfg"]))
    archives = json.loads(r.stdout)
    assert [a["name"] for a in archives] == [rec["archive"]]
    assert set(archives[0]) >= {"label", "name", "time", "original_size", "deduplicated_size"}
    assert archives[0]["original_size"] > 30_000


def test_status_drill_and_key_sheet(school, tmp_path):
    data, cfg = school["data"], school["cfg"]
    status = json.loads(ok(run(["backup", "status", "--json"], data_dir=data, config=cfg)).stdout)
    (repo,) = status["repositories"]
    assert repo["label"] == "local" and repo["last_good_backup"]["archive"]
    assert repo["last_proven_restore"] is None and not repo["key_sheet_confirmed"]
    assert any("fiche de clé" in a for a in repo["alerts"])
    assert status["next_backup"] and status["running"] is None

    drill = json.loads(ok(run(["backup", "drill", "--json"], data_dir=data, config=cfg)).stdout)
    assert drill[0]["outcome"] == "ok" and "Restauration prouvée" in drill[0]["message"]

    pdf = tmp_path / "fiche.pdf"
    ok(run(["backup", "key-sheet", "--label", "local", "--out", str(pdf)], data_dir=data,
           config=cfg))  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF") and stat.S_IMODE(pdf.stat().st_mode) == 0o600
    ok(run(["backup", "key-sheet", "--label", "local", "--confirm"], data_dir=data, config=cfg))
    status = json.loads(ok(run(["backup", "status", "--json"], data_dir=data, config=cfg)).stdout)
    (repo,) = status["repositories"]
    assert repo["key_sheet_confirmed"] and repo["last_proven_restore"]["job"] == "drill"
    with sqlite3.connect(data / "cartable.db") as conn:
        actions = {r[0] for r in conn.execute("SELECT action FROM audit_log")}
    assert {"backup.init", "backup.run", "backup.drill", "backup.key_sheet"} <= actions
    assert "backup.key_sheet_confirm" in actions


def test_restore_files_beside_the_current_ones(school):
    data, cfg = school["data"], school["cfg"]
    current = data / "files" / "people" / str(school["alice_id"]) / "devoir.txt"
    current.write_text("version modifiée\n")
    try:
        r = ok(run(["backup", "restore-files", "--label", "local", "--archive", "latest",
                    "--person", "alice.martin", "--json"], data_dir=data, config=cfg))  # fmt: skip
        out = json.loads(r.stdout)
        folder = Path(out["folder"])
        assert folder.parent == data / "files" and folder.name.startswith("restauration-")
        restored = folder / "files" / "people" / str(school["alice_id"]) / "devoir.txt"
        assert restored.read_text() == "Rédaction sur les volcans\n"
        assert current.read_text() == "version modifiée\n"  # never overwritten
        r = run(["backup", "restore-files", "--label", "local", "--archive", "latest",
                 "cartable-snapshot/databases/cartable.db"], data_dir=data, config=cfg)  # fmt: skip
        assert r.returncode != 0 and "Seuls les fichiers" in r.stderr
    finally:
        current.write_text("Rédaction sur les volcans\n")


def test_disaster_restore_into_an_empty_data_dir(school, tmp_path):
    phrase = tmp_path / "phrase.txt"
    phrase.write_bytes(
        (school["data"] / "backup" / "passphrases" / "local.passphrase").read_bytes()
    )
    phrase.chmod(0o600)
    new_data, cfg = tmp_path / "nouveau", tmp_path / "vide.toml"
    cfg.write_text("")
    r = run(["restore", "--repo", str(school["repo"]), "--archive", "latest",
             "--passphrase-file", str(phrase)], data_dir=new_data, config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "✔ Sommes de contrôle" in r.stdout and "✔ Mise en place" in r.stdout
    users = json.loads(ok(run(["user", "list", "--json"], data_dir=new_data, config=cfg)).stdout)
    keys = ("login", "profile", "state", "first_name", "last_name")
    assert [{k: u[k] for k in keys} for u in users] == [
        {k: u[k] for k in keys} for u in school["users"]
    ]
    people = tree_digests(new_data / "files" / "people")
    assert people == tree_digests(school["data"] / "files" / "people")
    restored_cfg = new_data / "configuration" / "cartable.toml"
    assert restored_cfg.read_text() == school["cfg"].read_text()
    with sqlite3.connect(new_data / "cartable.db") as conn:
        (n,) = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'backup.restore_full'")
    assert n == (1,)


def test_wrong_passphrase_is_a_one_line_error_naming_the_step(school, tmp_path):
    phrase = tmp_path / "faux.txt"
    phrase.write_text("pas-la-bonne-phrase\n")
    phrase.chmod(0o600)
    r = run(["restore", "--repo", str(school["repo"]), "--passphrase-file", str(phrase)],
            data_dir=tmp_path / "vide", config=school["cfg"])  # fmt: skip
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("Erreur")]
    assert len(errors) == 1 and "Accès au dépôt" in errors[0]
    assert "phrase de passe est incorrecte" in errors[0]
    assert "Traceback" not in r.stderr
    assert "✘ Accès au dépôt" in r.stdout


def test_unknown_label_and_busy_messages(school):
    r = run(["backup", "run", "--label", "nulle-part"], data_dir=school["data"],
            config=school["cfg"])  # fmt: skip
    assert r.returncode == 1 and "Aucun dépôt n'a l'étiquette" in r.stderr
    assert "Traceback" not in r.stderr


@needs("sshd", "openssh-server")
def test_init_an_offsite_repository_confirms_the_host_key(tmp_path):
    server = Sshd(tmp_path / "sshd")
    server.start()
    try:
        cfg = tmp_path / "ssh.toml"
        cfg.write_text(
            f'[backup]\ncompression = "lz4"\nssh_key_file = "{server.client_key}"\n'
            "free_space_margin_mb = 0\n"
        )
        data, url = tmp_path / "data", server.url("cartable")
        pw = tmp_path / "admin.pw"
        pw.write_text("une phrase de passe solide\n")
        ok(run(["init", "--school-name", "Lycée SSH", "--uai", "0671234a", "--admin-login",
                "tech", "--admin-password-file", str(pw)], data_dir=data, config=cfg))  # fmt: skip
        args = ["backup", "init", "--label", "hors-site", "--repo", url]
        r = run(args, data_dir=data, config=cfg)
        assert r.returncode == 1 and "--trust-fingerprint" in r.stderr
        r = run([*args, "--trust-fingerprint", "SHA256:pasla"], data_dir=data, config=cfg)
        assert r.returncode == 1 and "ne présente pas la clé" in r.stderr
        fingerprint = subprocess.run(
            ["ssh-keygen", "-lf", f"{server.host_key}.pub"], capture_output=True, text=True
        ).stdout.split()[1]
        r = run([*args, "--trust-fingerprint", fingerprint], data_dir=data, config=cfg)
        assert r.returncode == 0, r.stdout + r.stderr + server.log_tail()
        assert fingerprint in r.stdout and "--append-only" in r.stdout
        assert 'command="borg serve --restrict-to-path' in r.stdout
        r = run(["backup", "run", "--label", "hors-site", "--json"], data_dir=data, config=cfg)
        assert r.returncode == 0, r.stdout + r.stderr
        assert json.loads(r.stdout)[0]["outcome"] == "ok"
        r = run(["backup", "trust-host", "--label", "hors-site", "--yes"], data_dir=data,
                config=cfg)  # fmt: skip
        assert r.returncode == 0 and fingerprint in r.stdout
    finally:
        server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files to another user")
def test_root_gives_what_it_wrote_back_to_the_services_user(tmp_path):
    from appliance import backups
    from appliance import config as config_mod
    from backup.repos import Registry, Repository

    data, repo = tmp_path / "data", tmp_path / "depot"
    (data / "backup" / "passphrases").mkdir(parents=True)
    (data / "backup" / "passphrases" / "local.passphrase").write_text("x\n")
    (repo / "data" / "0").mkdir(parents=True)
    (repo / "data" / "0" / "1").write_bytes(b"segment")
    (tmp_path / "c.toml").write_text("")
    config = config_mod.load(tmp_path / "c.toml", data, env={})
    Registry(backups.state_dir(config)).add(Repository("local", str(repo), "local"))
    os.chown(data, 65534, 65534)
    backups.fix_ownership(config)
    for path in (data / "backup" / "passphrases" / "local.passphrase", repo / "data" / "0" / "1"):
        assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534), path


def test_restore_school_puts_everything_back_and_keeps_the_current_state(tmp_path):
    cfg, data = tmp_path / "cartable.toml", tmp_path / "data"
    cfg.write_text('[backup]\ncompression = "lz4"\nfree_space_margin_mb = 0\n')
    pw = tmp_path / "admin.pw"
    pw.write_text("une phrase de passe solide\n")
    ok(run(["init", "--school-name", "Collège Retour", "--uai", "0671234a", "--admin-login",
            "tech", "--admin-password-file", str(pw)], data_dir=data, config=cfg))  # fmt: skip
    ok(run(["backup", "init", "--label", "local", "--repo", str(tmp_path / "depot")],
           data_dir=data, config=cfg))  # fmt: skip
    (rec,) = json.loads(ok(run(["backup", "run", "--json"], data_dir=data, config=cfg)).stdout)
    late = ["user", "add", "apres.coup", "--profile", "staff", "--first-name", "Après",
            "--last-name", "Coup", "--password-file", str(pw)]  # fmt: skip
    ok(run(late, data_dir=data, config=cfg))
    args = ["backup", "restore-school", "--label", "local", "--archive", rec["archive"]]
    r = run(args, data_dir=data, config=cfg)
    assert r.returncode == 1 and "--yes" in r.stderr
    r = ok(run([*args, "--yes"], data_dir=data, config=cfg))
    assert "✔ Sauvegarde de l'état actuel" in r.stdout and "✔ Remplacement" in r.stdout
    users = json.loads(ok(run(["user", "list", "--json"], data_dir=data, config=cfg)).stdout)
    assert [u["login"] for u in users] == ["tech"]
    names = [a["name"] for a in json.loads(ok(run(["backup", "list", "--json"], data_dir=data,
                                                   config=cfg)).stdout)]  # fmt: skip
    assert any(n.startswith("avant-restauration-") for n in names)
    assert list(data.glob(".remplace-*"))
