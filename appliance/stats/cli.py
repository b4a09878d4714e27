"""`cartable stats [--from D] [--to D] [--csv | --json]`: the usage statistics of the
period (the last 30 days by default), as a summary, a CSV file (`appliance.csvsafe`) or
JSON, through the same service functions as the page and the API."""

from __future__ import annotations

import json
import sys

import click

from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.csvsafe import write_csv
from appliance.stats import usage
from appliance.stats.taxonomy import PROFILES, SERVICES

CSV_HEADER = ("date", "service", "profil", "visites", "personnes")


@cli.command("stats")
@common_options
@click.option("--from", "first", metavar="AAAA-MM-JJ", help="Premier jour (compris).")
@click.option("--to", "last", metavar="AAAA-MM-JJ", help="Dernier jour (compris).")
@click.option(
    "--csv", "as_csv", is_flag=True, help="Sortie CSV (une ligne par jour, service, profil)."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_ctx
def stats_cmd(ctx: Context, first, last, as_csv, as_json) -> None:
    """Statistiques d'usage (30 derniers jours par défaut) : visites et personnes par jour,
    service et profil ; --json : {"from", "to", "items": [{"date", "service", "profile",
    "visits", "people"}], "accounts": [{"profile", "imported", "activated"}]}."""
    if as_csv and as_json:
        raise click.UsageError("--csv et --json ne vont pas ensemble : choisissez-en un.")
    start, end = usage.period(first, last)  # a wrong day: CartableError, one line
    conn = ctx.box().conn()
    found = usage.items(conn, start, end)
    if as_csv:
        rows = [[r["date"], r["service"], r["profile"], r["visits"], r["people"]] for r in found]
        sys.stdout.buffer.write(write_csv(CSV_HEADER, rows))
        sys.stdout.flush()
        return
    accounts = usage.accounts(conn)
    if as_json:
        out = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "items": found,
            "accounts": accounts,
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    click.echo(f"Statistiques d'usage du {start:%d/%m/%Y} au {end:%d/%m/%Y}")
    click.echo(f"{'Service':<28} {'visites':>9} {'pers./jour':>11}")
    for r in usage.by_service(conn, start, end):
        click.echo(f"{SERVICES[r['service']]:<28} {r['visits']:>9} {r['people_per_day']:>11}")
    click.echo(f"{'Profil':<28} {'visites':>9} {'pers./jour':>11}")
    for r in usage.by_profile(conn, start, end):
        click.echo(f"{PROFILES[r['profile']]:<28} {r['visits']:>9} {r['people_per_day']:>11}")
    click.echo(f"{'Comptes':<28} {'activés':>9} {'importés':>11}")
    for r in accounts:
        click.echo(f"{PROFILES[r['profile']]:<28} {r['activated']:>9} {r['imported']:>11}")
