"""Credentials slips through the job queue (#10): the PDF of a class, a profile or a whole
school (thousands of argon2 hashes, then the pages) is made by the worker, not in the
request.

- `request_slips(box, actor, class_code=, profile=, new_since_import=, portal_url=)` →
  the job's id (`directory.credentials_pdf`); refused at once (NotFound) when nobody
  matches, so that the form says so;
- the job issues the new initial passwords and writes the PDF to
  `<data>/slips/job-<id>.pdf` (folder 0700, file 0600, temporary name, fsync, rename)
  inside the passwords' transaction: both are there, or neither;
- `take_pdf(box, actor, job)` → the PDF's bytes, once: the file is deleted as it is
  handed over (audited); `purge_old(data_dir)` deletes those left more than a day (the
  directory's housekeeping job);
- `HANDLERS`: the worker's side.

Who may follow the job and who may take its file is the policy's (`job.view`,
`job.result`: only whoever asked for it takes the file of passwords).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance import jobqueue
from appliance.directory import credentials
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.school import get_school
from appliance.security import audit
from appliance.security.audit import Actor
from backup.fsutil import atomic_write

KIND = "directory.credentials_pdf"
SLIPS_DIR = "slips"
KEEP_HOURS = 24


def slips_root(data_dir: Path) -> Path:
    return Path(data_dir) / SLIPS_DIR


def pdf_path(data_dir: Path, job_id: int) -> Path:
    """Where the PDF of job `job_id` is kept until it is taken."""
    return slips_root(data_dir) / f"job-{int(job_id)}.pdf"


def request_slips(
    box: Any,
    actor: Actor,
    *,
    class_code: str | None,
    profile: str | None,
    new_since_import: int | None,
    portal_url: str,
) -> int:
    """Queue the slips of the people the filters select (see `credentials.select_people`)
    for `actor`; return the job's id. Raises NotFound when nobody matches and
    CartableError for an impossible filter: nothing is queued then."""
    credentials.selection(
        box.conn(), class_code=class_code, profile=profile, new_since_import=new_since_import
    )
    params = {"class_code": class_code, "profile": profile,
              "new_since_import": new_since_import, "portal_url": portal_url}  # fmt: skip
    return jobqueue.enqueue(box.conn(), KIND, params, actor=actor)


def _make(box: Any, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """`directory.credentials_pdf`: new passwords and the PDF kept for its asker, both or
    neither (the file is written inside the passwords' transaction)."""
    params, conn, data_dir = job["params"], box.conn(), box.config.data_dir
    path = pdf_path(data_dir, job["id"])

    def keep(pdf: bytes) -> None:
        root = slips_root(data_dir)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        atomic_write(path, pdf, mode=0o600)

    school = get_school(conn) or {}
    try:
        pdf, count = credentials.issue_credentials(
            conn,
            class_code=params.get("class_code"),
            profile=params.get("profile"),
            new_since_import=params.get("new_since_import"),
            portal_url=params["portal_url"],
            school_name=school.get("name", ""),
            actor=job["actor"].login,
            progress=report,
            keep=keep,
        )
    except BaseException:
        path.unlink(missing_ok=True)  # written, then the commit failed: its passwords aren't
        raise
    # No report from here on: the passwords have changed, a cancel must not lose them.
    return {"count": count, "bytes": len(pdf)}


def available(box: Any, job: dict[str, Any]) -> bool:
    """True while the PDF of the finished job `job` waits to be taken."""
    return job["kind"] == KIND and pdf_path(box.config.data_dir, job["id"]).is_file()


def take_pdf(box: Any, actor: Actor, job: dict[str, Any]) -> bytes:
    """The PDF of the finished job `job`, handed to `actor` once: the file is deleted
    and the download audited. Raises NotFound when it is not there (not made, already
    taken, or older than a day)."""
    path = pdf_path(box.config.data_dir, job["id"])
    if job["kind"] != KIND or job["state"] != "done":
        raise NotFound(N_("Aucune tâche n'a le numéro %(id)s."), id=job["id"])
    try:
        data = path.read_bytes()
        path.unlink()
    except FileNotFoundError as exc:
        raise NotFound(
            N_(
                "Ces fiches ont déjà été téléchargées, ou datent de plus d'un jour : elles ont "
                "été effacées du serveur. Pour en imprimer d'autres, demandez de nouvelles "
                "fiches (de nouveaux mots de passe seront donnés)."
            )
        ) from exc
    audit.record(box.conn(), actor, "directory.credentials_download", target=f"{KIND}#{job['id']}",
                 details={"count": (job["result"] or {}).get("count")})  # fmt: skip
    return data


def purge_old(data_dir: Path, *, max_age_hours: float = KEEP_HOURS) -> int:
    """Delete the slips PDFs (and stray temporary files) older than `max_age_hours`;
    return how many."""
    return jobqueue.purge_outputs(slips_root(data_dir), max_age_hours=max_age_hours)


HANDLERS = {KIND: _make}
