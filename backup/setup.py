"""Setting repositories up: init (or connect to an existing one), SSH host key pinning,
this server's SSH key, the key sheet, and the technician's repair actions (break a lock,
accept a moved repository).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from backup.commands import break_lock_argv, info_argv, init_argv, key_export_paper_argv
from backup.context import BackupContext
from backup.errors import N_, BackupError, BorgError, RegistryError
from backup.keysheet import KeySheet, render_key_sheet, restore_command
from backup.locking import job_lock
from backup.passphrase import (
    PassphraseSource,
    Secret,
    generate_passphrase,
    read_passphrase_file,
    resolve_passphrase,
    write_passphrase_file,
)
from backup.repos import Repository, check_label, parse_location
from backup.sshkeys import (
    HostKey,
    authorized_keys_line,
    generate_identity,
    pin_host_key,
    pinned_host_keys,
    scan_host_keys,
)
from backup.targets import open_target

log = logging.getLogger("cartable.backup")


@dataclass(frozen=True)
class InitResult:
    """`created`: a new repository was made (else an existing one was joined);
    `generated`: the passphrase was generated here (else it was given)."""

    repository: Repository
    created: bool
    generated: bool
    passphrase_file: Path


def _is_empty_or_absent(path: Path | None) -> bool:
    return path is None or not path.exists() or (path.is_dir() and not any(path.iterdir()))


def init_repository(
    ctx: BackupContext,
    label: str,
    url: str,
    *,
    passphrase_source: PassphraseSource | None = None,
    append_only: bool = False,
) -> InitResult:
    """Create repository `url` (repokey-blake2) under `label`, or join an existing one.

    Without `passphrase_source` a strong passphrase is generated and a new repository is
    created (an existing one there is an error). With it, an existing repository there is
    joined (that is how a new server connects to an old repository), or a new one is made
    with it. The passphrase is stored 0600 in the state folder. SSH host keys must be
    pinned first (`pin_host`). Raises RegistryError, HostKeyError, BorgError.
    """
    check_label(label)
    loc = parse_location(url)
    if any(r.label == label for r in ctx.registry.all()):
        raise RegistryError(
            N_("L'étiquette « %(label)s » est déjà utilisée."), field="label", label=label
        )
    given = resolve_passphrase(passphrase_source) if passphrase_source is not None else None
    secret = given or generate_passphrase()
    repo = Repository(label=label, url=loc.url, kind=loc.kind)
    pass_file = ctx.passphrase_path(label)
    existed = pass_file.exists()
    created = False
    with job_lock(ctx.state_dir, "init") as lock, open_target(ctx, repo, passphrase=secret) as t:
        borg = ctx.borg.holding(lock.fd)
        write_passphrase_file(pass_file, secret)
        try:
            res = None
            if given is not None and not (t.local_path and _is_empty_or_absent(t.local_path)):
                res = borg.run(
                    info_argv(t.location),
                    passphrase=secret,
                    relocated_ok=t.relocated_ok,
                    check=False,
                )
                if res.returncode not in (0, 13):
                    raise BorgError(res.message, res)
                res = res if res.returncode == 0 else None
            if res is None:
                borg.run(
                    init_argv(
                        t.location, append_only=append_only, make_parent_dirs=loc.kind != "ssh"
                    ),
                    passphrase=secret,
                    relocated_ok=t.relocated_ok,
                )
                created = True
                res = borg.run(
                    info_argv(t.location), passphrase=secret, relocated_ok=t.relocated_ok
                )
        except BaseException:
            if not existed and not created:
                pass_file.unlink(missing_ok=True)
            raise
        repo.repo_id = res.json["repository"]["id"]
    repo.passphrase_file = str(pass_file)
    if loc.kind == "ssh":
        keys = pinned_host_keys(ctx.known_hosts, loc.host or "", loc.port)
        repo.host_key = keys[0].to_dict() if keys else None
    ctx.registry.add(repo)
    log.info("Dépôt « %s » %s : %s", label, "créé" if created else "rattaché", loc.url)
    return InitResult(repo, created, given is None, pass_file)


def host_keys(url: str, *, timeout: int = 10) -> list[HostKey]:
    """The SSH host keys the server of `url` presents now, to show their fingerprints."""
    loc = parse_location(url)
    if loc.kind != "ssh":
        raise BackupError(N_("Seuls les dépôts SSH ont une clé d'hôte à confirmer."))
    return scan_host_keys(loc.host or "", loc.port, timeout=timeout)


def pin_host(ctx: BackupContext, url: str, key: HostKey) -> None:
    """Pin `key` (confirmed by the technician) for the server of `url`.

    Repositories registered on that server get the new pin in the registry too.
    """
    loc = parse_location(url)
    pin_host_key(ctx.known_hosts, loc.host or "", loc.port, key)
    for repo in ctx.registry.all():
        other = parse_location(repo.url)
        if other.kind == "ssh" and (other.host, other.port) == (loc.host, loc.port):
            ctx.registry.update(repo.label, lambda r: setattr(r, "host_key", key.to_dict()))
    log.info("Clé SSH %s confirmée pour %s:%s", key.fingerprint, loc.host, loc.port)


def ssh_identity(ctx: BackupContext, repo_path: str = "/chemin/du/depot") -> tuple[str, str]:
    """This server's SSH public key (created on first use) and the authorized_keys line
    to give the off-site host: (public key, line)."""
    public = generate_identity(Path(ctx.ssh_identity or ctx.default_identity))
    return public, authorized_keys_line(public, repo_path)


def export_paper_key(ctx: BackupContext, label: str) -> str:
    """The repository key of `label` as `borg key export --paper` prints it."""
    repo = ctx.registry.get(label)
    with open_target(ctx, repo) as t:
        res = ctx.borg.run(key_export_paper_argv(t.location), relocated_ok=t.relocated_ok)
    text = res.stdout
    start = text.find("BORG PAPER KEY")
    return (text[start:] if start >= 0 else text).strip() + "\n"


def write_key_sheet(
    ctx: BackupContext,
    label: str,
    dest: Path,
    *,
    school_name: str,
    data_dir: str = "/var/lib/cartable",
    now: datetime | None = None,
) -> Path:
    """Write the key sheet PDF of repository `label` to `dest` (0600); returns `dest`."""
    repo = ctx.registry.get(label)
    secret: Secret = read_passphrase_file(repo.passphrase_file or ctx.passphrase_path(label))
    sheet = KeySheet(
        school_name=school_name,
        label=label,
        location=repo.url,
        repo_id=repo.repo_id or "",
        paper_key=export_paper_key(ctx, label),
        passphrase=secret,
        created=now or datetime.now().astimezone(),
        restore_command=restore_command(repo.url, label, data_dir),
    )
    return render_key_sheet(sheet, dest)


def confirm_key_sheet(ctx: BackupContext, label: str) -> Repository:
    """Record that the key sheet of `label` is printed and in the safe."""
    return ctx.registry.confirm_key_sheet(label)


def break_lock(ctx: BackupContext, label: str) -> str:
    """Break borg's locks on repository `label` (only when no job of ours runs)."""
    repo = ctx.registry.get(label)
    with job_lock(ctx.state_dir, "break-lock") as lock, open_target(ctx, repo) as t:
        ctx.borg.holding(lock.fd).run(break_lock_argv(t.location), relocated_ok=t.relocated_ok)
    log.warning("Verrous borg du dépôt « %s » supprimés à la demande.", label)
    return f"Les verrous du dépôt « {label} » ont été supprimés."


