"""`cartable run|serve|worker`: the portal (waitress) and the scheduler, together or apart."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from appliance.cli import LOG_FORMAT, Context, cli, common_options, pass_ctx
from appliance.errors import CartableError
from appliance.i18n import N_

log = logging.getLogger("cartable")

LOG_FILE = "cartable.log"  # in the data folder, for `cartable run`


def load_web_app(box):
    """Build the WSGI app through the `cartable.web` entry point (appliance can't import webui)."""
    found = list(entry_points(group="cartable.web", name="app"))
    if not found:
        raise CartableError(
            N_(
                "L'interface web n'est pas installée (entrée « cartable.web » absente) : "
                "réinstallez Cartable (`make venv` ou `pip install .`)."
            )
        )
    return found[0].load()(box)


def _serve(box, host: str, port: int, banner: list[str] | None = None) -> None:
    """Serve the portal on host:port until stopped. The lines of `banner` (default: the
    address) are printed once the socket listens, so that they come last on the console."""
    from waitress import create_server

    from appliance import listening
    from appliance.stats import counting as stats_counting

    cfg = box.config
    # Before waitress starts its threads: they inherit this thread's CPUs.
    cpus = pin_cpus(cfg["web.cpus"])
    if cpus is not None:
        log.info("portail sur le(s) cœur(s) %s (web.cpus = %s)", cpus, cfg["web.cpus"])
    app = load_web_app(box)
    _quiet_queue_warnings()
    kwargs = {}
    if cfg["web.trusted_proxy"]:
        kwargs = {
            "trusted_proxy": cfg["web.trusted_proxy"],
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=cfg["web.threads"],
            connection_limit=cfg["web.connection_limit"],
            # An upload of files.max_upload_mb (default 500) and its form fit (#14).
            max_request_body_size=max(1 << 30, (cfg["files.max_upload_mb"] + 8) << 20),
            ident="Cartable",
            **kwargs,
        )
    except OSError as exc:
        raise CartableError(
            N_("Impossible d'écouter sur %(host)s:%(port)s : %(strerror)s."),
            host=host,
            port=port,
            strerror=exc.strerror,
        ) from exc
    # The worker and `cartable diagnose` probe the address really bound, not web.port.
    listening.record(cfg, host, getattr(server, "effective_port", port))
    log.info("portail servi sur http://%s:%s/", host, port)
    for line in banner or [f"Portail servi sur http://{host}:{port}/ (Ctrl-C pour arrêter)"]:
        click.echo(line)
    # The usage statistics counted in this process's memory are written by this process,
    # every minute and once more at stop (the worker is another process: it can't).
    stats_flusher = stats_counting.start_flusher(box)
    # systemd stops the portal with SIGTERM: end through the `finally` blocks (record
    # removed, scheduler stopped) instead of dying on the spot.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        listening.forget(cfg)
        server.close()
        if stats_flusher is not None:
            stats_flusher.stop()


def pin_cpus(setting: str) -> list[int] | None:
    """Keep the calling thread, and the threads it starts from then on, on the CPUs of
    `web.cpus`; return them, or None when every CPU is kept ("all", one CPU only, or a
    system without CPU affinity).

    Why one CPU by default: CPython runs one thread at a time, and each time a thread lets
    go of the interpreter's lock (every step of SQLite, every socket call) another one takes
    it; on two cores the woken thread runs at once on the other core and the two hand the
    lock to and fro, each hand-over a switch of threads. On one core the woken thread waits
    for its turn. Measured at 50 connections (`tests/bench/serving_costs.py`): a token's
    `me` went from 442 to 2,774 requests a second, 2.6 to 0.36 ms of CPU each, and the bare
    hello app from 3,681 to 5,504. Linux applies it to the calling thread;
    threads started before (the scheduler of `cartable run`) keep every CPU, and so do the
    programs they start (borg)."""
    if setting == "all" or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if setting == "auto":
        if len(allowed) < 2:
            return None
        wanted = [allowed[-1]]
    else:
        wanted = sorted({int(c) for c in setting.split(",")})
        missing = [c for c in wanted if c not in allowed]
        if missing:
            raise CartableError(
                N_(
                    "web.cpus : le cœur %(cpu)s n'est pas disponible ici (cœurs : %(allowed)s) ; "
                    "mettez « auto » ou un numéro de cette liste."
                ),
                cpu=missing[0],
                allowed=",".join(str(c) for c in allowed),
            )
    os.sched_setaffinity(0, wanted)
    return wanted


class _AtMostEvery(logging.Filter):
    """Let one record through every `seconds`, saying how many were held back since.

    For waitress's "Task queue depth is N": logged on every request that finds all the
    threads busy, i.e. on each of thousands of requests a minute at 8:00, where one line a
    minute tells the technician the same (and writing each one costs the busy portal)."""

    def __init__(self, seconds: float = 60.0):
        super().__init__()
        self.seconds = seconds
        self.next_at = 0.0
        self.held = 0
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self.lock:
            if now < self.next_at:
                self.held += 1
                return False
            self.next_at = now + self.seconds
            held, self.held = self.held, 0
        if held:
            record.msg = f"{record.msg} (et {held} fois de plus la minute passée)"
        return True


def _quiet_queue_warnings() -> None:
    queue = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _AtMostEvery) for f in queue.filters):
        queue.addFilter(_AtMostEvery())


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def _apply_listen_options(ctx: Context, host, port) -> tuple[str, int]:
    """Make --host/--port the configuration in force for the whole process (settings page,
    slips, health probe), shown as "option --port"; returns (host, port)."""
    if host:
        ctx.override("web.host", host, "option --host")
    if port is not None:
        ctx.override("web.port", port, "option --port")
    return ctx.config["web.host"], ctx.config["web.port"]


