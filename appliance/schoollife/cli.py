"""`cartable year …` and `cartable timetable …`: the school year and the timetable import
from the command line, through the same services as the admin pages."""

from __future__ import annotations

import json
from pathlib import Path

import click

from appliance import timefmt
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.directory.textsafe import for_terminal
from appliance.schoollife import timetable, year
from appliance.security import audit

JSON_HELP = "Sortie JSON."


@cli.group("year")
@common_options
def year_group() -> None:
    """L'année scolaire : premier et dernier jour, vacances, semaines A et B."""


@year_group.command("set")
@common_options
@click.option("--start", required=True, help="Premier jour de l'année (AAAA-MM-JJ).")
@click.option("--end", required=True, help="Dernier jour de l'année (AAAA-MM-JJ).")
@click.option(
    "--a-week",
    "a_week",
    help="Le lundi d'une semaine A (AAAA-MM-JJ ; défaut : la première semaine de cours).",
)
@click.option(
    "--holiday",
    "holidays",
    multiple=True,
    metavar="DEBUT:FIN",
    help="Vacances, premier et dernier jour inclus (AAAA-MM-JJ:AAAA-MM-JJ) ; à répéter.",
)
@pass_ctx
def year_set(ctx: Context, start, end, a_week, holidays) -> None:
    """Règle l'année scolaire. Les semaines A et B alternent sur les semaines de cours
    (une semaine entière de vacances ne compte pas)."""
    info = year.set_year(ctx.box().conn(), audit.cli_actor(), start, end, a_week, list(holidays))
    _show(info)


@year_group.command("show")
@common_options
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def year_show(ctx: Context, as_json) -> None:
    """Affiche l'année scolaire, ses vacances et ses semaines A et B."""
    info = year.year_info(ctx.box().conn())
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    _show(info)


def _show(info: dict) -> None:
    fmt = timefmt.fmt_date
    weeks = info["weeks"]
    click.echo(
        f"Année scolaire du {fmt(info['start'])} au {fmt(info['end'])} : "
        f"{len(weeks)} semaine(s) de cours."
    )
    for h in info["holidays"]:
        click.echo(f"  vacances du {fmt(h['from'])} au {fmt(h['to'])}")
    if weeks:
        a = sum(1 for w in weeks if w["letter"] == "A")
        first_a = next(w["monday"] for w in weeks if w["letter"] == "A")
        click.echo(
            f"  semaine A : celle du lundi {fmt(first_a)} ({a} semaines A, "
            f"{len(weeks) - a} semaines B)"
        )
        click.echo(
            "  semaines : " + ", ".join(f"{fmt(w['monday'])[:5]} {w['letter']}" for w in weeks)
        )


@cli.group("timetable")
@common_options
def timetable_group() -> None:
    """L'emploi du temps : import du fichier du logiciel d'emploi du temps."""


@timetable_group.command("import")
@common_options
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--from",
    "effective_from",
    help="Premier jour dont les cours sont remplacés (AAAA-MM-JJ ; défaut : aujourd'hui). "
    "Les cours d'avant ne sont jamais touchés.",
)
@click.option("--dry-run", is_flag=True, help="Montre seulement ce qui changerait (le plan).")
@click.option("--json", "as_json", is_flag=True, help="Affiche le plan en un objet JSON.")
@pass_ctx
def timetable_import(ctx: Context, file, effective_from, dry_run, as_json) -> None:
    """Importe l'emploi du temps (export EDT_STS du logiciel d'emploi du temps, ou le
    modèle CSV) : d'abord le plan, puis l'application.

    Code de sortie : 0 appliqué (ou applicable avec --dry-run), 1 le plan contient des
    erreurs (rien n'est écrit), 2 le fichier est illisible.
    """
    conn = ctx.box().conn()
    plan, result = timetable.run_import(
        conn,
        Path(file),
        actor=audit.cli_actor(),
        effective_from=effective_from,
        dry_run=dry_run,
    )
    code = timetable.exit_code(plan)
    if as_json:
        out = plan.to_json()
        out["applied"] = result is not None
        out["import_id"] = result.import_id if result else None
        if result is not None:
            out["counts"] = {
                "lessons": result.lessons,
                "replaced": result.replaced,
                "weeks": result.weeks,
            }
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        counts = plan.counts()
        click.echo(
            for_terminal(
                f"{plan.file['file']} ({plan.file['kind_label']}) : {len(plan.lessons)} cours "
                f"par semaine → {counts['lessons']} cours datés sur {counts['weeks']} "
                f"semaine(s) à partir du {timefmt.fmt_date(plan.effective_from)} ; "
                f"{counts['replaced']} cours déjà importés remplacés."
            )
        )
        for problem in plan.sorted_problems():
            where = f"{problem.file}" + (f", ligne {problem.line}" if problem.line else "")
            label = "ERREUR" if problem.severity == "error" else "attention"
            click.echo(
                for_terminal(f"{label} : {where} : {problem.message}"),
                err=problem.severity == "error",
            )
        if result is not None:
            kept = f" ; {result.kept} gardé(s) (appel ou cahier de textes)" if result.kept else ""
            click.echo(
                f"Import n° {result.import_id} appliqué : {result.lessons} cours créés, "
                f"{result.replaced} remplacés{kept}."
            )
        elif code:
            click.echo("Le plan contient des erreurs : rien n'a été écrit.", err=True)
        else:
            click.echo("Simulation : rien n'a été écrit.")
    if code:
        raise click.exceptions.Exit(code)
