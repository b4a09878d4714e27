"""`cartable periods …` and `cartable report-cards`: the year's periods and the printed
report cards from the command line, through the same services as the pages."""

from __future__ import annotations

import json
from pathlib import Path

import click

from appliance import timefmt
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.directory.textsafe import for_terminal
from appliance.schoollife.grades import periods, printing
from appliance.schoollife.grades.config_keys import settings_of
from appliance.security import audit
from backup.fsutil import atomic_write


@cli.group("periods")
@common_options
def periods_group() -> None:
    """Les périodes de l'année (trimestres ou semestres) : dates, fin de saisie, conseil
    de classe, verrouillage."""


def _show(found: list[dict]) -> None:
    if not found:
        click.echo("Aucune période n'est réglée (cartable periods set).")
    for p in found:
        council = (
            f", conseil de classe le {timefmt.fmt_date(p['council_date'])}"
            if p["council_date"]
            else ""
        )
        lock = " — verrouillée" if p["locked"] else ""
        click.echo(
            f"{p['id']}  {p['name']} : du {timefmt.fmt_date(p['from'])} au "
            f"{timefmt.fmt_date(p['to'])}, saisie jusqu'au {timefmt.fmt_date(p['entry_end'])}"
            f"{council}{lock}"
        )


@periods_group.command("set")
@common_options
@click.option(
    "--kind",
    required=True,
    type=click.Choice(sorted(periods.KINDS)),
    help="trimester (3 périodes) ou semester (2).",
)
@click.argument("ranges", nargs=-1, required=True, metavar="DEBUT:FIN...")
@pass_ctx
def periods_set(ctx: Context, kind, ranges) -> None:
    """Règle les périodes de l'année : premier et dernier jour de chacune, dans l'ordre
    (AAAA-MM-JJ:AAAA-MM-JJ). Redonner les mêmes périodes à d'autres dates les déplace ;
    chaque évaluation suit sa date."""
    _show(periods.set_periods(ctx.box().conn(), audit.cli_actor(), kind, list(ranges)))


@periods_group.command("show")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_ctx
def periods_show(ctx: Context, as_json) -> None:
    """Affiche les périodes ; --json : [{"id", "name", "from", "to", "locked"}]."""
    found = periods.list_periods(ctx.box().conn())
    if as_json:
        click.echo(json.dumps([periods.as_json(p) for p in found], ensure_ascii=False, indent=1))
        return
    _show(found)


@periods_group.command("edit")
@common_options
@click.argument("period_id", type=int)
@click.option("--entry-end", help="Dernier jour de saisie des notes (AAAA-MM-JJ).")
@click.option("--council", help="Date du conseil de classe (AAAA-MM-JJ).")
@click.option("--no-council", is_flag=True, help="Retire la date du conseil de classe.")
@pass_ctx
def periods_edit(ctx: Context, period_id, entry_end, council, no_council) -> None:
    """Change la fin de saisie des notes et la date du conseil de classe d'une période."""
    found = periods.update_period(
        ctx.box().conn(),
        audit.cli_actor(),
        period_id,
        entry_end=entry_end,
        council_date=council,
        clear_council=no_council,
    )
    _show([found])


@periods_group.command("lock")
@common_options
@click.argument("period_id", type=int)
@pass_ctx
def periods_lock(ctx: Context, period_id) -> None:
    """Verrouille une période (après le conseil de classe) : ses notes et ses
    appréciations ne peuvent plus changer ; les familles peuvent télécharger les bulletins."""
    _show([periods.set_locked(ctx.box().conn(), audit.cli_actor(), period_id, True)])


@periods_group.command("unlock")
@common_options
@click.argument("period_id", type=int)
@pass_ctx
def periods_unlock(ctx: Context, period_id) -> None:
    """Déverrouille une période (pour corriger une note ou une appréciation)."""
    _show([periods.set_locked(ctx.box().conn(), audit.cli_actor(), period_id, False)])


@cli.command("report-cards")
@common_options
@click.option("--period", "period_id", type=int, required=True, help="Numéro de la période.")
@click.option("--class", "class_code", required=True, help="Code de la classe (ex. 5A).")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="Fichier PDF à écrire."
)
@pass_ctx
def report_cards_cmd(ctx: Context, period_id, class_code, out) -> None:
    """Écrit les bulletins d'une classe pour une période dans un PDF (un élève par page)."""
    box = ctx.box()
    conn = box.conn()
    period = periods.get_period(conn, period_id)
    the_class = printing.class_by_code(conn, class_code)
    pdf, count = printing.class_pdf(
        conn, audit.cli_actor(), the_class, period, settings_of(box.config)
    )
    atomic_write(Path(out), pdf, mode=0o600)
    click.echo(
        for_terminal(
            f"{count} bulletin(s) de la classe {the_class['code']} pour le {period['name']} "
            f"écrit(s) dans {out} ({len(pdf) // 1024} Kio)."
        )
    )
