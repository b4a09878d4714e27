"""The English catalogue covers every UI string, with the same placeholders."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "webui" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_ui_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(i if isinstance(i, str) else i[0] for i in wanted - set(catalog))
    assert not missing, f"run `make i18n-update` and translate: {missing[:10]}"
    untranslated = sorted(k for k, v in catalog.items() if k in wanted and not v)
    assert not untranslated, f"untranslated in {PO}: {untranslated[:10]}"
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, str) and msgstr:
            assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", msgstr)), (
                msgid
            )
