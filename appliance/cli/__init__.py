"""The `cartable` command: one entry point for everything a technician does over SSH.

Every command takes --config FILE and --data-dir DIR (or CARTABLE_CONFIG,
CARTABLE_DATA_DIR). A mistake is answered with one line on stderr and a non-zero exit
status, never a traceback. Subcommand groups live in `cli_*.py` modules, which the
features of the manifest (`appliance/features.py`) name.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from appliance import config as config_mod
from appliance import features, timefmt
from appliance.db import unavailable
from appliance.errors import CartableError, Unavailable
from appliance.i18n import N_

log = logging.getLogger("cartable")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Context:
    """What every command needs: where the config and data are, loaded on demand."""

    def __init__(self) -> None:
        self.config_file: str | None = None
        self.data_dir: str | None = None
        self._config: config_mod.Config | None = None
        self._overrides: dict[str, tuple[object, str]] = {}

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(
                self.config_file,
                self.data_dir,
                overrides={k: v for k, (v, _src) in self._overrides.items()},
                override_sources={k: src for k, (_v, src) in self._overrides.items()},
            )
            timefmt.use_zone(self._config["school.timezone"])  # what commands show
        return self._config

    def override(self, key: str, value: object, source: str) -> None:
        """Make a command option the last layer of the configuration for `key` (shown with
        `source`, e.g. "option --port"), so that every part of the process sees it."""
        self._overrides[key] = (value, source)
        self._config = None

    def box(self):
        from appliance.core import open_box

        return open_box(self.config)


def _remember(ctx: click.Context, param: click.Parameter, value):
    if value is not None:
        obj = ctx.ensure_object(Context)
        setattr(obj, param.name, value)
    return value


def common_options(func):
    """Add --config and --data-dir to a command (also accepted before the subcommand)."""
    func = click.option(
        "--data-dir",
        "data_dir",
        type=click.Path(file_okay=False),
        envvar="CARTABLE_DATA_DIR",
        expose_value=False,
        callback=_remember,
        is_eager=True,
        help="Dossier des données (défaut /var/lib/cartable ; variable CARTABLE_DATA_DIR).",
    )(func)
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        envvar="CARTABLE_CONFIG",
        expose_value=False,
        callback=_remember,
        is_eager=True,
        help="Fichier de configuration TOML (défaut /etc/cartable/cartable.toml ; "
        "variable CARTABLE_CONFIG).",
    )(func)
    return func


def pass_ctx(func):
    """Give the command our Context as first argument."""

    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, *args, **kwargs):
        return func(ctx.ensure_object(Context), *args, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@common_options
@click.version_option(package_name="cartable", prog_name="cartable")
def cli() -> None:
    """Cartable : l'ENT de l'établissement dans un seul serveur.

    Chaque commande accepte --config FICHIER et --data-dir DOSSIER. `cartable COMMANDE
    --help` explique une commande.
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def read_secret(password_file: str | None, prompt: str, *, confirm: bool = True) -> str:
    """Read a password from a file, from stdin ('-' or not a terminal), or ask for it.

    Never from the command line. Trailing newline removed; an empty password is an error.
    """
    if password_file and password_file != "-":  # noqa: S105 ("-" means stdin)
        try:
            text = Path(password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CartableError(
                N_("Lecture impossible de %(password_file)s : %(strerror)s."),
                password_file=password_file,
                strerror=exc.strerror,
            ) from exc
        value = text.splitlines()[0] if text.splitlines() else ""
    elif password_file == "-" or not sys.stdin.isatty():  # noqa: S105
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    if not value:
        raise CartableError(N_("Mot de passe vide : rien n'a été changé."))
    return value


# --- init ------------------------------------------------------------------------------


@cli.command()
@common_options
@click.option("--school-name", help="Nom de l'établissement (ex. « Collège Jean-Moulin »).")
@click.option("--uai", help="Code UAI de l'établissement : 7 chiffres et une lettre.")
@click.option("--admin-login", help="Identifiant du premier compte technicien.")
@click.option(
    "--portal-url",
    help="Adresse du portail telle que les usagers la tapent, imprimée sur les fiches de "
    "connexion (défaut : https:// et le nom complet de ce serveur).",
)
@click.option(
    "--admin-password-file",
    type=click.Path(dir_okay=False),
    help="Fichier contenant le mot de passe du technicien ('-' : entrée standard).",
)
@pass_ctx
def init(ctx: Context, school_name, uai, admin_login, portal_url, admin_password_file) -> None:
    """Crée le dossier de données, la base et le premier compte technicien.

    Sans option, pose les questions. Relancer `init` sur une base existante applique
    seulement les migrations en attente.
    """
    from appliance.core import create_box
    from appliance.directory import people
    from appliance.school import (
        default_portal_url,
        get_school,
        normalise_portal_url,
        normalise_uai,
        set_school,
    )
    from appliance.security import audit

    interactive = sys.stdin.isatty() and not admin_password_file
    if portal_url:  # refused before anything is created
        portal_url = normalise_portal_url(portal_url)
    box = create_box(ctx.config)
    conn = box.conn()
    if get_school(conn) is None:
        if not school_name:
            if not interactive:
                raise CartableError(N_("--school-name est obligatoire en mode non interactif."))
            school_name = click.prompt("Nom de l'établissement")
        if not uai:
            if not interactive:
                raise CartableError(N_("--uai est obligatoire en mode non interactif."))
            uai = click.prompt("Code UAI (7 chiffres et une lettre)")
        normalise_uai(uai)
        if not portal_url:
            portal_url = default_portal_url()
            if interactive:
                portal_url = click.prompt("Adresse du portail", default=portal_url)
        set_school(conn, uai=uai, name=school_name, portal_url=normalise_portal_url(portal_url))
    elif portal_url:
        school = get_school(conn)
        assert school is not None  # a missing school was handled by the `if` above
        set_school(conn, uai=school["uai"], name=school["name"], portal_url=portal_url)
    school = get_school(conn)
    assert school is not None  # created above or before
    has_admin = conn.execute("SELECT 1 FROM person WHERE profile='admin' LIMIT 1").fetchone()
    if not has_admin:
        if not admin_login:
            if not interactive:
                raise CartableError(N_("--admin-login est obligatoire en mode non interactif."))
            admin_login = click.prompt("Identifiant du technicien", default="admin")
        pw = read_secret(admin_password_file, "Mot de passe du technicien (12 caractères min.)")
        people.create_admin(
            conn,
            login=admin_login,
            password=pw,
            last_name=school["name"][:60],
            actor=audit.cli_actor(),
        )
        click.echo(f"Compte technicien « {admin_login} » créé.")
    click.echo(f"Cartable prêt pour {school['name']} ({school['uai']}) dans {ctx.config.data_dir}.")
    if school["portal_url"]:
        click.echo(f"Adresse du portail (fiches de connexion) : {school['portal_url']}")


# --- config ----------------------------------------------------------------------------


@cli.group("config")
@common_options
def config_group() -> None:
    """Affiche un exemple de configuration ou vérifie la configuration."""


@config_group.command("example")
@common_options
def config_example() -> None:
    """Affiche un fichier de configuration commenté, généré à partir du schéma."""
    click.echo(config_mod.example_toml(), nl=False)


@config_group.command("check")
@common_options
@pass_ctx
def config_check(ctx: Context) -> None:
    """Vérifie le fichier de configuration et les variables CARTABLE_* (clés, types)."""
    cfg = ctx.config
    where = str(cfg.file) if cfg.file else "aucun fichier (valeurs par défaut)"
    changed = sum(1 for v in cfg.sources.values() if v != "défaut")
    click.echo(
        f"Configuration valide : {where} ; {changed} clé(s) modifiée(s) ; "
        f"données dans {cfg.data_dir}."
    )


def main() -> None:
    """Console-script entry point: run the CLI, turning our errors into one-line messages."""
    register_commands()
    try:
        # Without standalone mode click returns the code of `Exit` instead of exiting.
        code = cli.main(standalone_mode=False, prog_name="cartable")
    except (CartableError, Unavailable) as exc:
        from appliance.directory.textsafe import for_terminal

        click.echo(f"Erreur : {for_terminal(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except (sqlite3.OperationalError, OSError) as exc:
        # A write outside `db.transaction` (or a file) met a busy database or a full disk.
        plain = unavailable(exc)
        if plain is None:
            raise
        click.echo(f"Erreur : {plain.message}", err=True)
        sys.exit(plain.exit_code)
    except click.exceptions.Abort:
        click.echo("Abandon.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def register_commands(feature_list: Iterable[features.Feature] | None = None) -> None:
    """Import each feature's CLI modules (default: every feature of the manifest), which
    register their groups and commands on `cli`; an import error propagates."""
    for feature in features.FEATURES if feature_list is None else feature_list:
        for module in feature.cli:
            features.resolve(module)
