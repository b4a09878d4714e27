"""Fixtures for the backup tests (helpers are in backup_support.py)."""

from __future__ import annotations

import pytest

from backup.context import BackupContext
from backup.snapshot import BackupSources
from tests.fixtures.backup.support import BORG, SSHD, Sshd, make_ctx, make_school


@pytest.fixture
def school(tmp_path) -> BackupSources:
    return make_school(tmp_path / "school")


@pytest.fixture
def ctx(tmp_path) -> BackupContext:
    if BORG is None:
        pytest.skip("borg n'est pas installé")
    return make_ctx(tmp_path / "state")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    if SSHD is None:
        pytest.skip("sshd est absent (paquet openssh-server) : test SSH impossible ici")
    if BORG is None:
        pytest.skip("borg n'est pas installé")
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()
