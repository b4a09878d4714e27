"""Paths to the shared sample exports and to this repository's messy import files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
MESSY = HERE.parents[2] / "fixtures" / "directory"


def find_shared_fixtures() -> Path | None:
    """The `shared/fixtures` folder next to the repository (searched upwards), or
    $CARTABLE_SHARED_FIXTURES."""
    env = os.environ.get("CARTABLE_SHARED_FIXTURES")
    if env:
        return Path(env)
    for parent in HERE.parents:
        candidate = parent / "shared" / "fixtures"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared() -> Path:
    found = find_shared_fixtures()
    if found is None:
        pytest.skip("shared/fixtures introuvable (définissez CARTABLE_SHARED_FIXTURES)")
    return found


@pytest.fixture(scope="session")
def messy() -> Path:
    return MESSY
