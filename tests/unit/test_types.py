"""mypy (configured in pyproject's [tool.mypy]) finds no error in the typed packages."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TYPED = ["backup", "appliance"]


@pytest.mark.parametrize("package", TYPED)
def test_mypy_finds_no_error(package):
    done = subprocess.run(
        [sys.executable, "-m", "mypy", package],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
