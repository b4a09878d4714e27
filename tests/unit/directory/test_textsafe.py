"""The one module that decides what a name, a function or an e-mail may hold."""

from __future__ import annotations

import pytest

from appliance.directory.textsafe import (
    EMAIL_MAX,
    NAME_MAX,
    clean_email_field,
    clean_text,
    first_unsafe,
    for_terminal,
    is_valid_email,
    strip_text,
)
from appliance.errors import CartableError

HOSTILE = [
    "\x1b[31mROUGE\x1b[0m",
    "Bip\x07",
    "Nul\x00",
    "gpj.\u202eexe",
    "Deux\r\nlignes",
    "Zéro\u200blargeur",
    "C1\x9bcontrôle",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_typed_values_with_control_characters_are_refused_naming_the_field(value):
    with pytest.raises(CartableError) as exc:
        clean_text(value, "last_name")
    assert exc.value.field == "last_name" and "nom" in exc.value.message
    assert first_unsafe(value) in exc.value.message


@pytest.mark.parametrize("value", HOSTILE)
def test_imported_values_are_stripped_and_the_change_is_said(value):
    clean, changed = strip_text(value)
    assert changed and first_unsafe(clean) is None
    assert clean == " ".join(clean.split())


def test_names_people_really_have_pass_unchanged():
    for name in ["Léa", "Jean-Baptiste", "N'Diaye", "Dupont-Léger", "Œdipe Ÿ", "林 美"]:
        assert clean_text(name, "first_name") == name
        assert strip_text(name) == (name, False)


def test_lengths_are_bounded():
    assert clean_text("a" * NAME_MAX, "first_name") == "a" * NAME_MAX
    with pytest.raises(CartableError, match="trop long"):
        clean_text("a" * (NAME_MAX + 1), "first_name")
    with pytest.raises(CartableError, match="trop long"):
        clean_text("a" * 1_000_000, "first_name")


@pytest.mark.parametrize(
    "address",
    ["lea.martin@college.fr", "a+b@ac-strasbourg.fr", "x_y@mail.example.org", "élève@école.fr"],
)
def test_sane_addresses_are_valid(address):
    assert is_valid_email(address) and clean_email_field(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "pas-une-adresse",
        "a@b",
        "a@@b.fr",
        "a b@c.fr",
        "a@b..fr",
        ".a@b.fr",
        "a@-b.fr",
        "a@b.f",
        "a\x1b@b.fr",
        "a@b.fr\r\nBcc: x@y.fr",
        "a" * 250 + "@b.fr",
        '"a"@b.fr',
    ],
)
def test_broken_addresses_are_refused(address):
    assert not is_valid_email(address)
    with pytest.raises(CartableError) as exc:
        clean_email_field(address)
    assert exc.value.field == "email"


def test_email_length_limit_is_254():
    local = "a" * 64
    domain = ".".join(["b" * 60] * 3) + ".fr"
    assert len(f"{local}@{domain}") <= EMAIL_MAX and is_valid_email(f"{local}@{domain}")
    longer = ".".join(["b" * 60] * 4) + ".fr"
    assert not is_valid_email(f"{local}@{longer}")


def test_terminal_output_shows_escapes_instead_of_obeying_them():
    shown = for_terminal("\x1b]0;pris\x07Nom\u202e")
    assert shown == "\\x1b]0;pris\\x07Nom\\u202e"
    assert first_unsafe(shown) is None
    assert for_terminal("Léa Dupont") == "Léa Dupont"
