"""`cartable token …`: personal access tokens of the JSON API (create, list, revoke).

The technician makes tokens here for anyone, themselves included (a technician's token
can only be made here: it bypasses the two-factor step of the web login). `create`
prints the token alone on the last line of standard output, so that a script can take
it with `tail -n 1`; it is shown once and only its hash is kept.
"""

from __future__ import annotations

import json

import click

from appliance import timefmt
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.directory import people
from appliance.directory.textsafe import for_terminal
from appliance.security import audit, tokens

# JSON key → the service's field (times as ISO 8601 with the school's offset).
_LIST_FIELDS = {
    "id": "id",
    "label": "label",
    "created": "created_at",
    "last_used": "last_used_at",
    "expires": "expires_at",
    "expired": "expired",
}


@cli.group("token")
@common_options
def token_group() -> None:
    """Jetons d'accès personnels à l'API JSON : créer, lister, révoquer."""


@token_group.command("create")
@common_options
@click.argument("login")
@click.option(
    "--label", required=True, help="Nom du jeton (à quoi il sert), 60 caractères au plus."
)
@click.option(
    "--days",
    type=click.IntRange(1, tokens.MAX_DAYS),
    help="Le jeton cesse de marcher après ce nombre de jours (défaut : jusqu'à sa révocation).",
)
@pass_ctx
def token_create(ctx: Context, login, label, days) -> None:
    """Crée un jeton pour LOGIN ; le jeton est affiché une seule fois, sur la dernière ligne."""
    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    token_id, token = tokens.create(conn, person["id"], label, actor=audit.cli_actor(), days=days)
    until = ""
    if days:
        expires = tokens.get(conn, token_id)["expires_at"]
        until = f", valable jusqu'au {timefmt.fmt_datetime(expires)}"
    click.echo(for_terminal(f"Jeton n° {token_id} créé pour {person['login']}{until}."))
    click.echo("Copiez-le maintenant : il ne sera plus jamais affiché.")
    click.echo(token)


@token_group.command("list")
@common_options
@click.argument("login")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (un tableau d'objets).")
@pass_ctx
def token_list(ctx: Context, login, as_json) -> None:
    """Liste les jetons de LOGIN (jamais les jetons eux-mêmes)."""
    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    found = tokens.list_for(conn, person["id"])
    if as_json:
        listed = [{key: t[name] for key, name in _LIST_FIELDS.items()} for t in found]
        click.echo(json.dumps(timefmt.json_times(listed), ensure_ascii=False, indent=1))
        return
    for t in found:
        used = timefmt.fmt_datetime(t["last_used_at"]) if t["last_used_at"] else "jamais utilisé"
        if t["expires_at"]:
            word = "expiré le" if t["expired"] else "expire le"
            ends = f"{word} {timefmt.fmt_datetime(t['expires_at'])}"
        else:
            ends = "sans expiration"
        click.echo(
            for_terminal(
                f"{t['id']:>5}  {t['label']:<30} créé le {timefmt.fmt_datetime(t['created_at'])}"
                f"  {used}  {ends}"
            )
        )
    click.echo(f"{len(found)} jeton(s).", err=True)


@token_group.command("revoke")
@common_options
@click.argument("token_id", metavar="ID", type=int)
@pass_ctx
def token_revoke(ctx: Context, token_id) -> None:
    """Révoque le jeton n° ID : il ne marche plus, dès maintenant."""
    token = tokens.revoke(ctx.box().conn(), token_id, actor=audit.cli_actor())
    click.echo(for_terminal(f"Jeton n° {token_id} ({token['label']}) de {token['login']} révoqué."))
