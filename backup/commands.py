"""Pure functions that build borg argv tuples (without the borg binary itself).

Each returns a tuple such as ("create", "--json", ...). `runner.Borg.run` puts the
binary and the common options (`--lock-wait`) in front. No secret ever goes in here:
the passphrase travels through a pipe. Positional arguments that may come from a person
(archive names, paths inside an archive) follow `--`, so that a path such as
`--patterns-from=/etc/passwd` is a path and never an option.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Borg refuses "/" and "::" in a name and expands "{…}" placeholders; we also keep out
# control and invisible characters, a leading "-", and more than 200 characters.
_ARCHIVE_NAME = re.compile(r"[\w][\w .,:;+=@#%~()\[\]-]{0,199}")
ARCHIVE_NAME_RULE = (
    "lettres, chiffres, espaces et . , : ; + = @ # % ~ ( ) [ ] - _ ; pas de « / » ni de « :: », "
    "200 caractères au plus"
)


def check_archive_name(archive: str) -> str:
    """Return `archive` when borg can only read it as an archive name; raise ValueError
    otherwise (empty, "/", "::", placeholders, control characters, leading "-"…)."""
    if not isinstance(archive, str) or not _ARCHIVE_NAME.fullmatch(archive) or "::" in archive:
        raise ValueError(f"Nom d'archive invalide : {archive!r}")
    return archive


ENCRYPTION = "repokey-blake2"
DEFAULT_COMPRESSION = "zstd,3"


def archive_ref(repo: str, archive: str) -> str:
    """`REPO::ARCHIVE`; raises ValueError for an empty or malformed archive name."""
    return f"{repo}::{check_archive_name(archive)}"


def init_argv(
    repo: str,
    *,
    encryption: str = ENCRYPTION,
    append_only: bool = False,
    make_parent_dirs: bool = False,
) -> tuple:
    """`borg init`: create an encrypted repository (repokey-blake2 by default)."""
    argv = ["init", "--log-json", f"--encryption={encryption}"]
    if append_only:
        argv.append("--append-only")
    if make_parent_dirs:
        argv.append("--make-parent-dirs")
    return (*argv, repo)


def create_argv(
    repo: str,
    archive: str,
    paths: Sequence[str],
    *,
    compression: str = DEFAULT_COMPRESSION,
    comment: str | None = None,
    one_file_system: bool = True,
    checkpoint_interval: int = 1800,
    progress: bool = False,
) -> tuple:
    """`borg create --json --log-json`; `paths` may use borg's `/./` prefix stripping.

    No exclusion: the manifest lists every file of the folders, and a restore is checked
    against it; `--one-file-system` matches the manifest scan (it skips mount points).

    Raises ValueError when `paths` is empty.
    """
    if not paths:
        raise ValueError("borg create sans chemin à sauvegarder")
    argv = ["create", "--json", "--log-json", "--compression", compression]
    argv += ["--checkpoint-interval", str(int(checkpoint_interval))]
    if one_file_system:
        argv.append("--one-file-system")
    if progress:
        argv.append("--progress")
    if comment:
        argv += ["--comment", comment]
    return (*argv, "--", archive_ref(repo, archive), *paths)


def list_archives_argv(repo: str, *, last: int | None = None, glob: str | None = None) -> tuple:
    """`borg list --json REPO`: archive names and times (no sizes; see `info_argv`)."""
    argv = ["list", "--json", "--log-json"]
    if glob:
        argv += ["--glob-archives", glob]
    if last:
        argv += ["--last", str(int(last))]
    return (*argv, repo)


def list_items_argv(repo: str, archive: str, paths: Sequence[str] = ()) -> tuple:
    """`borg list --json-lines REPO::ARCHIVE [PATH...]`: one JSON object per item."""
    return ("list", "--json-lines", "--log-json", "--", archive_ref(repo, archive), *paths)


def info_argv(
    repo: str, archive: str | None = None, *, all_archives: bool = False, last: int | None = None
) -> tuple:
    """`borg info --json`: the repository, one archive, every archive, or the `last` ones,
    with their stats."""
    argv = ["info", "--json", "--log-json"]
    if archive:
        return (*argv, "--", archive_ref(repo, archive))
    if all_archives:
        argv += ["--glob-archives", "*"]
    if last:
        argv += ["--last", str(int(last))]
    return (*argv, repo)


def prune_argv(
    repo: str,
    *,
    keep_daily: int,
    keep_weekly: int,
    keep_monthly: int,
    glob: str = "cartable-*",
    dry_run: bool = False,
) -> tuple:
    """`borg prune` of the archives matching `glob` with the given retention.

    Raises ValueError when every keep count is 0 (that would delete everything).
    """
    if keep_daily <= 0 and keep_weekly <= 0 and keep_monthly <= 0:
        raise ValueError("Une rétention à zéro partout supprimerait toutes les archives.")
    argv = ["prune", "--log-json", "--list", "--glob-archives", glob]
    argv += ["--keep-daily", str(int(keep_daily)), "--keep-weekly", str(int(keep_weekly))]
    argv += ["--keep-monthly", str(int(keep_monthly))]
    if dry_run:
        argv.append("--dry-run")
    return (*argv, repo)


def compact_argv(repo: str) -> tuple:
    """`borg compact`: frees the space that prune marked as unused."""
    return ("compact", "--log-json", repo)


def check_argv(
    repo: str,
    *,
    repository_only: bool = False,
    archives_only: bool = False,
    verify_data: bool = False,
    max_duration: int | None = None,
    last: int | None = None,
    progress: bool = False,
) -> tuple:
    """`borg check` with borg 1.4's rules enforced before running it.

    Borg refuses `--max-duration` without `--repository-only`, and `--verify-data` with
    `--repository-only`; so a time-budgeted `--verify-data` is done by the runner's
    timeout instead (see `jobs.verify_data`). Raises ValueError for such combinations.
    """
    if repository_only and archives_only:
        raise ValueError("--repository-only et --archives-only s'excluent.")
    if verify_data and repository_only:
        raise ValueError("borg refuse --verify-data avec --repository-only.")
    if max_duration is not None and not repository_only:
        raise ValueError("borg n'accepte --max-duration qu'avec --repository-only.")
    if last is not None and repository_only:
        raise ValueError("borg refuse --last avec --repository-only.")
    argv = ["check", "--log-json"]
    if repository_only:
        argv.append("--repository-only")
    if archives_only:
        argv.append("--archives-only")
    if verify_data:
        argv.append("--verify-data")
    if max_duration is not None:
        argv += ["--max-duration", str(int(max_duration))]
    if last is not None:
        argv += ["--last", str(int(last))]
    if progress:
        argv.append("--progress")
    return (*argv, repo)


def extract_argv(
    repo: str,
    archive: str,
    paths: Sequence[str] = (),
    *,
    dry_run: bool = False,
    strip_components: int = 0,
    list_items: bool = False,
) -> tuple:
    """`borg extract` into the current folder (the runner's `cwd`); with `list_items`,
    borg logs each item's path as it starts extracting it (`--list`)."""
    argv = ["extract", "--log-json"]
    if list_items:
        argv.append("--list")
    if dry_run:
        argv.append("--dry-run")
    if strip_components:
        argv += ["--strip-components", str(int(strip_components))]
    return (*argv, "--", archive_ref(repo, archive), *paths)


def key_export_paper_argv(repo: str) -> tuple:
    """`borg key export --paper REPO`: the key as text lines, printed on stdout."""
    return ("key", "export", "--paper", repo)


def break_lock_argv(repo: str) -> tuple:
    """`borg break-lock`: removes the repository and cache locks (only when no borg runs)."""
    return ("break-lock", "--log-json", repo)


def with_lock_argv(repo: str, command: Sequence[str]) -> tuple:
    """`borg with-lock REPO COMMAND...`: runs COMMAND while holding the repository lock."""
    return ("with-lock", "--log-json", repo, *command)
