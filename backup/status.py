"""Per-repository status for the admin page and `cartable backup status --json`.

Read from the registry only (no borg call, so the page is instant): last backup, last
good backup, last proven restore, sizes, key sheet, and the alerts a technician must see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from backup.context import BackupContext
from backup.repos import Repository, RunRecord
from backup.runner import mask_text

PROVEN_JOBS = ("drill", "restore-full")


@dataclass(frozen=True)
class RepoStatus:
    """What the status page shows for one repository (`alerts` in plain French)."""

    label: str
    kind: str
    location: str
    key_sheet_confirmed: bool
    last_backup: dict | None
    last_good_backup: dict | None
    last_proven_restore: dict | None
    last_check: dict | None
    repository_size: int | None
    alerts: list[str] = field(default_factory=list)
    last_compaction: str | None = None
    compaction_pending: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _brief(rec: RunRecord | None) -> dict | None:
    if rec is None:
        return None
    keys = (
        *("job", "outcome", "started", "ended", "message", "archive", "original_size"),
        *("deduplicated_size", "nfiles", "duration"),
    )
    return {k: getattr(rec, k) for k in keys}


def _age_days(iso: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(iso)).total_seconds() / 86400


def _day(iso: str, now: datetime) -> str:
    """« 29/11/2026 »: the day of `iso` in the zone of `now` (the caller's, the school's)."""
    return datetime.fromisoformat(iso).astimezone(now.tzinfo).strftime("%d/%m/%Y")


def status_of(
    repo: Repository, *, now: datetime | None = None, max_backup_age_days: float = 2
) -> RepoStatus:
    """The status of `repo`; alerts when a backup is older than `max_backup_age_days`."""
    now = now or datetime.now().astimezone()
    backups = repo.runs("backup")
    good = [r for r in backups if r.ok]
    proven = [r for r in repo.runs() if r.job in PROVEN_JOBS and r.ok]
    checks = repo.runs("check")
    alerts = []
    if not repo.key_sheet_confirmed:
        alerts.append(
            "La fiche de clé n'a pas été confirmée comme imprimée et rangée au coffre : sans "
            "elle, un serveur détruit ne pourra pas être reconstruit."
        )
    if backups and not backups[-1].ok and backups[-1].outcome != "skipped":
        alerts.append(f"La dernière sauvegarde a échoué : {backups[-1].message}")
    elif backups and backups[-1].alert:
        alerts.append(backups[-1].message)
    if (
        good
        and _age_days(good[-1].started, now) > max_backup_age_days
        and repo.kind != ("removable")
    ):
        alerts.append(f"Aucune sauvegarde réussie depuis le {_day(good[-1].started, now)}.")
    if not good:
        alerts.append("Aucune sauvegarde réussie pour l'instant.")
    if checks and not checks[-1].ok:
        alerts.append(f"Le dernier contrôle a trouvé un problème : {checks[-1].message}")
    drills = repo.runs("drill")
    if drills and not drills[-1].ok and drills[-1].outcome != "skipped":
        alerts.append(f"Le dernier exercice de restauration a échoué : {drills[-1].message}")
    sizes = [r.repository_size for r in good if r.repository_size is not None]
    return RepoStatus(
        label=repo.label,
        kind=repo.kind,
        location=mask_text(repo.url),
        key_sheet_confirmed=repo.key_sheet_confirmed,
        last_backup=_brief(backups[-1] if backups else None),
        last_good_backup=_brief(good[-1] if good else None),
        last_proven_restore=_brief(proven[-1] if proven else None),
        last_check=_brief(checks[-1] if checks else None),
        repository_size=sizes[-1] if sizes else None,
        alerts=alerts,
        last_compaction=repo.last_compaction(),
        compaction_pending=repo.compaction_pending(),
    )


def repository_status(ctx: BackupContext, *, now: datetime | None = None) -> list[RepoStatus]:
    """The status of every registered repository."""
    return [status_of(r, now=now) for r in ctx.registry.all()]
