"""borg for `make run`: built in the background, so that the demo serves at once.

borgbackup is a C extension that pip compiles from source (about a minute and a half on
two cores; then pip's wheel cache makes it instant). `make run` installs Cartable without
it and starts `python -m appliance.borg_install --data-dir DATA --background`: under an
exclusive lock on `DATA/borg-install.lock`, it installs the borgbackup pinned in
Cartable's `backup` extra into this virtual environment, logging to
`DATA/borg-install.log`. `make test` runs it in the foreground (waiting for a build in
progress); the server installer installs `cartable[backup]` directly.

- `requirement()`: the pinned requirement, e.g. "borgbackup==1.4.5";
- `install(data_dir)` / `start_background(data_dir)`: the build, here or detached;
- `unavailable(config)`: why borg can't be used yet (being installed, install failed, not
  installed), as {"text": msgid, "args": {…}} for the page, None when borg is there;
- `unavailable_text(config)`: the same in French, for the command line.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path
from typing import Any

from appliance.i18n import N_

LOCK_NAME = "borg-install.lock"
LOG_NAME = "borg-install.log"
FALLBACK_REQUIREMENT = "borgbackup==1.4.5"  # used only when Cartable's metadata is missing


def requirement() -> str:
    """The borgbackup requirement of Cartable's `backup` extra (from the installed metadata)."""
    try:
        reqs = requires("cartable") or []
    except PackageNotFoundError:
        return FALLBACK_REQUIREMENT
    for req in reqs:
        spec, _, marker = req.partition(";")
        if spec.strip().startswith("borgbackup") and "backup" in marker:
            return spec.strip().replace(" ", "")
    return FALLBACK_REQUIREMENT


def borg_beside_python() -> Path:
    """Where pip puts the `borg` command of this virtual environment."""
    return Path(sys.executable).parent / "borg"


def _open_lock(data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    return os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)


def installing(data_dir: Path) -> bool:
    """True while a build holds the lock in `data_dir` (no lock file: False)."""
    try:
        fd = os.open(Path(data_dir) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EACCES)
    finally:
        os.close(fd)  # also releases a lock taken just above
    return False


def install(data_dir: Path, *, wait: bool = True) -> int:
    """Install borgbackup into this virtual environment under the lock of `data_dir`.

    Given `wait=False`, return 0 at once when another build holds the lock. Returns pip's
    exit status (0 when borg is already there). pip's output goes to `DATA/borg-install.log`.
    """
    data_dir = Path(data_dir)
    fd = _open_lock(data_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return 0
        if borg_beside_python().exists():
            return 0
        with open(data_dir / LOG_NAME, "a", encoding="utf-8") as log:
            started = time.monotonic()
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} pip install {requirement()}\n")
            log.flush()
            code = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--no-input", requirement()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            ).returncode
            log.write(f"fin (code {code}) en {time.monotonic() - started:.0f} s\n")
        return code
    finally:
        os.close(fd)


def start_background(data_dir: Path) -> bool:
    """Start `install` detached from this process (it outlives `make run`'s Ctrl-C, so the
    wheel lands in pip's cache). Returns False when borg is already installed."""
    if borg_beside_python().exists():
        return False
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    subprocess.Popen(
        [sys.executable, "-m", "appliance.borg_install", "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return True


def unavailable(config) -> dict[str, Any] | None:
    """Why the configured borg can't be run, as {"text": msgid, "args": {…}}; None when it
    can. Given the Config (`backup.borg_path`, the data folder)."""
    from appliance.backups import backup_context

    borg = backup_context(config).borg_bin
    if shutil.which(borg):
        return None
    log = str(Path(config.data_dir) / LOG_NAME)
    if installing(Path(config.data_dir)):
        text = N_(
            "borg est en cours d'installation (compilé en arrière-plan depuis le lancement "
            "de make run, 1 à 3 minutes) : les sauvegardes seront possibles ensuite. "
            "Suivi : %(log)s."
        )
    elif Path(log).exists():
        text = N_(
            "L'installation de borg a échoué : voyez %(log)s, puis relancez make run "
            "(ou pip install 'cartable[backup]')."
        )
    else:
        text = N_(
            "borg est introuvable (%(borg)s) : installez borgbackup (pip install "
            "'cartable[backup]') ou donnez son chemin dans backup.borg_path."
        )
    return {"text": text, "args": {"log": log, "borg": borg}}


def unavailable_text(config) -> str | None:
    """`unavailable(config)` as one French sentence, None when borg can be run."""
    found = unavailable(config)
    return None if found is None else found["text"] % found["args"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appliance.borg_install")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument(
        "--background", action="store_true", help="start the build detached and return"
    )
    args = parser.parse_args(argv)
    if args.background:
        if start_background(args.data_dir):
            print(
                f"borg s'installe en arrière-plan (journal : {args.data_dir / LOG_NAME}) ; "
                "le portail n'attend pas."
            )
        return 0
    code = install(args.data_dir)
    if code:
        print(f"L'installation de borg a échoué : voyez {args.data_dir / LOG_NAME}.")
    return code


if __name__ == "__main__":
    sys.exit(main())
