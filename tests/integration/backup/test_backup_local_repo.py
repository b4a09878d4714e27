"""A local repository end to end with a real borg: init, nightly backup, list, browse,
restore a person's folder beside the current files, the dead-server restore into an
empty folder, the restore drill, checks, the key sheet and the status page data."""

from __future__ import annotations

import logging
import os
import stat
import time
from datetime import datetime
from pathlib import Path

import pytest

from backup import archives, jobs, restore, setup, status
from backup.errors import BackupError, JobBusy
from backup.locking import job_lock
from backup.passphrase import read_passphrase_file
from tests.fixtures.backup.support import (
    db_content,
    make_ctx,
    make_school,
    requires_borg,
    tree_digests,
)

pytestmark = requires_borg


@pytest.fixture(scope="module")
def backed(tmp_path_factory):
    """One school backed up once to a local repository (shared by the read-only tests)."""
    root = tmp_path_factory.mktemp("local")
    ctx = make_ctx(root / "state")
    school = make_school(root / "school")
    init = setup.init_repository(ctx, "local", str(root / "depot"))
    records = jobs.run_backup(ctx, school)
    return ctx, school, init, records, root


def test_init_generates_a_stored_passphrase_and_registers_the_repository(backed):
    ctx, _school, init, _records, _root = backed
    assert init.created and init.generated
    mode = stat.S_IMODE(init.passphrase_file.stat().st_mode)
    assert mode == 0o600
    secret = read_passphrase_file(init.passphrase_file)
    assert len(secret.reveal()) == 39 and secret.reveal().count("-") == 7
    repo = ctx.registry.get("local")
    assert repo.kind == "local" and len(repo.repo_id) == 64
    assert not repo.key_sheet_confirmed


def test_backup_records_sizes_and_history(backed):
    ctx, _school, _init, records, _root = backed
    (rec,) = records
    assert rec.outcome == "ok", rec.message
    assert rec.archive.startswith("cartable-")
    assert rec.original_size > 70_000 and rec.nfiles >= 8
    assert rec.deduplicated_size > 0 and rec.repository_size > 0
    assert "créée" in rec.message
    history = ctx.registry.get("local").runs("backup")
    assert history[-1].archive == rec.archive
    assert not (ctx.staging_dir / "cartable-snapshot").exists()  # staging emptied


def test_list_archives_gives_name_time_sizes_and_content(backed):
    ctx, _school, _init, records, _root = backed
    (info,) = archives.list_archives(ctx, "local")
    assert info.name == records[0].archive
    assert info.time and info.original_size == records[0].original_size
    assert info.deduplicated_size is not None and info.nfiles == records[0].nfiles
    assert "2 base(s)" in info.comment and info.kind == "nightly"
    assert set(info.to_dict()) >= {"name", "time", "original_size", "deduplicated_size"}


def test_browse_archive_lists_one_level(backed):
    ctx, _school, _init, _records, _root = backed
    top = {e.path for e in archives.browse_archive(ctx, "local", "latest")}
    assert top == {"cartable-snapshot", "files"}
    person = archives.browse_archive(ctx, "local", "latest", "files/people/42")
    assert {e.path for e in person} == {"files/people/42/devoir.txt", "files/people/42/photos"}
    everything = archives.browse_archive(ctx, "local", "latest", "files", recursive=True)
    assert "files/people/42/photos/sortie.bin" in {e.path for e in everything}


def test_restore_a_person_folder_beside_current_files(backed, tmp_path):
    ctx, school, _init, records, _root = backed
    files = school.trees[0]
    (files / "people" / "42" / "devoir.txt").write_text("version actuelle\n")
    dest = tmp_path / "restaurations"
    dest.mkdir()
    (dest / "existant.txt").write_text("ne pas toucher")
    at = datetime(2026, 9, 1, 10, 0).astimezone()
    out = archives.restore_paths(
        ctx, "local", records[0].archive, ["files/people/42"], dest, now=at
    )
    assert out.folder.parent == dest and out.folder.name.startswith("restauration-cartable-")
    restored = out.folder / "files" / "people" / "42" / "devoir.txt"
    assert restored.read_text() == "Rédaction sur les volcans\n"
    assert (files / "people" / "42" / "devoir.txt").read_text() == "version actuelle\n"
    assert (dest / "existant.txt").read_text() == "ne pas toucher"
    assert out.files == 2
    (files / "people" / "42" / "devoir.txt").write_text("Rédaction sur les volcans\n")
    with pytest.raises(BackupError, match="n'existe pas"):
        archives.restore_paths(ctx, "local", "latest", ["files/personne"], dest)
    again = archives.restore_paths(
        ctx, "local", records[0].archive, ["files/lisez-moi.txt"], dest, now=at
    )
    assert again.folder.name == out.folder.name + "-2"  # same second: a new folder anyway


