"""Repositories: where they are (`parse_location`) and the registry of this server's ones.

The registry is one JSON file in the state folder (`repositories.json`, written
atomically; read-modify-write under a flock) holding, per repository: its label, URL,
kind, borg repository id, pinned SSH host key, whether the key sheet is stored, and the
history of runs (each with start, end, outcome, plain message and sizes). The file says
its format version; `repos_format` upgrades older ones and refuses newer ones.

Locations:
- local: an absolute path (`/srv/sauvegardes/cartable`);
- ssh: `ssh://user@host:port/path` (or `user@host:path`), served by `borg serve`;
- removable: `removable://FS-UUID/path/on/the/disk`, found wherever the disk is mounted.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backup.errors import N_, Phrase, RegistryError
from backup.fsutil import atomic_write_json
from backup.repos_format import REGISTRY_VERSION, upgrade

KINDS = ("local", "ssh", "removable")
HISTORY_LIMIT = 200
LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_SSH_URL = re.compile(
    r"^ssh://(?:(?P<user>[^@/:]+)@)?(?P<host>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?(?P<path>/.*)$"
)
_SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^:/]+):(?P<path>.+)$")
_UUID = re.compile(r"^[0-9A-Fa-f-]{4,64}$")
log = logging.getLogger("cartable.backup.repos")


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Location:
    """A parsed repository location; `borg_url` is what borg is given (not for removable)."""

    kind: str
    url: str
    path: str
    user: str | None = None
    host: str | None = None
    port: int = 22
    fs_uuid: str | None = None

    @property
    def borg_url(self) -> str:
        if self.kind == "ssh":
            user = f"{self.user}@" if self.user else ""
            return f"ssh://{user}{self.host}:{self.port}{self.path}"
        return self.path


def parse_location(url: str) -> Location:
    """Parse a repository location (see module doc). Raises RegistryError when invalid."""
    url = (url or "").strip()
    if url.startswith("removable://"):
        uuid, _, rest = url[len("removable://") :].partition("/")
        if not _UUID.match(uuid) or not rest.strip("/"):
            raise RegistryError(
                N_(
                    "Adresse de disque amovible invalide : attendu removable://UUID/dossier "
                    "(UUID : voir « lsblk -f »)."
                ),
                field="repo",
            )
        path = "/" + rest.strip("/")
        return Location("removable", f"removable://{uuid}{path}", path, fs_uuid=uuid)
    if m := _SSH_URL.match(url):
        port = int(m["port"] or 22)
        if not 0 < port < 65536:
            raise RegistryError(N_("Port SSH invalide dans %(url)s."), field="repo", url=url)
        loc = Location("ssh", "", m["path"], m["user"], m["host"].strip("[]"), port)
        return Location(**{**asdict(loc), "url": loc.borg_url})
    if url.startswith("file://"):
        url = url[len("file://") :]
    if url.startswith("/"):
        path = "/" + url.strip("/")
        if "::" in path:
            raise RegistryError(N_("Le chemin du dépôt ne doit pas contenir « :: »."), field="repo")
        return Location("local", path, path)
    if m := _SCP.match(url):
        path = m["path"] if m["path"].startswith("/") else "/./" + m["path"]
        loc = Location("ssh", "", path, m["user"], m["host"], 22)
        return Location(**{**asdict(loc), "url": loc.borg_url})
    raise RegistryError(
        N_(
            "Emplacement de dépôt non reconnu : %(url)s. Donnez un chemin absolu "
            "(/srv/sauvegardes), ssh://compte@serveur:22/chemin ou removable://UUID/dossier."
        ),
        field="repo",
        url=repr(url),
    )


@dataclass
class RunRecord:
    """One job run on one repository, as kept in the history and returned by jobs.

    `job` is backup, prune, check, verify-data, drill, restore…; `outcome` is ok,
    warning, error or skipped; `alert` says the technician must be told now. A backup
    also says how many archives its prune deleted (`pruned`) and whether it compacted
    the repository (`compacted`); None when it did not get that far (or older records).
    """

    label: str
    job: str
    outcome: str
    message: str
    started: str = field(default_factory=now_iso)
    ended: str = field(default_factory=now_iso)
    archive: str | None = None
    original_size: int | None = None
    compressed_size: int | None = None
    deduplicated_size: int | None = None
    nfiles: int | None = None
    repository_size: int | None = None
    duration: float | None = None
    exit_code: int | None = None
    alert: bool = False
    details: list = field(default_factory=list)
    pruned: int | None = None
    compacted: bool | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "warning")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Repository:
    """A repository this server backs up to (one entry of the registry)."""

    label: str
    url: str
    kind: str
    repo_id: str | None = None
    created: str = field(default_factory=now_iso)
    passphrase_file: str | None = None
    host_key: dict | None = None
    key_sheet_confirmed: bool = False
    key_sheet_confirmed_at: str | None = None
    history: list = field(default_factory=list)

    @property
    def location(self) -> Location:
        return parse_location(self.url)

    def runs(self, job: str | None = None, *, ok_only: bool = False) -> list[RunRecord]:
        """History entries (oldest first), optionally of one job and successful only."""
        out = [RunRecord.from_dict(h) for h in self.history]
        if job:
            out = [r for r in out if r.job == job]
        if ok_only:
            out = [r for r in out if r.ok]
        return out

    def last_run(self, job: str, *, ok_only: bool = False) -> RunRecord | None:
        runs = self.runs(job, ok_only=ok_only)
        return runs[-1] if runs else None

    def last_compaction(self) -> str | None:
        """When `borg compact` last ran on this repository (ISO time), None if never."""
        return next((r.started for r in reversed(self.runs()) if r.compacted), None)

    def compaction_pending(self) -> bool:
        """True when a prune deleted archives since the last `borg compact`: their space
        is still taken on the repository's disk."""
        for r in reversed(self.runs()):
            if r.compacted:
                return False
            if r.pruned:
                return True
        return False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Repository:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def check_label(label: str) -> str:
    """`label` if valid (a-z, 0-9, - and _, 32 characters at most); else RegistryError."""
    if not isinstance(label, str) or not LABEL_RE.match(label):
        raise RegistryError(
            N_(
                "Étiquette invalide : %(label)s. Utilisez des minuscules, chiffres, - ou _ "
                "(par exemple « local », « hors-site », « disque-usb »)."
            ),
            field="label",
            label=repr(label),
        )
    return label


