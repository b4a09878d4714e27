"""Codes shown in words: every audit action the code writes has a label, STS functions,
import kinds; and each label has its English translation."""

import ast
import itertools
from pathlib import Path

from babel.messages.pofile import read_po

from appliance import labels
from appliance.directory.imports.detect import KIND_LABELS
from appliance.directory.imports.sts import KNOWN_STAFF_FUNCTIONS

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "webui" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

# The functions that write an audit row, and where their action argument is.
AUDIT_CALLS = {"record": 2, "audit": 1, "audited": 2, "_audit": 2, "_audit_fresh": 2}


# Other modules have a `record` of their own (listening.record, orphans.record): only the
# audit module's is an audit call.
_NOT_AUDIT = {"listening", "orphans"}


def _other_record(func) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in _NOT_AUDIT
    )


def _name(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


class _Module:
    def __init__(self, path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}

    def enclosing(self, node):
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def calls_to(self, fname):
        return [
            n
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Call) and _name(n.func) == fname and not _other_record(n.func)
        ]

    def values(self, node, unresolved):
        """The set of strings `node` can be (None: a wrapper's pass-through)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, unresolved) | self.values(node.orelse, unresolved)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append({part.value})
                else:
                    parts.append(self.values(part.value, unresolved))
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(node, ast.Name):
            return self._name_values(node, unresolved)
        unresolved.append(f"{self.path}:{node.lineno}")
        return set()

    def _name_values(self, node, unresolved):
        func = self.enclosing(node)
        if func is None:
            unresolved.append(f"{self.path}:{node.lineno}")
            return set()
        params = [a.arg for a in func.args.args]
        if node.id in params:
            if func.name in AUDIT_CALLS:
                return set()  # a wrapper passing its own argument on: its callers are read
            index = params.index(node.id)
            found = set()
            for call in self.calls_to(func.name):
                arg = next((k.value for k in call.keywords if k.arg == node.id), None)
                if arg is None and index < len(call.args):
                    arg = call.args[index]
                if arg is not None:
                    found |= self.values(arg, unresolved)
            return found
        found = set()
        for sub in ast.walk(func):
            if isinstance(sub, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in sub.targets
            ):
                found |= self.values(sub.value, unresolved)
        if not found:
            unresolved.append(f"{self.path}:{node.lineno}")
        return found


def audit_actions(root):
    """(every action name written by the code under `root`, the places not understood)."""
    actions, unresolved = set(), []
    for folder in ("appliance", "webui", "backup"):
        for path in sorted((root / folder).rglob("*.py")):
            mod = _Module(path)
            for fname, index in AUDIT_CALLS.items():
                for call in mod.calls_to(fname):
                    arg = next((k.value for k in call.keywords if k.arg == "action"), None)
                    if arg is None and index < len(call.args):
                        arg = call.args[index]
                    if arg is not None:
                        actions |= mod.values(arg, unresolved)
    return actions, unresolved


def test_every_audit_action_written_by_the_code_has_a_label():
    actions, unresolved = audit_actions(REPO)
    assert not unresolved, f"action names the test cannot read (use literals): {unresolved}"
    # the reader finds the actions written through variables and f-strings too
    assert {"login.failed", "person.disable", "person.enable", "backup.verify_data"} <= actions
    missing = sorted(actions - set(labels.AUDIT_ACTIONS))
    assert not missing, f"add these to appliance/labels.py AUDIT_ACTIONS: {missing}"
    assert labels.action_label("login.failed") == "Connexion refusée"
    assert labels.action_label("login") == "Connexion"


def test_sts_functions_in_words_unknown_codes_named_free_text_kept():
    assert labels.function_label("EDU") == "Conseiller principal d'éducation"
    assert labels.function_label("DIR") == "Direction"
    assert labels.function_label("ens") == "Enseignant"
    assert labels.function_label("XYZ") == "Fonction XYZ"
    assert labels.function_label("Infirmière scolaire") == "Infirmière scolaire"
    assert labels.function_label(None) == ""
    assert set(labels.FUNCTIONS) >= KNOWN_STAFF_FUNCTIONS
    assert set(KIND_LABELS) == set(labels.IMPORT_KINDS)


def test_every_label_has_an_english_translation():
    with PO.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    tables = (
        labels.AUDIT_ACTIONS,
        labels.AUDIT_OUTCOMES,
        labels.FUNCTIONS,
        labels.IMPORT_KINDS,
        labels.BACKUP_JOBS,
        labels.BACKUP_OUTCOMES,
    )
    untranslated = sorted({w for t in tables for w in t.values() if not catalog.get(w)})
    assert not untranslated, untranslated
    english = {k: v for k, v in catalog.items() if isinstance(k, str)}
    assert labels.function_label("XYZ", lambda s: english.get(s, s)) == "Function XYZ"
