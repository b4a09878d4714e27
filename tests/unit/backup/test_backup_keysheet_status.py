"""The key sheet PDF, and the status page data computed from the history."""

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backup.keysheet import DEJAVU_DIR, KeySheet, render_key_sheet, restore_command
from backup.passphrase import Secret
from backup.repos import Repository, RunRecord
from backup.status import status_of

PAPER = "BORG PAPER KEY v1\nid: 31 / 90353b 57e239 / b9aab1 - 64\n 1: 86a961 6c676f - 14\n"


def _sheet() -> KeySheet:
    return KeySheet(
        school_name="Collège Jean-Moulin",
        label="hors-site",
        location="ssh://borg@backup.example.org:22/srv/cartable",
        repo_id="90353b57" * 8,
        paper_key=PAPER,
        passphrase=Secret("abcd-efgh-jkmn-pqrs"),
        created=datetime(2026, 9, 1, 10, 0),
        restore_command=restore_command("ssh://borg@backup.example.org:22/srv/cartable", "x"),
    )


def test_restore_command_is_the_documented_procedure():
    assert restore_command("/srv/d", "local") == (
        "cartable restore --repo /srv/d --archive latest --data-dir /var/lib/cartable "
        "--passphrase-file /root/phrase-local.txt"
    )


def test_key_sheet_pdf_with_and_without_dejavu(tmp_path):
    for font_dir in (DEJAVU_DIR, tmp_path / "pas-de-polices"):
        pdf = render_key_sheet(_sheet(), tmp_path / f"{font_dir.name}.pdf", font_dir=font_dir)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and stat.S_IMODE(pdf.stat().st_mode) == 0o600
        if Path(font_dir).is_dir():
            assert b"DejaVuSans" in data
        else:
            assert b"Helvetica" in data


def _iso(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def test_status_shows_last_backup_proven_restore_and_alerts():
    repo = Repository(label="local", url="/srv/d", kind="local")
    fresh = Repository(label="x", url="/srv/x", kind="local", key_sheet_confirmed=True)
    st = status_of(fresh)
    assert st.last_backup is None and "Aucune sauvegarde réussie" in " ".join(st.alerts)
    repo.history = [
        RunRecord("local", "backup", "ok", "a", started=_iso(5), archive="a1").to_dict(),
        RunRecord("local", "drill", "ok", "prouvé", started=_iso(4), archive="a1").to_dict(),
        RunRecord("local", "backup", "error", "disque plein", started=_iso(1)).to_dict(),
    ]
    st = status_of(repo)
    assert st.last_backup["outcome"] == "error" and st.last_good_backup["archive"] == "a1"
    assert st.last_proven_restore["archive"] == "a1"
    text = " ".join(st.alerts)
    assert "fiche de clé" in text and "La dernière sauvegarde a échoué : disque plein" in text
    assert "Aucune sauvegarde réussie depuis" in text
