"""Prune after every backup, compact only when due, with a real borg: the prune says how
many archives it deleted, `borg compact` runs at most every `compact_every_days` days
after a prune that deleted archives (or at once when the repository's disk is short),
and the status shows when it last ran."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from datetime import UTC, datetime, timedelta

from backup import jobs, setup, status
from backup.context import MIB, Retention
from backup.repos import Repository, RunRecord
from backup.targets import free_bytes
from tests.fixtures.backup.support import requires_borg
from tests.fixtures.tmpfs import mounted_tmpfs

pytestmark = requires_borg

KEEP_ONE = Retention(keep_daily=1, keep_weekly=0, keep_monthly=0, compact_every_days=7)


def _night(ctx, school, n: int, caplog) -> tuple[RunRecord, list[str]]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="cartable.backup.borg"):
        (rec,) = jobs.run_backup(
            ctx, school, retention=KEEP_ONE, now=datetime(2026, 11, 29, 1, 30, n).astimezone()
        )
    assert rec.outcome == "ok", rec.message
    commands = [r.args[0] for r in caplog.records if r.msg.startswith("borg %s : code")]
    return rec, commands


def _age_repository(ctx, days: int) -> None:
    def age(repo: Repository) -> None:
        repo.created = (datetime.now(UTC) - timedelta(days=days)).isoformat()

    ctx.registry.update("local", age)


def test_compact_runs_only_after_a_prune_that_deleted_and_at_most_every_n_days(
    ctx, school, tmp_path, caplog
):
    setup.init_repository(ctx, "local", str(tmp_path / "depot"))

    rec, commands = _night(ctx, school, 1, caplog)
    assert commands == ["create", "prune"]  # no `borg info`: create --json has the sizes
    assert rec.pruned == 0 and not rec.compacted and rec.repository_size > 0

    # Same day: keep-daily 1 prunes the first archive; the repository is new, so the space
    # is given back later (at most weekly), and the status says it is pending.
    rec, commands = _night(ctx, school, 2, caplog)
    assert commands == ["create", "prune"]
    assert rec.pruned == 1 and not rec.compacted
    assert "1 archive(s) ancienne(s) élaguée(s)" in rec.message
    (st,) = status.repository_status(ctx)
    assert st.compaction_pending and st.last_compaction is None

    # A week later: the next prune is followed by compact.
    _age_repository(ctx, 8)
    rec, commands = _night(ctx, school, 3, caplog)
    assert commands == ["create", "prune", "compact"]
    assert rec.pruned == 1 and rec.compacted
    (st,) = status.repository_status(ctx)
    assert not st.compaction_pending and st.last_compaction == rec.started

    # The night after: pruned again, but compacted less than a week ago.
    rec, commands = _night(ctx, school, 4, caplog)
    assert commands == ["create", "prune"] and rec.pruned == 1 and not rec.compacted
    assert status.repository_status(ctx)[0].compaction_pending


def _fill(disk, leave: int) -> None:
    """Write a filler file on `disk` so that only about `leave` bytes stay free."""
    size = free_bytes(disk) - leave
    with open(disk / f"filler-{size}", "wb") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())


def test_a_short_disk_is_compacted_before_the_backup(ctx, school, tmp_path, caplog):
    with mounted_tmpfs(tmp_path / "disque", "size=160m") as disk:
        ctx = dataclasses.replace(ctx, margin_bytes=34 * MIB)
        setup.init_repository(ctx, "local", str(disk / "depot"))
        # borg keeps room for a whole segment (500 MB by default) free: small segments fit
        # this small disk (borg reads its repository's own config file).
        conf = disk / "depot" / "config"
        text = conf.read_text()
        conf.write_text(re.sub(r"max_segment_size = \d+", f"max_segment_size = {MIB}", text))
        # The first archive holds 40 MiB of its own; the second night prunes it, so once
        # compacted those 40 MiB are given back (the repository is new: not compacted yet).
        big = school.trees[0] / "gros.bin"
        big.write_bytes(os.urandom(40 * MIB))
        _night(ctx, school, 1, caplog)
        big.unlink()
        rec, _ = _night(ctx, school, 2, caplog)
        assert rec.pruned == 1 and not rec.compacted

        # 28 MiB free (borg itself wants ~22 MiB to work) is less than the 34 MiB margin:
        # compact first, then there is room.
        _fill(disk, 28 * MIB)
        rec, commands = _night(ctx, school, 3, caplog)
        assert commands[:2] == ["compact", "create"] and rec.compacted
        assert "presque plein" in rec.message

        # Nothing left to give back: a short disk stops the backup with the plain message.
        _fill(disk, 28 * MIB)
        (rec,) = jobs.run_backup(ctx, school, retention=KEEP_ONE)
        assert rec.outcome == "error" and not rec.compacted
        assert rec.message.startswith("Pas assez de place sur le disque du dépôt « local »")
        assert "Rien n'a été écrit" in rec.message


def test_compaction_due_rules():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    ago = lambda days: (now - timedelta(days=days)).isoformat()  # noqa: E731
    repo = Repository("local", "/d", "local", created=ago(30))
    assert not jobs.compaction_due(repo, 0, 7, now.timestamp())  # nothing pruned
    assert jobs.compaction_due(repo, 2, 7, now.timestamp())  # never compacted, old repo
    repo.history = [
        RunRecord("local", "backup", "ok", "", started=ago(3), compacted=True).to_dict()
    ]
    assert not jobs.compaction_due(repo, 1, 7, now.timestamp())
    assert jobs.compaction_due(repo, 1, 3, now.timestamp())
    repo.history.append(RunRecord("local", "backup", "ok", "", started=ago(2), pruned=1).to_dict())
    assert repo.compaction_pending() and repo.last_compaction() == ago(3)
    assert jobs.compaction_due(repo, 0, 2, now.timestamp())
    # Records written before these fields existed: no pending compaction, never compacted.
    old = Repository.from_dict({"label": "l", "url": "/d", "kind": "local", "history": [
        {"label": "l", "job": "backup", "outcome": "ok", "message": ""}]})  # fmt: skip
    assert not old.compaction_pending() and old.last_compaction() is None