def _local_url(host: str, port: int) -> str:
    from appliance.health.probes import connect_host

    dial = connect_host(host)
    return f"http://{'[' + dial + ']' if ':' in dial else dial}:{port}"


host_option = click.option("--host", help="Adresse d'écoute (défaut : web.host).")
port_option = click.option("--port", type=int, help="Port d'écoute (défaut : web.port).")


@cli.command("run")
@common_options
@host_option
@port_option
@click.option(
    "--demo",
    is_flag=True,
    help="Crée l'établissement de démonstration au premier lancement et affiche ses identifiants.",
)
@pass_ctx
def run_cmd(ctx: Context, host, port, demo) -> None:
    """Lance le portail et les tâches planifiées dans un seul processus (poste, démo)."""
    from appliance import scheduler

    host, port = _apply_listen_options(ctx, host, port)
    log_file = _log_to_file(ctx.config.data_dir)
    box, demo_lines = _demo_box(ctx, _local_url(host, port)) if demo else (ctx.box(), [])
    sched = scheduler.build(box, blocking=False)
    sched.start()
    poller = _start_job_queue(box)
    # The logins last: what the person looks for once the portal answers.
    banner = [f"Portail : http://{host}:{port}/ (Ctrl-C pour arrêter)"]
    banner += [f"Journal : {log_file}", *demo_lines]
    try:
        _serve(box, host, port, banner)
    finally:
        poller.stop()
        sched.shutdown(wait=False)


def _start_job_queue(box):
    """The thread that runs the queued jobs (#10): in `run` and `worker`, never `serve`."""
    from appliance import jobrunner

    return jobrunner.start_poller(box)


def _log_to_file(data_dir: Path) -> Path:
    """Send INFO logging to DATA/cartable.log (rotated) and keep only warnings and errors on
    the console: `run` is watched in a terminal, where the demo logins must stay in view.
    (`serve` and `worker` keep logging everything to stderr, i.e. to systemd's journal.)"""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    for existing in root.handlers:
        existing.setLevel(logging.WARNING)
        existing.addFilter(_not_a_job_finding)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


# What the scheduled jobs find (a health state change, a skipped backup) is shown on the
# health and backups pages and mailed; on `run`'s console only their errors are printed.
_JOB_LOGGERS = (
    "apscheduler",
    "cartable.health",
    "cartable.scheduler",
    "cartable.backup",
    "cartable.jobs",
)


def _not_a_job_finding(record: logging.LogRecord) -> bool:
    if record.levelno >= logging.ERROR:
        return True
    return not any(record.name == n or record.name.startswith(n + ".") for n in _JOB_LOGGERS)


def _demo_box(ctx: Context, portal_url: str) -> tuple[Any, list[str]]:
    """The demo school's box (created on first run) and the console lines naming its
    accounts (also kept in DATA/demo-logins.txt)."""
    from appliance.core import create_box
    from appliance.directory import demo
    from appliance.school import get_school

    box = create_box(ctx.config)
    conn = box.conn()
    school = get_school(conn)
    if school is not None and school["uai"] != demo.DEMO_UAI:
        raise CartableError(
            N_(
                "%(data_dir)s contient déjà l'établissement %(name)s : "
                "--demo ne s'utilise que sur un dossier vide ou de démonstration."
            ),
            data_dir=ctx.config.data_dir,
            name=school["name"],
        )
    accounts = demo.seed(conn, ctx.config.data_dir, portal_url=portal_url)
    lines = [
        f"Établissement de démonstration : {demo.DEMO_NAME}",
        f"Comptes (aussi dans {ctx.config.data_dir / 'demo-logins.txt'}) :",
    ]
    lines += [f"  {profile:<9} {login:<16} {pw}" for profile, login, pw in accounts]
    lines.append("Le compte admin devra enrôler une application TOTP à sa première connexion.")
    return box, lines


@cli.command("serve")
@common_options
@host_option
@port_option
@pass_ctx
def serve_cmd(ctx: Context, host, port) -> None:
    """Lance seulement le portail web (waitress), derrière le proxy inverse."""
    host, port = _apply_listen_options(ctx, host, port)
    _serve(ctx.box(), host, port)


@cli.command("worker")
@common_options
@pass_ctx
def worker_cmd(ctx: Context) -> None:
    """Lance seulement les tâches planifiées (sauvegardes, santé, cycle de vie des comptes)."""
    from appliance import scheduler

    box = ctx.box()
    sched = scheduler.build(box, blocking=True)
    stop = threading.Event()
    poller = _start_job_queue(box)

    def _stop(signum, frame):
        stop.set()
        poller.stop()
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"Tâches planifiées : {', '.join(j.id for j in sched.get_jobs()) or 'aucune'}")
    sched.start()
