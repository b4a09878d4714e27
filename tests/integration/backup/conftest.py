"""Fixtures for the backup tests (helpers are in backup_support.py)."""

from __future__ import annotations

import pytest

from backup.context import BackupContext
from backup.snapshot import BackupSources
from tests.fixtures.backup.support import Sshd, make_ctx, make_school
from tests.fixtures.tools import require_program


@pytest.fixture
def school(tmp_path) -> BackupSources:
    return make_school(tmp_path / "school")


@pytest.fixture
def ctx(tmp_path) -> BackupContext:
    require_program("borg", "borgbackup de PyPI, make dev")
    return make_ctx(tmp_path / "state")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    require_program("sshd", "openssh-server")
    require_program("borg", "borgbackup de PyPI, make dev")
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()
