"""`cartable run|serve|worker`: the portal (waitress) and the scheduler, together or apart."""

from __future__ import annotations

import logging
import signal
import threading
from importlib.metadata import entry_points

import click

from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.errors import CartableError

log = logging.getLogger("cartable")


def load_web_app(box):
    """Build the WSGI app through the `cartable.web` entry point (appliance can't import webui)."""
    found = list(entry_points(group="cartable.web", name="app"))
    if not found:
        raise CartableError(
            "L'interface web n'est pas installée (entrée « cartable.web » absente) : "
            "réinstallez Cartable (`make venv` ou `pip install .`)."
        )
    return found[0].load()(box)


def _serve(box, host: str, port: int) -> None:
    from waitress import create_server

    from appliance import listening

    cfg = box.config
    app = load_web_app(box)
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
            ident="Cartable",
            **kwargs,
        )
    except OSError as exc:
        raise CartableError(f"Impossible d'écouter sur {host}:{port} : {exc.strerror}.") from exc
    # The worker and `cartable diagnose` probe the address really bound, not web.port.
    listening.record(cfg, host, getattr(server, "effective_port", port))
    click.echo(f"Portail servi sur http://{host}:{port}/ (Ctrl-C pour arrêter)")
    # systemd stops the portal with SIGTERM: end through the `finally` blocks (record
    # removed, scheduler stopped) instead of dying on the spot.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server.run()
    finally:
        listening.forget(cfg)


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
    box = _demo_box(ctx, _local_url(host, port)) if demo else ctx.box()
    sched = scheduler.build(box, blocking=False)
    sched.start()
    try:
        _serve(box, host, port)
    finally:
        sched.shutdown(wait=False)


def _demo_box(ctx: Context, portal_url: str):
    from appliance.core import create_box
    from appliance.directory import demo

    box = create_box(ctx.config)
    conn = box.conn()
    from appliance.school import get_school

    school = get_school(conn)
    if school is not None and school["uai"] != demo.DEMO_UAI:
        raise CartableError(
            f"{ctx.config.data_dir} contient déjà l'établissement {school['name']} : "
            "--demo ne s'utilise que sur un dossier vide ou de démonstration."
        )
    accounts = demo.seed(conn, ctx.config.data_dir, portal_url=portal_url)
    click.echo(f"Établissement de démonstration : {demo.DEMO_NAME}")
    click.echo(f"Comptes (aussi dans {ctx.config.data_dir / 'demo-logins.txt'}) :")
    for profile, login, pw in accounts:
        click.echo(f"  {profile:<9} {login:<16} {pw}")
    click.echo("Le compte admin devra enrôler une application TOTP à sa première connexion.")
    return box


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

    def _stop(signum, frame):
        stop.set()
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"Tâches planifiées : {', '.join(j.id for j in sched.get_jobs()) or 'aucune'}")
    sched.start()
