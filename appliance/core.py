"""The box: its data folder, database, secret key; opening it and creating it.

`open_box(config)` is what every command and the web app start with: it checks that the
data folder and database exist, applies pending migrations (refusing a database newer than
the code) and hands out one SQLite connection per thread.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import dataclass, field

from appliance import db, timefmt
from appliance.config import Config
from appliance.errors import CartableError
from appliance.i18n import N_
from backup.fsutil import atomic_write

VERSION = "0.1.0"


@dataclass
class Box:
    """An opened Cartable installation: config plus per-thread database connections."""

    config: Config
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection to `cartable.db` (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.config.db_path)
            self._local.conn = conn
        return conn

    def secret_key(self) -> bytes:
        """The key that signs cookies, created at init in the data folder (mode 0600)."""
        return (self.config.data_dir / "secret_key").read_bytes().strip()


def ensure_data_dir(config: Config) -> None:
    """Create the data folder (mode 0750) with its `files/` area and the secret key."""
    data_dir = config.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        config.files_dir.mkdir(exist_ok=True, mode=0o750)
    except OSError as exc:
        raise CartableError(
            N_("Impossible de créer le dossier de données %(data_dir)s : %(exc)s"),
            data_dir=data_dir,
            exc=exc,
        ) from exc
    key = data_dir / "secret_key"
    if not key.exists():
        atomic_write(key, secrets.token_hex(32).encode() + b"\n", mode=0o600)


def open_box(config: Config, *, migrate: bool = True) -> Box:
    """Open an initialised box; apply pending migrations when `migrate`.

    Raises CartableError when the box was never initialised (with the command to run) and
    DatabaseVersionError when the database is newer than this code.
    """
    if not config.db_path.exists():
        raise CartableError(
            N_(
                "Aucune base de données dans %(data_dir)s : lancez d'abord `cartable init` "
                "(ou indiquez le bon dossier avec --data-dir)."
            ),
            data_dir=config.data_dir,
        )
    # One process serves one school: what it shows people is in that school's zone.
    timefmt.use_zone(config["school.timezone"])
    # Likewise the half-day split of absences: the report cards read a student's
    # half-days given only a connection (appliance.schoollife.attendance.halfdays).
    from appliance.schoollife.attendance import common as attendance

    attendance.use_split(config["attendance.half_day_split"])
    # And the quotas: message and homework attachments count in their owner's space.
    from appliance.files import quota

    quota.use_config(config.values)
    box = Box(config)
    conn = box.conn()
    if migrate:
        db.migrate(conn)
    else:
        db.check_version(conn)
    if not (config.data_dir / "secret_key").exists():
        ensure_data_dir(config)
    return box


def create_box(config: Config) -> Box:
    """Create the data folder and database (idempotent) and return the opened box."""
    ensure_data_dir(config)
    conn = db.connect(config.db_path)
    try:
        db.migrate(conn)
    finally:
        conn.close()
    return open_box(config)