def change_location(ctx: BackupContext, label: str, url: str) -> Repository:
    """Record that repository `label` is now at `url` (moved folder, new address).

    Borg will then refuse it as relocated until `accept_relocation` is run; the kind of
    repository must stay the same. Raises RegistryError.
    """
    loc = parse_location(url)
    repo = ctx.registry.get(label)
    if loc.kind != repo.kind:
        raise RegistryError(
            N_(
                "Le dépôt « %(label)s » est de type %(kind)s, la nouvelle adresse est de type "
                "%(new_kind)s : créez plutôt un nouveau dépôt."
            ),
            field="repo",
            label=label,
            kind=repo.kind,
            new_kind=loc.kind,
        )
    return ctx.registry.update(label, lambda r: setattr(r, "url", loc.url))


def accept_relocation(ctx: BackupContext, label: str) -> str:
    """Accept that repository `label` moved (new path or address) after checking it is
    still the same repository (same id). Raises BackupError otherwise."""
    repo = ctx.registry.get(label)
    with job_lock(ctx.state_dir, "accept") as lock, open_target(ctx, repo) as t:
        res = ctx.borg.holding(lock.fd).run(
            info_argv(t.location), passphrase=t.passphrase, relocated_ok=True
        )
    found = res.json["repository"]["id"]
    if repo.repo_id and found != repo.repo_id:
        raise BackupError(
            N_("Le dépôt trouvé à %(url)s n'est pas celui enregistré pour « %(label)s »."),
            url=repo.url,
            label=label,
        )
    return f"Le nouvel emplacement du dépôt « {label} » est accepté."
