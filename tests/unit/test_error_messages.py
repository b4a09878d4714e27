"""Service errors are translatable: every message given to an explained error (CartableError,
BackupError and their kin) or to an import problem is a literal French template marked
N_() whose `%(name)s` placeholders are exactly the keyword values given beside it; the
French text is what the CLI shows, `translated()` the web UI's language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from appliance.errors import CartableError, ConfigError
from backup.errors import N_, BackupError, Phrase, RegistryError

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "webui" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
SOURCES = sorted([*(REPO / "appliance").rglob("*.py"), *(REPO / "backup").rglob("*.py")])
# Keyword arguments of the error classes themselves, not values of the message.
NOT_VALUES = {"field", "step", "skippable"}
# Borg's exit-code explanation (backup/exit_codes.py): a Phrase of marked templates, whose
# template and values the error takes (backup.errors.Explained).
# Templates passed through a variable; each is checked where it is written (a Schema's
# `newer` in tests/unit/health/test_health_store_migrations.py).
PASSED_THROUGH = {
    ("backup/runner.py", "result.message"),
    ("backup/setup.py", "res.message"),
    # exit_codes._marked: the module's literals, each marked N_ where written (their
    # English is checked in tests/unit/backup/test_backup_exit_codes.py).
    ("backup/exit_codes.py", "text"),
    ("appliance/db.py", "schema.newer"),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _explained_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Phrase, and every class deriving (through any chain) from backup.errors.Explained."""
    found = {"Explained", "Phrase"}
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(_name(b) in found for b in node.bases)
        }
        if more <= found:
            return found
        found |= more


def _message_calls(rel: str, tree: ast.Module, classes: set[str]):
    """(call, first argument) of every explained error built and every problem recorded."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _name(node.func)
        problem = (
            rel.startswith(("appliance/directory/", "appliance/schoollife/"))
            and isinstance(node.func, ast.Attribute)
            and name in ("error", "warn")
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "log")
        )
        if name in classes or problem:
            yield node, node.args[0]


def _templates(arg: ast.expr) -> list[str] | None:
    """The literal templates of a message argument, or None when it is not N_("…")."""
    if isinstance(arg, ast.IfExp):
        both = [_templates(arg.body), _templates(arg.orelse)]
        return None if None in both else both[0] + both[1]
    if (
        isinstance(arg, ast.Call)
        and _name(arg.func) == "N_"
        and len(arg.args) == 1
        and isinstance(arg.args[0], ast.Constant)
        and isinstance(arg.args[0].value, str)
    ):
        return [arg.args[0].value]
    return None


def _problems_of(rel: str, call: ast.Call, arg: ast.expr) -> list[str]:
    where = f"{rel}:{call.lineno}"
    if isinstance(arg, ast.Attribute) and arg.attr == "template":
        # Another explained error passed on: its template with its own values.
        spread = [ast.unparse(k.value) for k in call.keywords if k.arg is None]
        ok = spread == [ast.unparse(arg.value) + ".params"]
        return [] if ok else [f"{where}: a passed-on template needs **{ast.unparse(arg.value)}"]
    if (rel, ast.unparse(arg)) in PASSED_THROUGH:
        return []
    templates = _templates(arg)
    if templates is None:
        return [f"{where}: message is not a literal N_() template: {ast.unparse(arg)[:70]}"]
    given = {k.arg for k in call.keywords if k.arg and k.arg not in NOT_VALUES}
    out = []
    for template in templates:
        wanted = set(PLACEHOLDER.findall(template))
        if wanted != given:
            out.append(f"{where}: placeholders {sorted(wanted)} but values {sorted(given)}")
        if wanted and re.search(r"%(?!\(\w+\)s|%)", template):
            out.append(f"{where}: a literal % must be written %% in a template with values")
    return out


def test_every_service_error_message_is_a_marked_template_with_its_values():
    trees = {str(p.relative_to(REPO)): ast.parse(p.read_text(encoding="utf-8")) for p in SOURCES}
    classes = _explained_classes(trees)
    assert {"CartableError", "BackupError", "NotFound", "JobBusy", "XmlRefused"} <= classes
    problems, seen = [], 0
    for rel, tree in trees.items():
        for call, arg in _message_calls(rel, tree, classes):
            seen += 1
            problems.extend(_problems_of(rel, call, arg))
    assert seen > 250  # errors and import problems: the walk finds them
    assert not problems, "\n".join(problems)


def test_the_walk_refuses_an_f_string_and_a_missing_value():
    source = (
        "def f(path, n):\n"
        "    raise CartableError(f'Le dossier {path} est plein.')\n"
        "    raise NotFound(N_('Aucun import n° %(n)s.'))\n"
        "    raise BackupError(N_('Le dépôt %(label)s.'), label=n, step='x')\n"
    )
    tree = ast.parse(source)
    classes = {"CartableError", "NotFound", "BackupError"}
    found = [
        p
        for c, a in _message_calls("appliance/x.py", tree, classes)
        for p in _problems_of("appliance/x.py", c, a)
    ]
    assert len(found) == 2
    assert "not a literal N_() template" in found[0] and "['n'] but values []" in found[1]


def _english():
    with PO.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    return lambda text: catalog.get(text, text)


def test_french_for_the_cli_and_the_ui_language_for_the_web():
    err = ConfigError(N_("Clé de configuration inconnue « %(name)s »."), name="web.prot")
    assert str(err) == err.message == "Clé de configuration inconnue « web.prot »."
    assert err.translated(_english()) == "Unknown configuration key « web.prot »."
    # A plain string (an error written before templates) still works, as it is.
    plain = CartableError("Rien à faire.", field="x")
    assert str(plain) == plain.translated(_english()) == "Rien à faire." and plain.field == "x"


def test_a_wrapped_cause_and_a_phrase_are_translated_with_the_message():
    cause = RegistryError(
        N_("Aucun dépôt n'a l'étiquette « %(label)s » (dépôts connus : %(known)s)."),
        label="usb",
        known=Phrase(N_("aucun")),
    )
    assert str(cause) == "Aucun dépôt n'a l'étiquette « usb » (dépôts connus : aucun)."
    err = CartableError(N_("Restauration non faite, %(why)s"), why=cause)
    assert str(err) == "Restauration non faite, " + str(cause)
    assert err.translated(_english()) == (
        "Restore not done, No repository has the label « usb » (known repositories: none)."
    )


def test_a_broken_translation_shows_the_french_text_rather_than_failing():
    err = BackupError(N_("Le fichier de phrase de passe %(path)s est vide."), path="/x")
    assert err.translated(lambda text: "The file %(chemin)s is empty.") == err.message
