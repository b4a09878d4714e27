from __future__ import annotations

import shutil

import pytest

from appliance.directory.imports.detect import (
    CSV,
    EDT,
    SIECLE_ELEVES,
    SIECLE_RESPONSABLES,
    STS,
    Source,
    detect,
    read_sources,
)
from appliance.directory.imports.records import UnreadableFile


def kind_of(path):
    return [detect(s) for s in read_sources(path)]


def test_sample_files_are_recognised(shared):
    sample = shared / "college-sample"
    assert kind_of(sample / "ElevesSansAdresses.xml") == [SIECLE_ELEVES]
    assert kind_of(sample / "ResponsablesAvecAdresses.xml") == [SIECLE_RESPONSABLES]
    assert kind_of(sample / "sts_emp_0679999X_2026.xml") == [STS]
    assert kind_of(shared / "people-template-utf8-bom.csv") == [CSV]
    assert kind_of(shared / "people-template-cp1252.csv") == [CSV]


def test_format_comes_from_content_not_name(shared, tmp_path):
    misleading = tmp_path / "sts_emp_0679999X_2026.xml"
    shutil.copy(shared / "college-sample" / "ElevesSansAdresses.xml", misleading)
    assert kind_of(misleading) == [SIECLE_ELEVES]
    renamed = tmp_path / "export.txt"
    shutil.copy(shared / "people-template-cp1252.csv", renamed)
    assert kind_of(renamed) == [CSV]


def test_zip_is_opened(messy):
    assert kind_of(messy / "ExportXML_ElevesSansAdresses.zip") == [SIECLE_ELEVES]


def test_edt_export_is_recognised_to_be_refused(messy):
    assert kind_of(messy / "edt_export.xml") == [EDT]


@pytest.mark.parametrize("name", ["not_an_export.xml", "garbage.bin"])
def test_unknown_formats_are_unreadable(messy, name):
    with pytest.raises(UnreadableFile) as exc:
        kind_of(messy / name)
    assert exc.value.exit_code == 2


def test_missing_and_empty_files_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="introuvable"):
        read_sources(tmp_path / "absent.xml")
    (tmp_path / "vide.xml").write_bytes(b"  \n")
    with pytest.raises(UnreadableFile, match="vide"):
        read_sources(tmp_path / "vide.xml")
    with pytest.raises(UnreadableFile, match="dossier"):
        read_sources(tmp_path)


def test_root_after_comments_and_doctype():
    data = b'<?xml version="1.0"?>\n<!-- export -->\n<!DOCTYPE X>\n<BEE_RESPONSABLES/>'
    assert detect(Source("x", data)) == SIECLE_RESPONSABLES