class Registry:
    """The registry file of `state_dir`. Every change is one locked read-modify-write."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "repositories.json"
        self.lock_path = self.state_dir / "repositories.lock"

    def _read(self, *, locked: bool = False) -> dict[str, Repository]:
        """The stored repositories by label ({} when there is no file yet).

        An older file is upgraded (`repos_format`) and written back: at once when the
        caller holds the lock (`locked`), else under the lock taken here. Raises
        RegistryError when the file is unreadable or newer than the code.
        """
        data, changed = self._load()
        if changed and not locked:
            with self._locked():
                data, changed = self._load()
                if changed:
                    self._write_back(data)
        elif changed:
            self._write_back(data)
        return {r["label"]: Repository.from_dict(r) for r in data.get("repositories", [])}

    def _load(self) -> tuple[dict[str, Any], bool]:
        """The file's payload at the current version, and whether it had to be upgraded."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": REGISTRY_VERSION, "repositories": []}, False
        except (OSError, ValueError) as exc:
            raise RegistryError(
                N_(
                    "Le registre des dépôts %(path)s est illisible (%(exc)s). Restaurez-le "
                    "ou recréez les dépôts avec « cartable backup init »."
                ),
                path=self.path,
                exc=exc,
            ) from exc
        return upgrade(data, self.path)

    def _write_back(self, data: dict[str, Any]) -> None:
        """Save an upgraded payload, unless the file belongs to another user: rewriting
        it would hand it to us (the web process could then no longer read a file root
        rewrote), so that reader keeps the upgraded copy in memory only."""
        if self.path.stat().st_uid != os.geteuid():
            log.info("registre %s mis à jour en mémoire seulement", self.path)
            return
        atomic_write_json(self.path, data, mode=0o600)

    def _write(self, repos: dict[str, Repository]) -> None:
        payload = {
            "version": REGISTRY_VERSION,
            "repositories": [r.to_dict() for r in repos.values()],
        }
        atomic_write_json(self.path, payload, mode=0o600)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def all(self) -> list[Repository]:
        """Every repository, in the order they were added."""
        return list(self._read().values())

    def get(self, label: str) -> Repository:
        """The repository `label`; raises RegistryError when there is none."""
        repos = self._read()
        if label not in repos:
            known = ", ".join(repos) or Phrase(N_("aucun"))
            raise RegistryError(
                N_("Aucun dépôt n'a l'étiquette « %(label)s » (dépôts connus : %(known)s)."),
                field="label",
                label=label,
                known=known,
            )
        return repos[label]

    def select(self, labels: list[str] | None = None) -> list[Repository]:
        """The repositories named in `labels` (all when None); RegistryError if none."""
        if labels:
            return [self.get(label) for label in labels]
        repos = self.all()
        if not repos:
            raise RegistryError(
                N_(
                    "Aucun dépôt de sauvegarde n'est configuré : ajoutez-en un avec "
                    "« cartable backup init --label local --repo /chemin »."
                )
            )
        return repos

    def add(self, repo: Repository) -> Repository:
        """Add `repo`; raises RegistryError when its label or URL is already used."""
        check_label(repo.label)
        with self._locked():
            repos = self._read(locked=True)
            if repo.label in repos:
                raise RegistryError(
                    N_("L'étiquette « %(label)s » est déjà utilisée."), label=repo.label
                )
            for other in repos.values():
                if other.url == repo.url:
                    raise RegistryError(
                        N_("Ce dépôt est déjà enregistré sous l'étiquette « %(label)s »."),
                        label=other.label,
                    )
            repos[repo.label] = repo
            self._write(repos)
        return repo

    def update(self, label: str, change: Callable[[Repository], Any]) -> Repository:
        """Apply `change(repo)` to the stored repository `label` and save; returns it."""
        with self._locked():
            repos = self._read(locked=True)
            if label not in repos:
                raise RegistryError(N_("Aucun dépôt n'a l'étiquette « %(label)s »."), label=label)
            change(repos[label])
            self._write(repos)
            return repos[label]

    def remove(self, label: str) -> None:
        """Forget `label` (the repository itself is left untouched)."""
        with self._locked():
            repos = self._read(locked=True)
            repos.pop(label, None)
            self._write(repos)

    def record_run(self, record: RunRecord) -> None:
        """Append `record` to its repository's history (keeping the last 200)."""

        def append(repo: Repository) -> None:
            repo.history.append(record.to_dict())
            del repo.history[:-HISTORY_LIMIT]

        self.update(record.label, append)

    def confirm_key_sheet(self, label: str) -> Repository:
        """Note that the key sheet of `label` is printed and stored in the safe."""

        def confirm(repo: Repository) -> None:
            repo.key_sheet_confirmed = True
            repo.key_sheet_confirmed_at = now_iso()

        return self.update(label, confirm)
