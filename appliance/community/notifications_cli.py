"""`cartable notifications …`: the notifications' e-mails from the command line."""

from __future__ import annotations

import json

import click

from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.community import notifications_schedule


@cli.group("notifications")
@common_options
def notifications_group() -> None:
    """Notifications : les courriels immédiats et les résumés."""


@notifications_group.command("send")
@common_options
@click.option(
    "--now",
    "now",
    is_flag=True,
    help="Envoie dans ce processus, tout de suite, tout ce qui est dû (résumés compris) ; "
    "sans cette option, la tâche est confiée au service des tâches (cartable worker).",
)
@click.option("--json", "as_json", is_flag=True, help='Sortie JSON : {"sent": N, "failed": N}.')
@pass_ctx
def send_cmd(ctx: Context, now: bool, as_json: bool) -> None:
    """Envoie les courriels de notification dus (immédiats et résumés).

    Code de sortie 1 quand des courriels n'ont pas pu partir (ils seront réessayés).
    """
    box = ctx.box()
    if not now:
        job = notifications_schedule.queue_digest(box)
        if as_json:
            click.echo(json.dumps({"queued": job}))
        elif job is None:
            click.echo("Un envoi est déjà en attente ou en cours.")
        else:
            click.echo(f"Envoi confié au service des tâches (tâche {job}).")
        return
    done = notifications_schedule.run_now(box)
    if as_json:
        click.echo(json.dumps({"sent": done["sent"], "failed": done["failed"]}))
    else:
        click.echo(f"{done['sent']} courriel(s) envoyé(s), {done['failed']} non envoyé(s).")
    if done["error"]:
        click.echo(done["error"], err=True)
    if done["failed"]:
        raise click.exceptions.Exit(1)