def test_disaster_restore_into_an_empty_folder_on_a_new_server(backed, tmp_path):
    ctx, school, init, _records, root = backed
    new_box = make_ctx(tmp_path / "nouveau-serveur" / "state")  # empty state: a new server
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(read_passphrase_file(init.passphrase_file).reveal() + "\n")
    phrase.chmod(0o600)
    data_dir, etc = tmp_path / "var-lib-cartable", tmp_path / "etc-cartable"
    etc.mkdir()
    (etc / "cartable.toml").write_text("# installé par défaut\n")
    report = restore.restore_to_data_dir(
        new_box, str(root / "depot"), "latest", data_dir, phrase, config_dir=etc
    )
    assert report.ok, report.text()
    assert [s.name for s in report.steps] == [
        "passphrase",
        "repository",
        "destination",
        "extraction",
        "manifest",
        "databases",
        "checksums",
        "install",
    ]
    for name, live in school.databases.items():
        assert db_content(data_dir / name) == db_content(live)
    assert tree_digests(data_dir / "files") == tree_digests(school.trees[0])
    restored_cfg = (etc / "cartable.toml").read_text()
    assert restored_cfg == school.config_files["cartable.toml"].read_text()
    kept = [p.name for p in etc.iterdir() if ".avant-restauration-" in p.name]
    assert len(kept) == 1  # the file that was there is kept, not overwritten
    assert report.manifest["databases"]["cartable.db"]["person"] == 40
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".restauration")]

    again = restore.restore_to_data_dir(
        new_box, str(root / "depot"), "latest", data_dir, phrase, config_dir=etc
    )
    assert not again.ok and again.failed_step.name == "destination"
    assert "n'est pas vide" in again.failed_step.message


def test_disaster_restore_with_a_wrong_passphrase_says_which_step(backed, tmp_path):
    _ctx, _school, _init, _records, root = backed
    new_box = make_ctx(tmp_path / "state")
    phrase = tmp_path / "phrase.txt"
    phrase.write_text("pas-la-bonne-phrase\n")
    phrase.chmod(0o600)
    report = restore.restore_to_data_dir(
        new_box, str(root / "depot"), "latest", tmp_path / "data", phrase
    )
    assert not report.ok
    assert report.failed_step.name == "repository"
    assert "phrase de passe est incorrecte" in report.failed_step.message
    assert "fiche de clé" in report.failed_step.message
    assert not (tmp_path / "data").exists()


def test_restore_drill_proves_the_latest_archive(backed, tmp_path):
    ctx, _school, _init, records, _root = backed
    (rec,) = restore.restore_drill(ctx, tmp_path / "exercice")
    assert rec.outcome == "ok", rec.message
    assert rec.job == "drill" and rec.archive == records[0].archive and rec.duration > 0
    assert "Restauration prouvée" in rec.message and "2 base(s)" in rec.message
    assert list((tmp_path / "exercice").iterdir()) == []  # scratch copy removed
    (st,) = status.repository_status(ctx)
    assert st.last_proven_restore["archive"] == records[0].archive
    assert st.last_good_backup["archive"] == records[0].archive


def test_check_and_verify_data(backed):
    ctx, _school, _init, _records, _root = backed
    (check,) = jobs.check_repositories(ctx)
    assert check.outcome == "ok" and "aucune erreur" in check.message
    (partial,) = jobs.check_repositories(ctx, max_duration=60)
    assert partial.outcome == "ok", partial.message
    (verify,) = jobs.verify_data(ctx, budget_minutes=5)
    assert verify.outcome == "ok" and "complète" in verify.message
    # Stopped after 0.3 s: whatever borg says once stopped is not an error of the data.
    (partial,) = jobs.verify_data(ctx, budget_minutes=0.005)
    assert partial.outcome == "ok", partial.message
    assert "Vérification partielle" in partial.message or "complète" in partial.message
    assert not (backed[4] / "depot" / "lock.exclusive").exists()


def test_key_sheet_pdf_and_confirmation(backed, tmp_path):
    ctx, _school, _init, _records, _root = backed
    paper = setup.export_paper_key(ctx, "local")
    assert paper.startswith("BORG PAPER KEY v1")
    pdf = setup.write_key_sheet(ctx, "local", tmp_path / "fiche.pdf", school_name="Collège Test")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    if os.path.isdir("/usr/share/fonts/truetype/dejavu"):
        assert b"DejaVuSans" in data
    (before,) = status.repository_status(ctx)
    assert any("fiche de clé" in a for a in before.alerts)
    setup.confirm_key_sheet(ctx, "local")
    (after,) = status.repository_status(ctx)
    assert after.key_sheet_confirmed and not any("fiche de clé" in a for a in after.alerts)


def test_jobs_never_overlap(backed):
    ctx, school, _init, _records, _root = backed
    with job_lock(ctx.state_dir, "drill"), pytest.raises(JobBusy, match="drill"):
        jobs.run_backup(ctx, school)


def test_passphrase_never_in_argv_environment_or_logs(tmp_path, caplog):
    from backup.commands import info_argv

    ctx = make_ctx(tmp_path / "state")
    school = make_school(tmp_path / "school")
    caplog.set_level(logging.DEBUG)
    init = setup.init_repository(ctx, "local", str(tmp_path / "depot"))
    secret = read_passphrase_file(init.passphrase_file)
    jobs.run_backup(ctx, school)
    seen = {}

    def spy(pid: int) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # right after fork, exec may not be done yet
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"info" in cmdline:
                break
            time.sleep(0.01)
        seen["cmdline"] = cmdline
        seen["environ"] = Path(f"/proc/{pid}/environ").read_bytes()

    ctx.borg.run(info_argv(str(tmp_path / "depot")), passphrase=secret, on_start=spy)
    word = secret.reveal().encode()
    assert seen["cmdline"] and word not in seen["cmdline"]
    assert b"BORG_PASSPHRASE_FD=" in seen["environ"] and word not in seen["environ"]
    assert b"BORG_PASSPHRASE=" not in seen["environ"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "borg create" in logged and secret.reveal() not in logged
    assert secret.reveal().encode() not in ctx.registry.path.read_bytes()
    assert secret.reveal() not in repr(secret)
