"""`cartable run|serve|worker`: the portal (waitress) and the scheduler, together or apart."""

from __future__ import annotations

import logging
import signal
import threading
from importlib.metadata import entry_points

import click

from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.errors import CartableError
from appliance.i18n import N_

log = logging.getLogger("cartable")


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


def _serve(box, host: str, port: int) -> None:
    from waitress import serve

    cfg = box.config
    app = load_web_app(box)
    kwargs = {}
    if cfg["web.trusted_proxy"]:
        kwargs = {
            "trusted_proxy": cfg["web.trusted_proxy"],
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
    click.echo(f"Portail servi sur http://{host}:{port}/ (Ctrl-C pour arrêter)")
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=cfg["web.threads"],
            connection_limit=cfg["web.connection_limit"],
            ident="Cartable",
            _quiet=False,
            **kwargs,
        )
    except OSError as exc:
        raise CartableError(
            N_("Impossible d'écouter sur %(host)s:%(port)s : %(strerror)s."),
            host=host,
            port=port,
            strerror=exc.strerror,
        ) from exc


def _host_port(ctx: Context, host, port) -> tuple[str, int]:
    return host or ctx.config["web.host"], port or ctx.config["web.port"]


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

    box = _demo_box(ctx) if demo else ctx.box()
    sched = scheduler.build(box, blocking=False)
    sched.start()
    try:
        _serve(box, *_host_port(ctx, host, port))
    finally:
        sched.shutdown(wait=False)


def _demo_box(ctx: Context):
    from appliance.core import create_box
    from appliance.directory import demo

    box = create_box(ctx.config)
    conn = box.conn()
    from appliance.school import get_school

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
    accounts = demo.seed(conn, ctx.config.data_dir)
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
    _serve(ctx.box(), *_host_port(ctx, host, port))


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
