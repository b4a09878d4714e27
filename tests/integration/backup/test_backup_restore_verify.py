"""Restores verify while borg extracts, with a real borg: every file is hashed (and each
database checked) as soon as borg moves on to the next item, nothing is read twice, and
the verdict is the same as a check after the extraction: a corrupted file or database
stops the restore at the step that found it, naming it; a missing or extra file is
reported.

An archive whose content differs from its manifest is made for real: a Cartable backup
is extracted by borg, changed on disk, and archived again by borg in the same
repository (as a file corrupted, or changed, after the manifest was written would be).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from backup import jobs, restore, setup
from backup.commands import create_argv, extract_argv
from backup.snapshot import MANIFEST_NAME, SNAPSHOT_DIR
from backup.steps import RestoreReport, StepFailed, extract_and_verify
from backup.targets import open_target
from tests.fixtures.backup.support import requires_borg
from tests.fixtures.tmpfs import mounted_tmpfs

pytestmark = requires_borg


def _backup(ctx, school, tmp_path) -> str:
    """One backup to a new local repository; returns its archive."""
    setup.init_repository(ctx, "local", str(tmp_path / "depot"))
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.ok, rec.message
    return rec.archive


def _archived_again(ctx, archive: str, tmp_path: Path, change: Callable[[Path], None]) -> str:
    """`archive` extracted by borg into a folder, `change(folder)` applied, the folder
    archived again by borg in the same repository; returns the new archive's name."""
    copy = tmp_path / "copie"
    copy.mkdir()
    name = f"{archive}.modifiee"
    with open_target(ctx, ctx.registry.get("local")) as target:
        borg = {"passphrase": target.passphrase, "relocated_ok": target.relocated_ok, "cwd": copy}
        ctx.borg.run(extract_argv(target.location, archive), **borg)
        change(copy)
        ctx.borg.run(create_argv(target.location, name, sorted(os.listdir(copy))), **borg)
    return name


def _restore_changed(ctx, school, tmp_path, change: Callable[[Path], None]):
    """A backup, archived again by borg after `change`, then extracted and verified."""
    archive = _archived_again(ctx, _backup(ctx, school, tmp_path), tmp_path, change)
    return _extract(ctx, archive, tmp_path / "travail")


def _extract(ctx, archive: str, work: Path) -> tuple[RestoreReport, object]:
    report = RestoreReport()
    with open_target(ctx, ctx.registry.get("local")) as target:
        try:
            _m, verification = extract_and_verify(report, ctx.borg, target, archive, work)
        except StepFailed:
            verification = None
    return report, verification


def test_files_are_checked_during_the_extraction_and_not_read_again(ctx, school, tmp_path):
    """The extraction goes to a strictatime tmpfs, where every read sets the file's access
    time. A large file, extracted last (its folder comes last), keeps borg busy for a
    while: each file before it was read while borg was still writing it (its access time
    is before the large file's last change) and never again after borg exited (a later
    read leaves a later access time, as the manifest's shows: the manifest step reads it
    again)."""
    films = tmp_path / "school" / "videos"
    films.mkdir()
    (films / "sortie.bin").write_bytes(os.urandom(64 << 20))
    school = dataclasses.replace(school, trees=[*school.trees, films])
    archive = _backup(ctx, school, tmp_path)
    with mounted_tmpfs(tmp_path / "disque", "size=256m,strictatime") as disk:
        work = disk / "travail"
        report, verification = _extract(ctx, archive, work)
        assert report.failed_step is None, report.text()
        found = {str(p.relative_to(work)): p.stat() for p in work.rglob("*") if p.is_file()}
    last = found.pop("videos/sortie.bin")
    manifest = found.pop(f"{SNAPSHOT_DIR}/{MANIFEST_NAME}")
    # 4 folder files, 2 databases and the config file, besides the manifest.
    assert len(found) == 7, sorted(found)
    read_while_extracting = {rel for rel, st in found.items() if st.st_atime_ns < last.st_ctime_ns}
    assert read_while_extracting == set(found)
    assert manifest.st_atime_ns > last.st_ctime_ns
    assert verification.files == 6 and verification.databases == 2 and not verification.notes
    assert verification.rows == 40 + 150 + 12 + 300


def test_a_corrupted_file_is_found_and_named(ctx, school, tmp_path):
    def corrupt(copy):  # same size and mtime, different content: not a live change
        target = copy / "files" / "classes" / "6A" / "cours.bin"
        st = target.stat()
        with target.open("r+b") as fh:
            fh.write(b"\0" * 64)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))

    failed = _restore_changed(ctx, school, tmp_path, corrupt)[0].failed_step
    assert failed.name == "checksums"
    assert "files/classes/6A/cours.bin : contenu différent du manifeste" in failed.message


def test_a_corrupted_database_stops_at_the_databases_step(ctx, school, tmp_path):
    def corrupt(copy):
        db = copy / SNAPSHOT_DIR / "databases" / "metrics.db"
        with db.open("ab") as fh:  # one more byte: still readable, not the manifest's
            fh.write(b"\0")

    failed = _restore_changed(ctx, school, tmp_path, corrupt)[0].failed_step
    assert failed.name == "databases"
    assert "base metrics.db : somme de contrôle différente" in failed.message


def test_missing_and_extra_files_are_reported(ctx, school, tmp_path):
    def change(copy):  # as if done while borg read the folder
        (copy / "files" / "lisez-moi.txt").unlink()
        (copy / "files" / "classes" / "6A" / "nouveau.txt").write_text(
            "arrivé pendant la sauvegarde"
        )

    report, verification = _restore_changed(ctx, school, tmp_path, change)
    assert report.failed_step is None, report.text()
    assert "files/lisez-moi.txt supprimé pendant la sauvegarde" in verification.notes
    assert "1 fichier(s) de files créés pendant la sauvegarde" in verification.notes
    assert verification.files == 4


def test_the_drill_still_proves_the_archive(ctx, school, tmp_path):
    _backup(ctx, school, tmp_path)
    (rec,) = restore.restore_drill(ctx, tmp_path / "exercice")
    assert rec.outcome == "ok", rec.message
    steps = {d["name"]: d["ok"] for d in rec.details}
    assert steps == {
        "repository": True,
        "extraction": True,
        "manifest": True,
        "databases": True,
        "checksums": True,
    }
