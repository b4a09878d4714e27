"""The rooms' imports point one way: webui → appliance → backup (docs/architecture.md).

Read from the source with `ast`, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# room → the top-level packages of ours it must never import
FORBIDDEN = {
    "backup": {"appliance", "webui"},
    "appliance": {"webui"},
    "webui": {"backup"},  # webui reaches backup/ only through appliance
}


def imported_roots(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every import in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(a.name.split(".")[0], node.lineno) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def test_imports_point_one_way():
    wrong = []
    for room, forbidden in FORBIDDEN.items():
        for path in sorted((REPO / room).rglob("*.py")):
            for root, line in imported_roots(path):
                if root in forbidden:
                    wrong.append(f"{path.relative_to(REPO)}:{line} imports {root}")
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_a_lazy_import(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from backup.fsutil import human_size\n", encoding="utf-8")
    assert ("backup", 2) in imported_roots(source)


def test_cli_and_backup_glue_are_packages():
    """The CLI is `appliance/cli/` (one module per group) and the backup glue is one
    package, `appliance/backups/` (issue #10); no flat copies are left beside them."""
    assert (REPO / "appliance" / "cli" / "__init__.py").is_file()
    assert (REPO / "appliance" / "backups" / "__init__.py").is_file()
    flat = sorted(p.name for p in (REPO / "appliance").glob("cli_*.py"))
    flat += sorted(p.name for p in (REPO / "appliance").glob("backup_*.py"))
    assert not flat, flat


def test_each_base_module_imports_first_in_a_fresh_process():
    """A circular import shows only when a module is the first one imported (the worker
    imports the job queue first, the CLI the config): each base module, alone."""
    import subprocess
    import sys

    first = [
        "appliance.db",
        "appliance.features",
        "appliance.jobqueue",
        "appliance.security.policy",
        "appliance.security.relations",
        "appliance.security.rules",
        "appliance.config",
        "appliance.blobs",
        "appliance.cli",
    ]
    code = "import importlib, sys\nimportlib.import_module(sys.argv[1])\n"
    for module in first:
        done = subprocess.run(
            [sys.executable, "-c", code, module], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, (module, done.stderr[-2000:])
