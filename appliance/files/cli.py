"""`cartable files usage [--json]` (used and quota per person, top users) and
`cartable files gc` (the contents nothing uses any more removed from the store; the worker
runs the same clean-up every week, its `blobs_gc` job)."""

from __future__ import annotations

import json

import click

from appliance import blobs
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.files import quota
from appliance.files.quota import human_size


@cli.group("files")
@common_options
def files_group() -> None:
    """Documents : espace utilisé par chacun, nettoyage du stockage.

    Les quotas se règlent par profil (clés files.quota_mb_teacher, _staff, _student,
    _relative, _guest, _admin ; variables CARTABLE_FILES_QUOTA_MB_STUDENT…).
    """


@files_group.command("usage")
@common_options
@click.option("--top", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="Nombre de personnes listées, les plus gros utilisateurs d'abord.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_ctx
def usage_cmd(ctx: Context, top: int, as_json: bool) -> None:
    """Espace utilisé et quota de chaque personne (documents, pièces jointes de messages et
    de devoirs, devoirs rendus), les plus gros d'abord, et le total."""
    box = ctx.box()
    found = quota.report(box.conn(), box.config, top=top)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    click.echo(
        f"{found['people_counted']} personne(s) stockent {human_size(found['total_used'])} ; "
        f"{found['over_warning']} à 80 % ou plus de leur quota."
    )
    for p in found["people"]:
        mark = "  ← 80 % ou plus" if p["ratio"] >= quota.WARN_RATIO else ""
        click.echo(
            f"{p['login']:<28} {p['profile']:<9} {human_size(p['used']):>10} / "
            f"{human_size(p['limit']):<10} {p['ratio'] * 100:5.1f} %{mark}"
        )


@files_group.command("gc")
@common_options
@pass_ctx
def gc_cmd(ctx: Context) -> None:
    """Supprime du stockage les contenus qu'aucun document, pièce jointe ou devoir
    n'utilise plus (le même nettoyage que celui du dimanche soir)."""
    box = ctx.box()
    done = blobs.collect_garbage(box.conn(), box.config.files_dir)
    click.echo(
        f"{done['removed']} contenu(s) inutilisé(s) et {done['strays']} fichier(s) orphelin(s) "
        f"supprimés : {human_size(done['bytes'])} libérés."
    )
