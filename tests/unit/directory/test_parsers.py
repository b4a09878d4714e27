from __future__ import annotations

from datetime import date

from appliance.directory.imports import parse_path
from appliance.directory.imports.records import ERROR, csv_key

TODAY = date(2026, 11, 20)
EXPIRY = date(2027, 8, 31)


def parse(path, full=False, today=TODAY):
    (pf,) = parse_path(path, today=today, full=full, guest_expiry=EXPIRY)
    return pf


def errors(pf):
    return [p for p in pf.problems if p.severity == ERROR]


def test_siecle_students_sample(shared):
    pf = parse(shared / "college-sample" / "ElevesSansAdresses.xml")
    assert (pf.uai, pf.year, pf.encoding) == ("0679999X", 2026, "iso8859-15")
    assert pf.stats["students_current"] == 114
    assert pf.stats["students_left"] == 5
    assert pf.stats["students_without_class"] == 1
    assert len(pf.classes) == 4 and len(pf.groups) == 12
    names = {r.first_name for r in pf.people}
    assert {"Cœline", "Zoë"} <= names
    assert not errors(pf)
    # Codes stay strings ("301", "_301ALL2"), never numbers.
    assert "301" in pf.classes and "_301ALL2" in pf.groups


def test_student_leaving_in_the_future_is_current(shared):
    pf = parse(shared / "college-sample" / "ElevesSansAdresses.xml")
    rec = next(r for r in pf.people if r.key == ("siecle_eleve", "1820239"))
    assert rec.current


def test_legacy_fields_and_latin9(messy):
    pf = parse(messy / "eleves_latin9.xml", today=date(2026, 9, 15))
    by_id = {r.key[1]: r for r in pf.people}
    assert (by_id["900001"].last_name, by_id["900001"].first_name) == ("CŒUR", "Zoë")
    assert ("ine", "0113014881M") in by_id["900001"].ids  # INE_BEA only
    assert by_id["900002"].first_name == "Šárka"
    assert by_id["900003"].class_code is None  # division "Inactifs"
    assert not by_id["900006"].current and by_id["900006"].left_on == date(2026, 6, 1)
    assert by_id["900001"].birth_date == "2014-03-02"


def test_guardian_links_both_generations(shared):
    current = parse(shared / "college-sample" / "ResponsablesAvecAdresses.xml")
    legacy = parse(shared / "college-sample-legacy-links" / "ResponsablesAvecAdresses.xml")
    assert current.stats["persons_in_file"] == legacy.stats["persons_in_file"] == 200

    def legal(pf):
        return {(g.person_key, g.student_key) for g in pf.guardian_links if g.legal}

    assert legal(current) == legal(legacy)


def test_legacy_guardians_small(messy):
    pf = parse(messy / "responsables_legacy.xml")
    links = {(g.person_key[1], g.student_key[1]): g for g in pf.guardian_links}
    assert links[("700002", "900001")].legal  # RESP_LEGAL 2 is a legal guardian
    assert not links[("700004", "900004")].legal  # RESP_LEGAL 0: contact
    assert links[("700001", "900001")].pays  # PERS_PAIEMENT spelling accepted
    assert any("e-mail invalide" in p.message for p in pf.problems)


def test_sts_sample(shared):
    pf = parse(shared / "college-sample" / "sts_emp_0679999X_2026.xml")
    assert pf.uai == "0679999X" and pf.year == 2026
    assert pf.stats["teacher"] == 8 and pf.stats["staff"] == 6
    assert pf.stats["people_without_function"] == 1
    assert ("sts", "epp-8014") in pf.present_only
    pichon = next(r for r in pf.people if r.key == ("sts", "epp-8000"))
    assert pichon.head_of == ["6 A"]  # the 2025-2026 assignment has expired
    assert ("class", "6 A", "020100") in pichon.teaches
    assert pf.subjects["030201"] == ("Anglais Lv1", "AGL1")  # CODE_GESTION trimmed
    local = next(r for r in pf.people if r.key == ("sts", "local-8013"))
    assert local.profile == "staff" and local.function == "AED" and local.birth_date is None


def test_csv_template_both_encodings(shared):
    utf8 = parse(shared / "people-template-utf8-bom.csv")
    cp1252 = parse(shared / "people-template-cp1252.csv")
    assert [(r.first_name, r.last_name) for r in utf8.people] == [
        (r.first_name, r.last_name) for r in cp1252.people
    ]
    by_id = {r.key[1]: r for r in utf8.people}
    assert by_id["LOC-S-0003"].first_name == "Cœline"
    assert by_id["LOC-R-0003"].children == [("csv", "LOC-S-0003"), ("csv", "LOC-S-0001")]
    assert by_id["LOC-T-0001"].head_of == ["5 B"]
    assert by_id["LOC-G-0001"].expires_on == "2027-08-31"
    assert not errors(utf8)


def test_csv_full_lists_profiles(shared):
    pf = parse(shared / "people-template-utf8-bom.csv", full=True)
    assert {p for _, p in pf.complete_for} == {"student", "teacher", "staff", "relative", "guest"}
    assert parse(shared / "people-template-utf8-bom.csv").complete_for == set()


def test_csv_loose_headers_and_encodings(messy):
    for name in ("people_cp1252.csv", "people_latin9.csv", "people_two_boms.csv"):
        pf = parse(messy / name)
        assert not errors(pf), name
        names = [(r.first_name, r.last_name) for r in pf.people]
        assert ("Zoë", "CŒUR") in names and ("Ève", "ŠTEFAN") in names, name
        guest = next(r for r in pf.people if r.profile == "guest")
        assert guest.expires_on == "2026-12-31"


def test_csv_duplicate_id(messy):
    pf = parse(messy / "people_duplicate_id.csv")
    assert any("deux fois" in p.message and p.line == 7 for p in errors(pf))


def test_csv_ids_map_to_national_keys():
    assert csv_key("ELV-1826500") == ("siecle_eleve", "1826500")
    assert csv_key("RESP-209401") == ("siecle_personne", "209401")
    assert csv_key("STS-epp-8949") == ("sts", "epp-8949")
    assert csv_key("LOC-6f1c") == ("csv", "LOC-6f1c")


def test_bad_xml_files_give_errors_with_lines(messy):
    cases = {
        "eleves_truncated.xml": "tronqué",
        "eleves_bomb.xml": "entités",
        "eleves_resaved_utf8.xml": "UTF-8",
        "eleves_resaved_cp1252.xml": "Windows-1252",
        "eleves_double_encoded.xml": "déformées",
        "eleves_duplicate_id.xml": "deux fois",
        "eleves_no_name.xml": "pas de nom",
        "edt_export.xml": "emploi du temps",
    }
    for name, words in cases.items():
        found = errors(parse(messy / name))
        assert found, name
        assert any(words in p.message for p in found), (name, found)
    truncated = errors(parse(messy / "eleves_truncated.xml"))[0]
    assert truncated.line and truncated.line > 1
