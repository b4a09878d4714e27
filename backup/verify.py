"""Check restored data against the manifest written at backup time.

Databases and config files are copies made by the snapshot: they must match exactly
(SHA-256), pass `PRAGMA integrity_check` and hold the same row count in every table.
Folder files were read live by borg: a file whose restored mtime differs from the
manifest's was changed while the backup ran (a note, not a fault); the same mtime with
different content is a fault.

The work can start while borg extracts (`ExtractionChecker`): borg names each item as
it starts extracting it, so the item before is complete; it is then hashed (and, for a
database, checked) on a spare core while borg goes on. The verdict is the same as after
the extraction: what was not seen during it is checked afterwards.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from backup.errors import N_, VerificationError
from backup.fsutil import sha256_file
from backup.runner import LISTING
from backup.snapshot import MANIFEST_NAME, SNAPSHOT_DIR, file_table_counts, integrity_problems

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
            N_(
                "L'archive ne contient pas de manifeste Cartable : ce n'est pas une sauvegarde "
                "faite par Cartable, ou elle est incomplète."
            )
        ) from exc
    except (OSError, ValueError) as exc:
        raise VerificationError(
            N_("Le manifeste de l'archive est illisible : %(exc)s."), exc=exc
        ) from exc
    for key in ("databases", "config", "trees"):
        if not isinstance(manifest.get(key), dict):
            raise VerificationError(
                N_("Le manifeste de l'archive est incomplet (« %(key)s »)."), key=key
            )
    return manifest


@dataclass(frozen=True)
class Inspected:
    """One restored file as found: its stat and SHA-256; for a database, the problems of
    `PRAGMA integrity_check` and the row count per table (None when not sound)."""

    stat: os.stat_result
    sha256: str
    problems: list[str] | None = None
    counts: dict[str, int] | None = None


def inspect_file(path: Path, database: bool = False) -> Inspected | None:
    """`path` hashed (and checked as a database); None when it is not a regular file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not os.path.isfile(path) or os.path.islink(path):
        return None
    digest = sha256_file(path)
    if not database:
        return Inspected(st, digest)
    problems = integrity_problems(path)
    counts = None if problems else file_table_counts(path)
    return Inspected(st, digest, problems, counts)


DATABASES_PREFIX = f"{SNAPSHOT_DIR}/databases/"


class ExtractionChecker:
    """Inspects the files of an extraction under `root` while borg extracts them.

    Give `on_log` to `Borg.run` of `borg extract --list --log-json` and call `finish()`
    once borg has exited: each item is inspected (`inspect_file`) as soon as borg names
    the next one, in a pool of `workers` threads (default: every core but the one borg
    uses). `inspected(rel)` waits for and returns what was found, or None when the item
    was not seen (the verification then reads it itself). `close()` stops the pool.
    """

    def __init__(self, root: Path, workers: int | None = None) -> None:
        self.root = Path(root)
        workers = workers or max(1, (os.cpu_count() or 1) - 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verif")
        self._previous: str | None = None
        self._seen: dict[str, Future] = {}

    def on_log(self, rec: dict) -> None:
        if rec.get("type") != "log_message" or rec.get("name") != LISTING:
            return
        self._submit_previous()
        self._previous = str(rec.get("message", ""))

    def finish(self) -> None:
        """Borg has exited: its last item is complete too."""
        self._submit_previous()

    def _submit_previous(self) -> None:
        rel, self._previous = self._previous, None
        if rel and rel not in self._seen:
            db = rel.startswith(DATABASES_PREFIX)
            self._seen[rel] = self._pool.submit(inspect_file, self.root / rel, db)

    def inspected(self, rel: str) -> Inspected | None:
        found = self._seen.get(rel)
        return found.result() if found is not None else None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _inspect(root: Path, rel: str, checker: ExtractionChecker | None, database: bool = False):
    found = checker.inspected(rel) if checker else None
    return found if found is not None else inspect_file(Path(root) / rel, database)


def verify_databases(
    root: Path, manifest: dict, result: Verification, checker: ExtractionChecker | None = None
) -> None:
    """Integrity, checksum and per-table row counts of every database under `root`
    (using what `checker` already found during the extraction)."""
    for name, entry in manifest["databases"].items():
        found = _inspect(root, f"{DATABASES_PREFIX}{name}", checker, database=True)
        if found is None:
            result.problems.append(f"base {name} absente")
            continue
        if found.sha256 != entry["sha256"]:
            result.problems.append(f"base {name} : somme de contrôle différente")
        if found.problems:
            result.problems.append(f"base {name} abîmée : {'; '.join(found.problems)}")
            continue
        counts = found.counts or {}
        for table, expected in entry["tables"].items():
            got = counts.get(table)
            if got != expected:
                result.problems.append(
                    f"base {name}, table {table} : {got} lignes au lieu de {expected}"
                )
        result.databases += 1
        result.rows += sum(counts.values())


def verify_files(
    root: Path, manifest: dict, result: Verification, checker: ExtractionChecker | None = None
) -> None:
    """Checksums of the config files and of every folder file listed in the manifest
    (using what `checker` already found during the extraction)."""
    root = Path(root)
    for name, entry in manifest["config"].items():
        found = _inspect(root, f"{SNAPSHOT_DIR}/config/{name}", checker)
        if found is None:
            result.problems.append(f"configuration {name} absente")
        elif found.sha256 != entry["sha256"]:
            result.problems.append(f"configuration {name} : somme de contrôle différente")
        else:
            result.files += 1
    for tree, info in manifest["trees"].items():
        seen = set(info["files"])
        known: dict[str, tuple[os.stat_result | None, str | None]] = {}
        if checker is not None:
            for rel in info["files"]:
                found = checker.inspected(f"{tree}/{rel}")
                if found is not None:
                    known[rel] = (found.stat, found.sha256)
        left = [rel for rel in info["files"] if rel not in known]
        # Hash what is left on every core at once (hashing releases the GIL).
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            checked = pool.map(
                _check_one,
                [root / tree / rel for rel in left],
                [info["files"][rel][0] for rel in left],
            )
            known.update(zip(left, checked, strict=True))
        for rel, (_size, mtime_ns, digest) in info["files"].items():
            st, actual = known[rel]
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
