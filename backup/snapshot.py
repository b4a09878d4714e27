"""A consistent snapshot of the school for one backup run, and its manifest.

Each SQLite database is copied through the online backup API (never by copying the
live file) into `STAGING/cartable-snapshot/databases/NAME.partial`, switched to a
rollback journal, checked with `PRAGMA integrity_check`, counted, fsynced and renamed.
A missing or corrupt database stops the backup (never an empty dump). Config files are
copied beside them. Folders (the files area) are not copied: borg reads them in place,
and the manifest lists each file's size, mtime and SHA-256 (cached between runs by size,
mtime, ctime and inode, so unchanged files are not hashed again).

Archive layout: `cartable-snapshot/manifest.json`, `cartable-snapshot/databases/NAME`,
`cartable-snapshot/config/NAME`, and each folder under its own name (`files/...`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from backup.errors import N_, NotEnoughSpace, SnapshotError
from backup.fsutil import (
    atomic_write_json,
    free_bytes,
    fsync_dir,
    fsync_file,
    human_size,
    sha256_file,
)

SNAPSHOT_DIR = "cartable-snapshot"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class BackupSources:
    """What a backup contains, given by the caller.

    `databases`: archive name (« cartable.db ») → live SQLite file; `trees`: folders kept
    as they are, archived under their own name (« files »); `config_files`: archive name →
    file (« cartable.toml »); the product and schema versions go into the manifest.
    """

    databases: Mapping[str, Path]
    trees: Sequence[Path] = ()
    config_files: Mapping[str, Path] = field(default_factory=dict)
    product_version: str = ""
    schema_version: str | int = ""

    def validate(self) -> None:
        """Raise SnapshotError when names clash or are not plain file names."""
        names = [*self.databases, *self.config_files]
        for name in names:
            if not name or "/" in name or name.startswith("."):
                raise SnapshotError(
                    N_("Nom invalide dans la sauvegarde : %(name)s."), name=repr(name)
                )
        tree_names = [Path(t).name for t in self.trees]
        if len(set(tree_names)) != len(tree_names) or SNAPSHOT_DIR in tree_names:
            raise SnapshotError(
                N_("Dossiers à sauvegarder en double : %(tree_names)s."), tree_names=tree_names
            )
        if set(tree_names) & set(self.databases):
            raise SnapshotError(N_("Un dossier et une base portent le même nom."))
        for tree in self.trees:
            if Path(tree).resolve().name != Path(tree).name:
                raise SnapshotError(
                    N_(
                        "Le dossier %(tree)s est un lien vers un dossier d'un autre nom "
                        "(%(real)s) : donnez le vrai dossier."
                    ),
                    tree=tree,
                    real=Path(tree).resolve(),
                )


@dataclass
class Snapshot:
    """A built snapshot: its folder in staging, the manifest, and what borg must read."""

    folder: Path
    manifest: dict
    paths: list[str]
    snapshot_bytes: int
    stamps: list[tuple[int, float]]

    def expected_new_bytes(self, since: float | None) -> int:
        """Bytes a repository may have to store: the snapshot plus the folder files that
        changed since `since` (epoch seconds; None = never backed up: everything)."""
        changed = sum(size for size, t in self.stamps if since is None or t >= since)
        return self.snapshot_bytes + changed

    @property
    def comment(self) -> str:
        m = self.manifest
        rows = sum(sum(d["tables"].values()) for d in m["databases"].values())
        files = sum(t["count"] for t in m["trees"].values())
        size = sum(t["size"] for t in m["trees"].values())
        return (
            f"Cartable {m['product_version']}, schéma {m['schema_version']} : "
            f"{len(m['databases'])} base(s), {rows} lignes ; {files} fichiers "
            f"({human_size(size)})"
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Row count of every table of `conn` (SQLite's own tables excluded)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {n: conn.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0] for n in names}


CHECK_MMAP_BYTES = 1 << 30  # read through mmap: the check runs about a third faster


def file_table_counts(path: Path) -> dict[str, int]:
    """`table_counts` of the database file `path`, opened read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return table_counts(conn)
    finally:
        conn.close()


