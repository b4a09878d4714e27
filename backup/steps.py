"""Step-by-step reports for restores: each step's name, outcome and plain message.

A restore says what it did and, when it fails, which step failed and why; the steps
after a failed one are not run.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backup.commands import extract_argv
from backup.errors import N_, BackupError
from backup.fsutil import fsync_dir, human_size
from backup.runner import Borg
from backup.snapshot import SNAPSHOT_DIR
from backup.targets import Target
from backup.verify import (
    ExtractionChecker,
    Verification,
    load_manifest,
    verify_databases,
    verify_files,
)


@dataclass(frozen=True)
class StepResult:
    """One step: `name` (stable, English), `title` (French), ok, plain message, seconds."""

    name: str
    title: str
    ok: bool
    message: str
    seconds: float


@dataclass
class RestoreReport:
    """The whole restore: ok, the archive used, every step run, the manifest summary."""

    ok: bool = False
    archive: str | None = None
    steps: list[StepResult] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if not s.ok), None)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "archive": self.archive,
            "failed_step": self.failed_step.name if self.failed_step else None,
            "steps": [asdict(s) for s in self.steps],
            "manifest": self.manifest,
        }

    def text(self) -> str:
        """The report as lines for a terminal: « ✔ Titre : message »."""
        lines = [f"{'✔' if s.ok else '✘'} {s.title} : {s.message}" for s in self.steps]
        if self.failed_step:
            lines.append(f"Échec à l'étape « {self.failed_step.title} ».")
        return "\n".join(lines)


class StepFailed(Exception):
    """Internal: a step failed and was recorded; the remaining steps are skipped."""


def run_step(report: RestoreReport, name: str, title: str, fn: Callable[[], str]) -> None:
    """Run `fn` as step `name`, record it in `report`; raise StepFailed when it fails."""
    t0 = time.monotonic()
    try:
        message = fn()
    except BackupError as exc:
        report.steps.append(StepResult(name, title, False, exc.message, _since(t0)))
        raise StepFailed(name) from exc
    except OSError as exc:
        msg = f"Erreur du système de fichiers : {exc.strerror or exc} ({exc.filename or ''})."
        report.steps.append(StepResult(name, title, False, msg, _since(t0)))
        raise StepFailed(name) from exc
    except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
        msg = f"Données inattendues dans l'archive ({type(exc).__name__} : {exc})."
        report.steps.append(StepResult(name, title, False, msg, _since(t0)))
        raise StepFailed(name) from exc
    report.steps.append(StepResult(name, title, True, message, _since(t0)))


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 2)


def manifest_summary(manifest: dict) -> dict:
    """The manifest without its per-file list (for reports and JSON output)."""
    return {
        "created": manifest.get("created"),
        "hostname": manifest.get("hostname"),
        "product_version": manifest.get("product_version"),
        "schema_version": manifest.get("schema_version"),
        "databases": {k: v["tables"] for k, v in manifest["databases"].items()},
        "config": sorted(manifest["config"]),
        "trees": {
            k: {"count": v["count"], "size": v["size"]} for k, v in manifest["trees"].items()
        },
    }


def extract_and_verify(
    report: RestoreReport, borg: Borg, target: Target, archive: str, work: Path
) -> tuple[dict, Verification]:
    """Steps « extraction », « manifest », « databases », « checksums » into `work`.

    Files are hashed, and databases checked, while borg extracts (`ExtractionChecker`);
    the databases and checksums steps then compare with the manifest and check what
    was not seen during the extraction. Returns the manifest and the verification;
    raises StepFailed on the first failure.
    """
    state: dict = {}
    checker = ExtractionChecker(work)

    def extract() -> str:
        work.mkdir(parents=True, exist_ok=False, mode=0o700)
        res = borg.run(
            extract_argv(target.location, archive, list_items=True),
            passphrase=target.passphrase,
            relocated_ok=target.relocated_ok,
            cwd=work,
            on_log=checker.on_log,
            keep_listing=False,
        )
        checker.finish()
        suffix = f" ({res.message})" if res.severity == "warning" else ""
        return f"Archive {archive} extraite en {res.duration:.0f} s{suffix}."

    def manifest() -> str:
        state["manifest"] = m = load_manifest(work)
        report.manifest = manifest_summary(m)
        return (
            f"Sauvegarde du {m.get('created')} faite par Cartable {m.get('product_version')} "
            f"(schéma {m.get('schema_version')}) sur {m.get('hostname')}."
        )

    def databases() -> str:
        state["verification"] = v = Verification()
        verify_databases(work, state["manifest"], v, checker)
        if v.problems:
            raise BackupError(
                N_("Bases de données non conformes : %(problems)s"), problems="; ".join(v.problems)
            )
        return f"{v.databases} base(s) intègre(s), {v.rows} lignes, comptes par table conformes."

    def checksums() -> str:
        v = state["verification"]
        verify_files(work, state["manifest"], v, checker)
        if v.problems:
            raise BackupError(
                N_("Fichiers non conformes : %(problems)s"), problems="; ".join(v.problems[:20])
            )
        notes = f" Remarques : {'; '.join(v.notes[:5])}." if v.notes else ""
        return f"{v.files} fichiers conformes à leur somme de contrôle.{notes}"

    try:
        run_step(report, "extraction", "Extraction de l'archive", extract)
        run_step(report, "manifest", "Lecture du manifeste", manifest)
        run_step(report, "databases", "Bases de données", databases)
        run_step(report, "checksums", "Sommes de contrôle", checksums)
    finally:
        checker.close()
    return state["manifest"], state["verification"]


def restored_items(work: Path, manifest: dict) -> list[tuple[str, Path]]:
    """(kind, path in `work`) of everything to put in place: databases, trees, config."""
    items = [("database", work / SNAPSHOT_DIR / "databases" / n) for n in manifest["databases"]]
    items += [("tree", work / t) for t in manifest["trees"]]
    items += [("config", work / SNAPSHOT_DIR / "config" / n) for n in manifest["config"]]
    return items


def move_into_place(src: Path, dest: Path) -> None:
    """Move `src` to `dest` (which must not exist) and fsync the folder."""
    if dest.exists() or dest.is_symlink():
        raise BackupError(N_("%(dest)s existe déjà : il ne sera pas écrasé."), dest=dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(dest))
    fsync_dir(dest.parent)


def space_message(free: int, need: int) -> str:
    return f"{human_size(free)} libres pour environ {human_size(need)} à restaurer."
