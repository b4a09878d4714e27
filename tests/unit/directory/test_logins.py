from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from appliance.directory.logins import allocate, base_login, fold


def test_fold_keeps_hyphens_and_drops_accents_spaces_apostrophes():
    assert fold("Léa") == "lea"
    assert fold("Cœline") == "coeline"
    assert fold("LE BŒUF") == "leboeuf"
    assert fold("N'DIAYE") == "ndiaye"
    assert fold("D’ALMEIDA-ŒHLER") == "dalmeida-oehler"
    assert fold("Jean-Noël") == "jean-noel"
    assert fold("Zoë") == "zoe"
    assert fold("Šárka") == "sarka"


def test_base_login_is_prenom_dot_nom_lower_case():
    assert base_login("Léa", "MARTIN") == "lea.martin"
    assert base_login("FArid", "ISSOLIHA") == "farid.issoliha"
    assert base_login("Anaïs", "DUPONT-DUPUIS") == "anais.dupont-dupuis"


def test_clash_gets_a_number():
    taken: set[str] = set()
    assert allocate("Léa", "MARTIN", taken) == "lea.martin"
    assert allocate("Lea", "Martin", taken) == "lea.martin2"
    assert allocate("LÉA", "martin", taken) == "lea.martin3"


def test_retired_login_is_not_reused():
    taken = {"lea.martin"}  # a purged person's login, still reserved
    assert allocate("Léa", "Martin", taken) == "lea.martin2"


def test_name_with_no_latin_letter_gets_a_fallback():
    assert allocate("李", "王", set(), fallback="eleve") == "eleve"


@given(st.text(max_size=40), st.text(max_size=40))
def test_login_alphabet_is_always_safe(first, last):
    login = allocate(first, last, set())
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)?\d*", login)
    assert not login.startswith("-")