def integrity_problems(path: Path) -> list[str]:
    """`PRAGMA integrity_check` of the database file `path`: [] when it is sound."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute(f"PRAGMA mmap_size = {CHECK_MMAP_BYTES}")
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows[:10]


def snapshot_database(src: Path, dest: Path) -> dict:
    """Copy the live database `src` to `dest` consistently; returns its manifest entry.

    The entry holds size, sha256 and row counts per table. Raises SnapshotError when
    `src` is missing, unreadable or corrupt; `dest` then does not exist.
    """
    src, dest = Path(src), Path(dest)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    if not src.is_file():
        raise SnapshotError(
            N_(
                "La base de données %(src)s est introuvable : la sauvegarde est arrêtée (jamais "
                "de copie vide). Vérifiez le dossier de données."
            ),
            src=src,
        )
    try:
        source = sqlite3.connect(f"file:{src}?mode=rw", uri=True, timeout=30)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        finally:
            source.close()
        problems = integrity_problems(partial)
        if problems:
            raise SnapshotError(
                N_(
                    "La base de données %(src)s est abîmée (PRAGMA integrity_check : "
                    "%(problems)s). La sauvegarde est arrêtée ; les archives "
                    "précédentes restent bonnes. Ne touchez plus à la base et appelez le support."
                ),
                src=src,
                problems="; ".join(problems),
            )
        counts = file_table_counts(partial)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise SnapshotError(
            N_(
                "La base de données %(src)s est illisible ou abîmée (%(exc)s). La sauvegarde est "
                "arrêtée ; les archives précédentes restent bonnes."
            ),
            src=src,
            exc=exc,
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    fsync_file(partial)
    os.replace(partial, dest)
    fsync_dir(dest.parent)
    return {"size": dest.stat().st_size, "sha256": sha256_file(dest), "tables": counts}


def _load_cache(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def scan_tree(root: Path, name: str, cache: dict, new_cache: dict):
    """Every regular file under `root`: ({relpath: [size, mtime_ns, sha256]}, stamps).

    Stays on `root`'s file system, like borg's --one-file-system. `stamps` are
    (size, latest of mtime/ctime) to estimate what changed since a date. Files whose
    size, times and inode match the cache keep their checksum; the others are hashed on
    every core at once (hashing releases the GIL), which keeps a first backup close to
    a bare `borg create`.
    """
    root = Path(root)
    if not root.is_dir():
        raise SnapshotError(N_("Le dossier à sauvegarder %(root)s est introuvable."), root=root)
    dev = root.stat().st_dev
    found: list[tuple[str, str, list, os.stat_result, str | None]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if os.lstat(os.path.join(dirpath, d)).st_dev == dev
        )
        for fname in sorted(filenames):
            full = os.path.join(dirpath, fname)
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            key = f"{name}/{os.path.relpath(full, root)}"
            sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
            cached = cache.get(key)
            found.append((full, key, sig, st, cached[4] if cached and cached[:4] == sig else None))
    to_hash = [full for full, _k, _s, _st, digest in found if digest is None]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashed = dict(zip(to_hash, pool.map(_sha256_or_none, to_hash), strict=True))
    files: dict[str, list] = {}
    stamps: list[tuple[int, float]] = []
    for full, key, sig, st, digest in found:
        digest = digest or hashed.get(full)
        if digest is None:  # vanished while scanning
            continue
        new_cache[key] = [*sig, digest]
        files[os.path.relpath(full, root)] = [st.st_size, st.st_mtime_ns, digest]
        stamps.append((st.st_size, max(st.st_mtime, st.st_ctime)))
    return files, stamps


def _sha256_or_none(path: str) -> str | None:
    try:
        return sha256_file(Path(path))
    except FileNotFoundError:
        return None


def _check_staging_space(sources: BackupSources, staging: Path, margin: int) -> int:
    need = 0
    for path in (*sources.databases.values(), *sources.config_files.values()):
        for p in (Path(path), Path(f"{path}-wal")):
            if p.exists():
                need += p.stat().st_size
    free = free_bytes(staging)
    if need + margin > free:
        raise NotEnoughSpace(
            N_(
                "Pas assez de place pour préparer la sauvegarde dans %(staging)s : il faut environ "
                "%(need)s, il reste %(free)s. Libérez de la place "
                "sur ce disque ; rien n'a été modifié."
            ),
            staging=staging,
            need=human_size(need + margin),
            free=human_size(free),
        )
    return need


def build_snapshot(
    sources: BackupSources,
    staging: Path,
    *,
    checksum_cache: Path | None = None,
    margin_bytes: int = 0,
    now: datetime | None = None,
) -> Snapshot:
    """Build the snapshot folder in `staging` and write its manifest atomically.

    Raises SnapshotError (missing or corrupt database, missing folder or config file) or
    NotEnoughSpace (staging too small); nothing usable is left behind then.
    """
    sources.validate()
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = staging / SNAPSHOT_DIR
    shutil.rmtree(folder, ignore_errors=True)
    _check_staging_space(sources, staging, margin_bytes)
    (folder / "databases").mkdir(parents=True)
    (folder / "config").mkdir()
    try:
        return _fill(sources, folder, checksum_cache, now or datetime.now().astimezone())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _fill(sources: BackupSources, folder: Path, cache_path: Path | None, now: datetime):
    cache, new_cache = _load_cache(cache_path), {}  # type: dict, dict

    def scan_all() -> tuple[dict, list]:
        trees, stamps = {}, []
        for tree in sources.trees:
            files, tree_stamps = scan_tree(Path(tree), Path(tree).name, cache, new_cache)
            size = sum(f[0] for f in files.values())
            trees[Path(tree).name] = {"count": len(files), "size": size, "files": files}
            stamps += tree_stamps
        return trees, stamps

    # The files are hashed while the databases are copied and checked: both take seconds.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_all)
        dbs = {
            name: snapshot_database(src, folder / "databases" / name)
            for name, src in sources.databases.items()
        }
        config = {}
        for name, src in sources.config_files.items():
            dest = folder / "config" / name
            try:
                shutil.copy2(src, dest)
            except OSError as exc:
                raise SnapshotError(
                    N_("Le fichier de configuration %(src)s est illisible : %(exc)s."),
                    src=src,
                    exc=exc,
                ) from exc
            fsync_file(dest)
            config[name] = {"size": dest.stat().st_size, "sha256": sha256_file(dest)}
        trees, stamps = scanning.result()
    manifest = {
        "format": MANIFEST_FORMAT,
        "created": now.isoformat(timespec="seconds"),
        "hostname": socket.gethostname(),
        "product_version": str(sources.product_version),
        "schema_version": sources.schema_version,
        "databases": dbs,
        "config": config,
        "trees": trees,
    }
    atomic_write_json(folder / MANIFEST_NAME, manifest, mode=0o600)
    if cache_path is not None:
        atomic_write_json(Path(cache_path), new_cache, mode=0o600)
    snapshot_bytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    paths = [f"{folder.parent}/./{SNAPSHOT_DIR}"]
    # borg archives a symlink as a link: give it the real folder, under the same name.
    paths += [f"{Path(t).resolve().parent}/./{Path(t).resolve().name}" for t in sources.trees]
    return Snapshot(folder, manifest, paths, snapshot_bytes, stamps)
