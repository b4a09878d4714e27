from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.directory.logins import allocate, base_login, check_login, fold
from appliance.errors import CartableError


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


# --- the login rule (issue 9): every login, typed or made, is [a-z0-9][a-z0-9._-]{1,39} ---

LOGIN_RULE = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


@pytest.mark.parametrize(
    "bad",
    ["léa martin!", "x", "a" * 80, "-lea", ".lea", "lea martin", "lea\x00", "lea\nmartin", ""],
)
def test_check_login_refuses_what_breaks_the_rule_naming_the_field(bad):
    with pytest.raises(CartableError, match="Identifiant") as caught:
        check_login(bad, suggest=lambda: "lea.martin")
    assert caught.value.field == "login"
    assert "lea.martin" in caught.value.message
    assert "\x00" not in caught.value.message and "\n" not in caught.value.message


def test_check_login_keeps_good_logins_in_lower_case():
    assert check_login("  Lea.Martin2 ") == "lea.martin2"
    assert check_login("a" * 40) == "a" * 40
    assert check_login("j_dupont-leger") == "j_dupont-leger"


@given(st.text(max_size=80), st.text(max_size=80))
def test_made_logins_always_follow_the_rule(first, last):
    taken = {base_login(first, last)}
    for _ in range(3):
        assert LOGIN_RULE.fullmatch(allocate(first, last, taken))


def test_long_names_give_a_login_of_at_most_40_characters_even_on_a_clash():
    first, last = "Marie-Bernadette-Clothilde", "De La Tour D'Auvergne-Lauraguais"
    taken: set[str] = set()
    made = [allocate(first, last, taken) for _ in range(12)]
    assert all(LOGIN_RULE.fullmatch(m) for m in made) and len(set(made)) == 12
