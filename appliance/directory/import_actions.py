"""What a technician does with an import from the web UI, each step audited by the service:
send the files, apply the plan they read in the preview, abandon it.

The files of a pending import live on disk, not in the database: their audit row is written
once they are saved (and the files removed again if it can't be). The apply is one
transaction with its `directory.import` row (`apply.apply`); a refused apply changes
nothing and is logged as `directory.import_apply` refused, with its reason.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import BinaryIO

from appliance.directory import uploads
from appliance.directory.apply import ApplyResult, PlanHasErrors, StalePlan, apply
from appliance.directory.plan import Plan
from appliance.i18n import N_
from appliance.security.audit import Actor, record


class PreviewOutdated(StalePlan):
    """The directory changed since the preview the person read: they must read it again."""


def upload(
    conn: sqlite3.Connection,
    data_dir: Path,
    files: list[tuple[str, BinaryIO]],
    *,
    full: bool,
    actor: Actor,
) -> uploads.PendingImport:
    """Keep the uploaded files as a pending import (`uploads.save`, which raises
    CartableError for a refused file), audited as `directory.import_upload`."""
    pending = uploads.save(data_dir, files, full=full, actor=actor.login)
    try:
        details = {"files": len(pending.files), "full": full}
        record(conn, actor, "directory.import_upload", details=details)
    except BaseException:
        uploads.discard(data_dir, pending.token)  # not logged: not kept either
        raise
    return pending


def apply_previewed(
    conn: sqlite3.Connection,
    plan: Plan,
    *,
    digest: str | None,
    actor: Actor,
    initial_passwords: bool = False,
) -> ApplyResult:
    """Apply `plan`, made again from the pending files, if it is the one the person read
    (`digest`, the preview's). Raises PlanHasErrors (the plan has errors), PreviewOutdated
    (the directory changed since the preview) or StalePlan (it changed during the apply);
    each refusal is logged as `directory.import_apply` refused with its reason
    ("errors" or "changed") once the apply is rolled back."""
    try:
        if plan.applicable and digest != plan.to_json()["digest"]:
            raise PreviewOutdated(
                N_(
                    "L'annuaire a changé depuis l'aperçu de cet import : refaites l'aperçu, "
                    "puis appliquez-le."
                )
            )
        return apply(conn, plan, actor=actor.login, initial_passwords=initial_passwords)
    except (PlanHasErrors, StalePlan) as exc:
        reason = "errors" if isinstance(exc, PlanHasErrors) else "changed"
        details = {"reason": reason, "errors": len(plan.errors)}
        record(conn, actor, "directory.import_apply", outcome="refused", details=details)
        raise


def refuse_apply(conn: sqlite3.Connection, actor: Actor, *, reason: str, errors: int) -> None:
    """Log an apply refused before it is queued ("errors": the preview has errors;
    "changed": the form came from an older preview than the one kept)."""
    record(
        conn,
        actor,
        "directory.import_apply",
        outcome="refused",
        details={"reason": reason, "errors": errors},
    )


def abandon(conn: sqlite3.Connection, data_dir: Path, token: str, *, actor: Actor) -> None:
    """Erase the files of a pending import, audited as `directory.import_cancel`.
    Raises NotFound for an unknown token."""
    uploads.load(data_dir, token)
    uploads.discard(data_dir, token)
    record(conn, actor, "directory.import_cancel")
