"""`cartable comm-rules show|set`: the communication rules (who may write to whom) from
the command line, the same table as the admin page."""

from __future__ import annotations

import json

import click

from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.community import rules
from appliance.security import audit


@cli.group("comm-rules")
@common_options
def comm_rules_group() -> None:
    """Règles de communication : qui peut écrire à qui dans la messagerie.

    Noms des règles (DE, VERS) : student, relative, teacher, staff, guest, admin.
    Portées : own_class, own_teachers, own_children, own_parents, children_teachers,
    taught_students, parents_of_taught, school_life, school.
    """


def _cell(scope: str | None) -> str:
    return f"oui : {rules.SCOPE_LABELS[scope]} ({scope})" if scope else "non"


@comm_rules_group.command("show")
@common_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Sortie JSON : une liste de {"from","to","allowed","scope"}.',
)
@pass_ctx
def show_cmd(ctx: Context, as_json: bool) -> None:
    """Montre la table des règles : pour chaque profil qui écrit (DE), à chaque profil
    (VERS), permis ou non, et dans quelle portée."""
    table = rules.table(ctx.box().conn())
    if as_json:
        click.echo(json.dumps(table, ensure_ascii=False, indent=1))
        return
    for row in table:
        click.echo(f"{row['from']:<9} → {row['to']:<9} {_cell(row['scope'])}")


@comm_rules_group.command("set")
@common_options
@click.argument("from_profile", metavar="DE", type=click.Choice(rules.PROFILES))
@click.argument("to_profile", metavar="VERS", type=click.Choice(rules.PROFILES))
@click.argument("decision", type=click.Choice(["allow", "deny"]))
@click.option("--scope", type=click.Choice(list(rules.SCOPES)), help="Portée d'une règle permise.")
@pass_ctx
def set_cmd(ctx: Context, from_profile: str, to_profile: str, decision: str, scope) -> None:
    """Permet (allow, dans la portée --scope) ou interdit (deny) les messages de DE à VERS.

    Sans --scope, allow garde la portée de la règle, ou prend la plus naturelle (par
    exemple own_class d'un élève à un élève). Le changement est inscrit au journal
    d'audit (qui, quand, avant, après).
    """
    result = rules.set_rule(
        ctx.box().conn(), audit.cli_actor(), from_profile, to_profile, decision, scope
    )
    before, after = result["old"]["scope"], result["new"]["scope"]
    if not result["changed"]:
        click.echo(f"Inchangée : {from_profile} → {to_profile} {_cell(after)}.")
        return
    click.echo(f"Règle {from_profile} → {to_profile} : {_cell(before)}, désormais {_cell(after)}.")
