"""`cartable diagnose` and `cartable health …`: the health of the server from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from appliance import timefmt
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.errors import CartableError
from appliance.health import wiring
from appliance.health.diagnosis import CATEGORIES
from appliance.i18n import N_
from appliance.security import audit
from backup.fsutil import atomic_write

STATUS_WORDS = {"success": "OK", "info": "info", "warning": "ATTENTION", "error": "ERREUR"}
_RANK = {"success": 0, "info": 0, "warning": 1, "error": 2}


def _exit(code: int) -> None:
    if code:
        raise click.exceptions.Exit(code)


def _print_results(results: list[dict]) -> None:
    for cat, label in CATEGORIES.items():
        items = [r for r in results if r["category"] == cat]
        if not items:
            continue
        statuses = [r["status"] for r in items if not r["silenced"]]
        worst = max(statuses, key=lambda status: _RANK.get(status, 0), default="")
        click.echo(f"{label} : {STATUS_WORDS.get(worst, 'OK')}")
        for r in items:
            silenced = f" (en sourdine : {r['silence_reason']})" if r["silenced"] else ""
            key = f" [{r['key']}]" if r["key"] and r["status"] == "warning" else ""
            click.echo(f"  {STATUS_WORDS[r['status']]:<9} {r['summary']}{silenced}{key}")
            for line in (r["details"] or "").splitlines():
                click.echo(f"            {line}")
            if r["advice"]:
                click.echo(f"            → {r['advice']}")


@cli.command("diagnose")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON : une liste de résultats.")
@pass_ctx
def diagnose_cmd(ctx: Context, as_json: bool) -> None:
    """Lance toutes les vérifications de santé et les montre par catégorie.

    Chaque résultat a un état (success, info, warning, error), un résumé, des détails et
    un conseil. Code de sortie : 0 sans erreur, 1 si au moins une vérification est en
    erreur.
    """
    box = ctx.box()
    with wiring.opened_store(ctx.config) as store:
        results = wiring.diagnose(box, "cli", store)
    if as_json:
        click.echo(json.dumps(timefmt.json_times(results), ensure_ascii=False, indent=1))
    else:
        _print_results(results)
    _exit(1 if any(r["status"] == "error" for r in results) else 0)


@cli.group("health")
@common_options
def health_group() -> None:
    """Santé du serveur : mesure, relevé SMART, mises en sourdine, paquet d'assistance.

    `cartable diagnose` lance toutes les vérifications.
    """


@health_group.command("sample")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON : la mesure complète.")
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 60),
    default=1.0,
    show_default=True,
    help="Durée (secondes) sur laquelle les débits et la charge du processeur sont mesurés.",
)
def sample_cmd(as_json: bool, interval: float) -> None:
    """Mesure maintenant le processeur, la mémoire, les disques, le réseau et les capteurs."""
    from appliance.health.messages import fmt_bytes, fmt_num
    from appliance.health.sampler import sample_now

    s = sample_now(interval)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    cpu, mem = s["cpu"], s["memory"]
    click.echo(f"Processeur : {fmt_num(cpu['total_pct'])} % ({cpu['count']} cœur(s))")
    click.echo(
        f"Mémoire disponible : {fmt_num(mem['available_pct'])} % "
        f"({fmt_bytes(mem.get('available_bytes'))})"
    )
    for fs in s["filesystems"]:
        click.echo(
            f"{fs['mountpoint']} : {fmt_num(fs['used_pct'])} % occupé, "
            f"{fmt_bytes(fs['free_bytes'])} libres"
        )
    temps = s["temperatures"]
    if temps.get("status") != "ok":
        click.echo("Températures : indisponibles (pas de capteur lisible)")
    for t in temps.get("sensors", []):
        click.echo(f"Température {t['name']} : {fmt_num(t['current'])} °C")


@health_group.command("smart-spool")
@common_options
@click.option(
    "--spool-dir",
    type=click.Path(file_okay=False),
    help="Dossier de dépôt (défaut : health.smart_spool_dir).",
)
@click.option(
    "--device",
    "devices",
    multiple=True,
    help="Disque à lire, par exemple /dev/sda (répétable ; défaut : health.smart_devices, "
    "sinon tous ceux que smartctl trouve).",
)
@click.option(
    "--short-days",
    type=click.IntRange(0, 365),
    help="Jours entre deux autotests courts (défaut : health.smart_short_test_days).",
)
@click.option(
    "--long-days",
    type=click.IntRange(0, 365),
    help="Jours entre deux autotests longs (défaut : health.smart_long_test_days).",
)
@pass_ctx
def smart_spool_cmd(ctx: Context, spool_dir, devices, short_days, long_days) -> None:
    """Relève l'état SMART de chaque disque dans le dossier de dépôt (à lancer par root).

    smartctl a besoin des droits root : cette commande courte est la seule partie
    privilégiée de la surveillance (un minuteur systemd la lance chaque jour). Elle écrit
    un fichier JSON par disque que le service non privilégié lit, et lance les autotests
    SMART dus. Code de sortie : 0 tous les disques lus, 1 sinon.
    """
    from appliance.health import smart_spool

    s = wiring.health_settings(ctx.config)
    argv = ["--spool-dir", spool_dir or s.smart_spool_dir]
    for device in devices or s.smart_devices:
        argv += ["--device", device]
    argv += ["--short-days", str(s.smart_short_test_days if short_days is None else short_days)]
    argv += ["--long-days", str(s.smart_long_test_days if long_days is None else long_days)]
    if ctx.config.file is not None:  # the one-shot reads the same configuration file
        os.environ["CARTABLE_CONFIG"] = str(ctx.config.file)
    _exit(smart_spool.main(argv))


@health_group.command("silence")
@common_options
@click.argument("key")
@click.option(
    "--reason", required=True, help="Pourquoi cet avertissement est accepté (journal d'audit)."
)
@pass_ctx
def silence_cmd(ctx: Context, key: str, reason: str) -> None:
    """Met en sourdine l'avertissement KEY (ex. fs.space:/srv), connu et accepté.

    Il n'apparaît plus dans le bandeau ni dans les courriels ; le diagnostic le montre
    encore, avec la raison. Une alerte critique ne peut pas être mise en sourdine. Les
    clés des avertissements sont affichées par `cartable diagnose`.
    """
    box = ctx.box()
    with wiring.opened_store(ctx.config, write=True) as store:
        assert store is not None  # opened for writing: created when missing
        known = wiring.silenceable_keys(wiring.diagnose(box, "cli", store), store)
        done = wiring.silence(box, store, key, reason, audit.cli_actor(), known=known)
    replaced = f" (remplace : {done['replaced']})" if done["replaced"] else ""
    click.echo(f"Avertissement « {done['key']} » mis en sourdine{replaced}.")


@health_group.command("unsilence")
@common_options
@click.argument("key")
@pass_ctx
def unsilence_cmd(ctx: Context, key: str) -> None:
    """Lève la mise en sourdine de l'avertissement KEY."""
    box = ctx.box()
    with wiring.opened_store(ctx.config, write=True) as store:
        assert store is not None  # opened for writing: created when missing
        done = wiring.unsilence(box, store, key, audit.cli_actor())
    click.echo(f"Avertissement « {done['key']} » de nouveau signalé.")


@health_group.command("bundle")
@common_options
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Fichier .tar.gz à écrire (ex. assistance.tar.gz).",
)
@pass_ctx
def bundle_cmd(ctx: Context, out: str) -> None:
    """Écrit le paquet d'assistance : diagnostic, journaux récents, configuration sans
    ses secrets, historique des alertes. Un seul fichier à envoyer à qui vous aide."""
    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise CartableError(N_("Le dossier %(parent)s n'existe pas."), parent=out_path.parent)
    box = ctx.box()
    with wiring.opened_store(ctx.config) as store:
        data = wiring.support_bundle(box, "cli", store, audit.cli_actor())
    atomic_write(out_path, data, mode=0o600)
    click.echo(f"Paquet d'assistance écrit dans {out_path} ({len(data) // 1024 + 1} Ko).")
