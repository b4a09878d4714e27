"""Check restored data against the manifest written at backup time.

Databases and config files are copies made by the snapshot: they must match exactly
(SHA-256), pass `PRAGMA integrity_check` and hold the same row count in every table.
Folder files were read live by borg: a file whose restored mtime differs from the
manifest's was changed while the backup ran (a note, not a fault); the same mtime with
different content is a fault.
"""

from __future__ import annotations

import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from backup.errors import VerificationError
from backup.fsutil import sha256_file
from backup.snapshot import MANIFEST_NAME, SNAPSHOT_DIR, integrity_problems, table_counts

MAX_LISTED = 20


@dataclass
class Verification:
    """The outcome: `problems` make it fail, `notes` are worth knowing but harmless."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    databases: int = 0
    rows: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One sentence in French."""
        text = (
            f"{self.databases} base(s) intègre(s), {self.rows} lignes comptées, "
            f"{self.files} fichiers vérifiés"
        )
        if self.problems:
            shown = "; ".join(self.problems[:MAX_LISTED])
            more = len(self.problems) - MAX_LISTED
            text += f". Problèmes : {shown}" + (f" (et {more} autres)" if more > 0 else "")
        if self.notes:
            text += f". Remarques : {'; '.join(self.notes[:5])}"
        return text + "."


def load_manifest(root: Path) -> dict:
    """The manifest of the snapshot extracted under `root`; raises VerificationError."""
    path = Path(root) / SNAPSHOT_DIR / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise VerificationError(
            "L'archive ne contient pas de manifeste Cartable : ce n'est pas une sauvegarde "
            "faite par Cartable, ou elle est incomplète."
        ) from exc
    except (OSError, ValueError) as exc:
        raise VerificationError(f"Le manifeste de l'archive est illisible : {exc}.") from exc
    for key in ("databases", "config", "trees"):
        if not isinstance(manifest.get(key), dict):
            raise VerificationError(f"Le manifeste de l'archive est incomplet (« {key} »).")
    return manifest


def verify_databases(root: Path, manifest: dict, result: Verification) -> None:
    """Integrity, checksum and per-table row counts of every database under `root`."""
    for name, entry in manifest["databases"].items():
        path = Path(root) / SNAPSHOT_DIR / "databases" / name
        if not path.is_file():
            result.problems.append(f"base {name} absente")
            continue
        if sha256_file(path) != entry["sha256"]:
            result.problems.append(f"base {name} : somme de contrôle différente")
        problems = integrity_problems(path)
        if problems:
            result.problems.append(f"base {name} abîmée : {'; '.join(problems)}")
            continue
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            counts = table_counts(conn)
        finally:
            conn.close()
        for table, expected in entry["tables"].items():
            got = counts.get(table)
            if got != expected:
                result.problems.append(
                    f"base {name}, table {table} : {got} lignes au lieu de {expected}"
                )
        result.databases += 1
        result.rows += sum(counts.values())


def verify_files(root: Path, manifest: dict, result: Verification) -> None:
    """Checksums of the config files and of every folder file listed in the manifest."""
    root = Path(root)
    for name, entry in manifest["config"].items():
        path = root / SNAPSHOT_DIR / "config" / name
        if not path.is_file():
            result.problems.append(f"configuration {name} absente")
        elif sha256_file(path) != entry["sha256"]:
            result.problems.append(f"configuration {name} : somme de contrôle différente")
        else:
            result.files += 1
    for tree, info in manifest["trees"].items():
        seen = set(info["files"])
        # Hash on every core at once (hashing releases the GIL), then compare in order.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            checked = pool.map(
                _check_one,
                [root / tree / rel for rel in info["files"]],
                [size for size, _m, _d in info["files"].values()],
            )
            results = list(checked)
        for (rel, (_size, mtime_ns, digest)), (st, actual) in zip(
            info["files"].items(), results, strict=True
        ):
            if st is None:
                result.notes.append(f"{tree}/{rel} supprimé pendant la sauvegarde")
                continue
            if actual == digest:
                result.files += 1
            elif st.st_mtime_ns != mtime_ns:
                result.notes.append(f"{tree}/{rel} modifié pendant la sauvegarde")
            else:
                result.problems.append(f"{tree}/{rel} : contenu différent du manifeste")
        extra = _extra_files(root / tree, seen)
        if extra:
            result.notes.append(f"{extra} fichier(s) de {tree} créés pendant la sauvegarde")


def _check_one(path: Path, size: int) -> tuple[os.stat_result | None, str | None]:
    """(stat, sha256) of a restored file; sha256 is None when the size already differs."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, None
    return st, sha256_file(path) if st.st_size == size else None


def _extra_files(folder: Path, seen: set[str]) -> int:
    count = 0
    for dirpath, _dirs, files in os.walk(folder):
        for fname in files:
            full = os.path.join(dirpath, fname)
            if os.path.isfile(full) and not os.path.islink(full):
                if os.path.relpath(full, folder) not in seen:
                    count += 1
    return count


def verify_extracted(root: Path) -> tuple[dict, Verification]:
    """Load the manifest under `root` and check everything; returns (manifest, result).

    Raises VerificationError only when there is no readable manifest.
    """
    manifest = load_manifest(root)
    result = Verification()
    # The databases' integrity check and the files' checksums run side by side.
    with ThreadPoolExecutor(max_workers=1) as pool:
        databases = pool.submit(verify_databases, root, manifest, result)
        verify_files(root, manifest, result)
        databases.result()
    return manifest, result
