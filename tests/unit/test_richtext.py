"""The safe rich-text subset: what survives, what is removed, the plain words."""

from __future__ import annotations

import pytest

from appliance import richtext
from appliance.errors import CartableError


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script><p>ok</p>",
        '<p onclick="alert(1)">ok</p>',
        '<a href="javascript:alert(1)">ok</a>',
        '<img src=x onerror="alert(1)"><p>ok</p>',
        '<p style="background:url(x)">ok</p>',
        "<svg><script>alert(1)</script></svg><p>ok</p>",
        '<iframe src="https://example.org"></iframe><p>ok</p>',
        '<form action="/x"><input name="a"></form><p>ok</p>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">ok</a>',
        "<!-- <script>x</script> --><p>ok</p>",
    ],
)
def test_anything_that_could_run_is_removed(dirty):
    clean = richtext.sanitise(dirty)
    lowered = clean.lower()
    for bad in (
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "style=",
        "<img",
        "<iframe",
        "<form",
        "<input",
        "data:",
        "<svg",
        "<!--",
    ):
        assert bad not in lowered, (dirty, clean)
    assert "ok" in clean


def test_the_allowed_subset_survives():
    source = (
        "<p><strong>Exercice 3</strong> p. 42, <em>questions</em> <u>a</u> et <b>b</b></p>"
        "<ul><li>lire</li><li>résumer</li></ul><ol><li>un</li></ol>"
        '<p><a href="https://fr.wikipedia.org/wiki/Lune" title="Lune">la Lune</a><br>fin</p>'
    )
    clean = richtext.sanitise(source)
    for kept in (
        "<strong>Exercice 3</strong>",
        "<em>questions</em>",
        "<ul><li>lire</li>",
        "<ol><li>un</li></ol>",
        'href="https://fr.wikipedia.org/wiki/Lune"',
        "<br>",
    ):
        assert kept in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_plain_words_keep_lines_and_unescape():
    html = "<p>Relire <strong>l'acte I</strong> &amp; le résumer</p><ul><li>a</li><li>b</li></ul>"
    assert richtext.plain(html) == "Relire l'acte I & le résumer\na\nb"
    assert richtext.plain("") == ""


def test_plain_text_becomes_safe_html():
    html = richtext.from_plain("Page 12 <b>pas du html</b>\nligne 2\n\nparagraphe & fin")
    assert html == (
        "<p>Page 12 &lt;b&gt;pas du html&lt;/b&gt;<br>ligne 2</p><p>paragraphe &amp; fin</p>"
    )
    assert richtext.clean_input("<p>x</p><script>y</script>") == "<p>x</p>"
    assert richtext.clean_input("a < b") == "<p>a &lt; b</p>"


def test_a_too_long_text_names_its_field():
    with pytest.raises(CartableError) as err:
        richtext.sanitise("x" * 101, field="contenu", max_chars=100)
    assert "contenu" in str(err.value) and "100" in str(err.value)
