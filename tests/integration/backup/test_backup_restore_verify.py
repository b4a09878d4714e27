"""Restores verify while borg extracts, with a real borg: every file is hashed (and each
database checked) as soon as borg moves on to the next item, nothing is read twice, and
the verdict is the same as a check after the extraction: a corrupted file or database
stops the restore at the step that found it, naming it; a missing or extra file is
reported."""

from __future__ import annotations

import os
from pathlib import Path

from backup import jobs, restore, setup, verify
from backup.steps import RestoreReport, StepFailed, extract_and_verify
from backup.targets import open_target
from tests.fixtures.backup.support import requires_borg

pytestmark = requires_borg


def _backup(ctx, school, tmp_path, before_create=None, monkeypatch=None) -> str:
    """One backup to a new local repository; `before_create(snapshot)` runs once the
    manifest is written, just before borg reads the files."""
    setup.init_repository(ctx, "local", str(tmp_path / "depot"))
    if before_create:
        real = jobs._create

        def create(borg, target, snap, *args):
            before_create(snap)
            return real(borg, target, snap, *args)

        monkeypatch.setattr(jobs, "_create", create)
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.ok, rec.message
    return rec.archive


def _extract(ctx, archive: str, work: Path) -> tuple[RestoreReport, object]:
    report = RestoreReport()
    with open_target(ctx, ctx.registry.get("local")) as target:
        try:
            _m, verification = extract_and_verify(report, ctx.borg, target, archive, work)
        except StepFailed:
            verification = None
    return report, verification


def test_files_are_checked_during_the_extraction_and_not_read_again(
    ctx, school, tmp_path, monkeypatch
):
    archive = _backup(ctx, school, tmp_path)
    seen_while_extracting = []
    real_finish = verify.ExtractionChecker.finish

    def finish(self):
        seen_while_extracting.append(len(self._seen))
        real_finish(self)

    def not_again(*args):
        raise AssertionError(f"lu une deuxième fois : {args}")

    monkeypatch.setattr(verify.ExtractionChecker, "finish", finish)
    monkeypatch.setattr(verify, "_check_one", not_again)
    report, verification = _extract(ctx, archive, tmp_path / "travail")
    assert report.failed_step is None, report.text()
    # 4 folder files + 2 databases + config + manifest, plus folders: all but the last
    # item were handed over before borg exited.
    assert seen_while_extracting[0] >= 8
    assert verification.files == 5 and verification.databases == 2 and not verification.notes
    assert verification.rows == 40 + 150 + 12 + 300


def test_a_corrupted_file_is_found_and_named(ctx, school, tmp_path, monkeypatch):
    target = Path(school.trees[0]) / "classes" / "6A" / "cours.bin"

    def corrupt(_snap):  # same size and mtime, different content: not a live change
        st = target.stat()
        with target.open("r+b") as fh:
            fh.write(b"\0" * 64)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))

    archive = _backup(ctx, school, tmp_path, corrupt, monkeypatch)
    report, _v = _extract(ctx, archive, tmp_path / "travail")
    failed = report.failed_step
    assert failed.name == "checksums"
    assert "files/classes/6A/cours.bin : contenu différent du manifeste" in failed.message


def test_a_corrupted_database_stops_at_the_databases_step(ctx, school, tmp_path, monkeypatch):
    def corrupt(snap):
        db = snap.folder / "databases" / "metrics.db"
        with db.open("ab") as fh:  # one more byte: still readable, not the manifest's
            fh.write(b"\0")

    archive = _backup(ctx, school, tmp_path, corrupt, monkeypatch)
    report, _v = _extract(ctx, archive, tmp_path / "travail")
    failed = report.failed_step
    assert failed.name == "databases"
    assert "base metrics.db : somme de contrôle différente" in failed.message


def test_missing_and_extra_files_are_reported(ctx, school, tmp_path, monkeypatch):
    files = Path(school.trees[0])

    def change(_snap):
        (files / "lisez-moi.txt").unlink()
        (files / "classes" / "6A" / "nouveau.txt").write_text("arrivé pendant la sauvegarde")

    archive = _backup(ctx, school, tmp_path, change, monkeypatch)
    report, verification = _extract(ctx, archive, tmp_path / "travail")
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
