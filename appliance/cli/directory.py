"""`cartable import`, `cartable credentials`, `cartable lifecycle run`: the directory's
bulk operations from the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from appliance import timefmt
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.directory import credentials, lifecycle, reconcile
from appliance.directory.people import PROFILES
from appliance.directory.textsafe import for_terminal
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.school import get_school, slip_portal_url
from appliance.security import audit
from backup.fsutil import atomic_write


@cli.command("import")
@common_options
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Montre seulement ce qui changerait (le plan).")
@click.option(
    "--full",
    is_flag=True,
    help="Un CSV est la liste complète des profils qu'il "
    "contient : les absents partent (SIECLE et STS le sont toujours).",
)
@click.option("--json", "as_json", is_flag=True, help="Affiche le plan en un objet JSON.")
@pass_ctx
def import_cmd(ctx: Context, files, dry_run, full, as_json) -> None:
    """Importe des fichiers SIECLE, STS-Web ou CSV : d'abord le plan, puis l'application.

    Code de sortie : 0 appliqué (ou applicable avec --dry-run), 1 le plan contient des
    erreurs (rien n'est appliqué), 2 un fichier est illisible.
    """
    conn = ctx.box().conn()
    year = ctx.config.get("directory.school_year") or None
    plan, result = reconcile.run_import(
        conn,
        [Path(f) for f in files],
        full=full,
        dry_run=dry_run,
        school_year=year,
        actor=audit.cli_actor().login,
    )
    code = reconcile.exit_code(plan)
    if as_json:
        out = plan.to_json()
        out["applied"] = result is not None
        out["import_id"] = result.import_id if result else None
        click.echo(json.dumps(timefmt.json_times(out), ensure_ascii=False, indent=1))
    else:
        # Names and messages come from the files: escaped so that they can't drive the terminal.
        for line in plan.summary():
            click.echo(for_terminal(line))
        for problem in plan.problems:
            where = f"{problem.file}" + (f", ligne {problem.line}" if problem.line else "")
            label = "ERREUR" if problem.severity == "error" else "attention"
            click.echo(
                for_terminal(f"{label} : {where} : {problem.message}"),
                err=problem.severity == "error",
            )
        if result is not None:
            click.echo(
                f"Import n° {result.import_id} appliqué ; {len(result.created)} compte(s) "
                f"créé(s). Fiches : cartable credentials --new-since-import "
                f"{result.import_id} --out fiches.pdf"
            )
        elif code:
            click.echo("Le plan contient des erreurs : rien n'a été appliqué.", err=True)
        elif dry_run:
            click.echo("Simulation : rien n'a été appliqué.")
    ctx_exit(code)


def ctx_exit(code: int) -> None:
    if code:
        raise click.exceptions.Exit(code)


@cli.command("credentials")
@common_options
@click.option("--class", "class_code", help="Seulement cette classe (élèves et leurs parents).")
@click.option("--profile", type=click.Choice(PROFILES), help="Seulement ce profil.")
@click.option(
    "--new-since-import",
    type=int,
    help="Seulement les comptes créés par l'import N et les suivants.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Fichier PDF à écrire.")
@pass_ctx
def credentials_cmd(ctx: Context, class_code, profile, new_since_import, out) -> None:
    """Imprime les fiches de connexion (PDF) : un nouveau mot de passe initial est attribué
    à chaque compte choisi (les mots de passe ne sont jamais conservés en clair)."""
    conn = ctx.box().conn()
    school = get_school(conn) or {}
    portal, fallback = slip_portal_url(ctx.config["web.public_url"], school)
    if fallback:
        click.echo(
            f"Adresse du portail non renseignée : les fiches portent {portal} (nom de ce "
            "serveur). Pour une autre adresse : web.public_url, Administration → Réglages "
            "ou `cartable init --portal-url URL`.",
            err=True,
        )
    out_path = Path(out)
    if not out_path.parent.exists():
        raise CartableError(N_("Le dossier %(parent)s n'existe pas."), parent=out_path.parent)
    pdf, count = credentials.issue_credentials(
        conn,
        class_code=class_code,
        profile=profile,
        new_since_import=new_since_import,
        portal_url=portal,
        school_name=school.get("name", ""),
        actor=audit.cli_actor().login,
    )
    atomic_write(out_path, pdf, mode=0o600)
    click.echo(f"{count} fiche(s) écrite(s) dans {out_path}.")


@cli.group("lifecycle")
@common_options
def lifecycle_group() -> None:
    """Cycle de vie des comptes : départ, désactivation, suppression (arrêté ENT, art. 6)."""


@lifecycle_group.command("run")
@common_options
@click.option("--today", help="Date à considérer (AAAA-MM-JJ) : pour prévoir ou rejouer.")
@click.option("--dry-run", is_flag=True, help="Montre seulement ce qui serait fait.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_ctx
def lifecycle_run(ctx: Context, today, dry_run, as_json) -> None:
    """Désactive les comptes partis après le délai de grâce et supprime les données après
    le délai légal."""
    try:
        day = date.fromisoformat(today) if today else timefmt.today()
    except ValueError as exc:
        raise CartableError(
            N_("Date « %(today)s » invalide : écrivez AAAA-MM-JJ."), today=today
        ) from exc
    report = lifecycle.run_with_config(
        ctx.box().conn(), ctx.config, today=day, dry_run=dry_run, actor=audit.cli_actor().login
    )
    data = report.to_json()
    if as_json:
        click.echo(json.dumps(timefmt.json_times(data), ensure_ascii=False, indent=1))
        return
    c = data["counts"]
    prefix = "Simulation : " if dry_run else ""
    click.echo(
        f"{prefix}{c['disabled']} compte(s) désactivé(s), {c['purged']} supprimé(s), "
        f"{c['guests_expired']} invité(s) expiré(s), {c['logins_released']} "
        f"identifiant(s) libéré(s) au {timefmt.fmt_date(day)}."
    )
