"""Backup browse with hostile input: a path that looks like a borg option is a path, an
archive name borg would misread is refused with a clear 400, an unknown one is a 404;
never a 500 or a traceback. The Flask test client and the CLI on a real borg repository."""

from __future__ import annotations

import pytest

from appliance import backups
from appliance.security.audit import SYSTEM
from tests.conftest import login_admin, text
from tests.fixtures.backup.support import requires_borg
from tests.integration.test_cli import init_school, run

pytestmark = requires_borg

BROWSE = "/admin/sauvegardes/parcourir?depot=local"
BROWSE_PAGE = "/admin/sauvegardes/parcourir"


@pytest.fixture
def backed_up(box, tmp_path):
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))
    (rec,) = backups.run(box, SYSTEM)
    assert rec.outcome == "ok", rec.message
    return rec.archive


@pytest.fixture
def bad_patterns(tmp_path):
    """A file borg refuses as a patterns file: if borg opens it, it says so."""
    path = tmp_path / "motifs"
    path.write_text("Z ceci n'est pas un motif\n")
    return path


def test_a_path_that_looks_like_an_option_is_only_a_path(
    app, client, conn, backed_up, bad_patterns
):
    """Before the fix, borg read the file (an error about its patterns)."""
    login_admin(client, conn)
    for path in (f"--patterns-from={bad_patterns}", "--patterns-from=/etc/passwd"):
        r = client.get(f"{BROWSE}&archive={backed_up}&chemin={path}")
        assert r.status_code == 200, text(r)[:500]  # before: borg's error, sent back
        assert "notice-error" not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "archive", ["latest::x", "a/b", "--help", "{now}", "x\u202e", "a" * 201]
)  # fmt: skip
def test_bad_archive_names_get_a_clear_400(app, client, conn, backed_up, archive):
    login_admin(client, conn)
    r = client.get(BROWSE_PAGE, query_string={"depot": "local", "archive": archive})
    assert r.status_code == 400, text(r)[:300]
    assert "Nom d'archive" in text(r)


def test_an_unknown_archive_is_a_404(app, client, conn, backed_up):
    login_admin(client, conn)
    r = client.get(f"{BROWSE}&archive=cartable-2001-01-01T00:00:00&chemin=")
    assert r.status_code == 404
    assert "n'existe pas" in text(r)
    r = client.get(f"{BROWSE}&archive=latest&chemin=")  # latest is resolved
    assert r.status_code == 200 and "files" in text(r)


def test_the_cli_says_it_in_one_line(tmp_path, bad_patterns):
    cfg, data = init_school(tmp_path, config_text="[backup]\nfree_space_margin_mb = 0\n")
    r = run(["backup", "init", "--label", "local", "--repo", str(tmp_path / "depot")],
            data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert run(["backup", "run"], data_dir=data, config=cfg).returncode == 0
    r = run(["backup", "browse", "--label", "local", "--archive", "latest::x"],
            data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("Erreur : Nom d'archive")
    r = run(["backup", "browse", "--data-dir", str(data), "--label", "local", "--",
             f"--patterns-from={bad_patterns}"], config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
