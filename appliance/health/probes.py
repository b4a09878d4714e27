"""Is Cartable running? The liveness of the portal and of the worker, as seen from outside.

- The portal answers HTTP where it listens (`appliance.listening.address`: the address the
  serving process recorded, else `web.host:web.port`): `portal_probe` asks for its login page.
- The worker leaves a trace every minute: the samples it writes into `metrics.db`.
  `worker_heartbeat` reads the time of the newest one, so that the web process and
  `cartable diagnose` can tell whether the worker still runs without talking to it.

Both return {"alive": bool, "detail": str | None}, the shape `checks.services_status` takes.
"""

from __future__ import annotations

import http.client
import sqlite3
import time
from typing import Any

from appliance.db import scalar

SERVICE_WEB = "cartable-web"
SERVICE_WORKER = "cartable-worker"


def connect_host(host: str) -> str:
    """The address to dial for a listening address (a wildcard means this machine)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - we dial it, we do not bind it
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "::1"
    return host.strip("[]")


def portal_probe(host: str, port: int, *, timeout: float = 3.0) -> dict[str, Any]:
    """Ask the portal for its login page; alive when it answers without a server error."""
    conn = http.client.HTTPConnection(connect_host(host), port, timeout=timeout)
    try:
        conn.request("GET", "/login", headers={"User-Agent": "cartable-health"})
        status = conn.getresponse().status
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return {"alive": False, "detail": f"pas de réponse sur {host}:{port} : {reason}"}
    except http.client.HTTPException as exc:
        return {"alive": False, "detail": f"réponse illisible sur {host}:{port} : {exc}"}
    finally:
        conn.close()
    if status >= 500:
        return {"alive": False, "detail": f"le portail répond par l'erreur HTTP {status}"}
    return {"alive": True, "detail": None}


def newest_sample_time(conn: sqlite3.Connection | None) -> int | None:
    """Time (epoch) of the newest raw point written to metrics.db, or None."""
    if conn is None:
        return None
    try:
        return scalar(conn, "SELECT max(ts) FROM raw")
    except sqlite3.Error:
        return None


def heartbeat_limit(write_batch_seconds: int) -> int:
    """How old the newest sample may be while the worker still counts as running: three
    write batches, at least 5 minutes (the maintenance job flushes every 5 minutes)."""
    return max(3 * int(write_batch_seconds), 300)


def worker_heartbeat(
    conn: sqlite3.Connection | None, *, max_age_seconds: int, now: float | None = None
) -> dict[str, Any]:
    """Alive when the worker wrote a sample less than `max_age_seconds` ago."""
    now = time.time() if now is None else now
    newest = newest_sample_time(conn)
    if newest is None:
        return {
            "alive": False,
            "detail": "aucune mesure enregistrée : les tâches planifiées n'ont jamais tourné",
        }
    age = now - newest
    if age > max_age_seconds:
        minutes = int(age // 60)
        return {"alive": False, "detail": f"dernière mesure il y a {minutes} min"}
    return {"alive": True, "detail": None}
