"""`cartable backup …` and `cartable restore`: backups from the command line (issue 4).

Each command calls `appliance.backups`, like the web page does. Passphrases are read from
a file or asked for, never taken from the command line. Backup errors become the usual
one-line error with the same exit status.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from appliance import backups, borg_install, labels, timefmt
from appliance.backups import restore as backup_restore
from appliance.backups.schedule import next_backup_shown
from appliance.cli import Context, cli, common_options, pass_ctx
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import audit
from backup.errors import BackupError, Phrase
from backup.fsutil import human_size
from backup.passphrase import Secret
from backup.repos import parse_location

LABEL_HELP = "Étiquette du dépôt (ex. local, hors-site, disque-usb)."
JSON_HELP = "Sortie JSON."


def backup_errors(func):
    """Turn a BackupError into a CartableError (same message and exit status). Then,
    when root ran the command, give what it wrote (state folder, repositories on this
    server's disks) back to the owner of the data folder, the services' user."""

    @functools.wraps(func)
    def wrapper(ctx: Context, *args, **kwargs):
        try:
            return func(ctx, *args, **kwargs)
        except BackupError as exc:
            # borg still being built by `make run` (or missing): say so, not only "can't run".
            hint = borg_install.unavailable_text(ctx.config)
            if hint:
                err = CartableError(
                    N_("%(problem)s %(hint)s"),
                    field=exc.field,
                    problem=Phrase(exc.template, **exc.params),
                    hint=hint,
                )
            else:
                err = CartableError(exc.template, field=exc.field, **exc.params)
            err.exit_code = exc.exit_code
            raise err from exc
        finally:
            _give_back(ctx)

    return wrapper


def _give_back(ctx: Context) -> None:
    try:
        backups.fix_ownership(ctx.config)
    except (CartableError, BackupError, OSError) as exc:
        click.echo(f"Attention : propriétaire des fichiers non rétabli ({exc}).", err=True)


def _echo_json(data) -> None:
    click.echo(json.dumps(timefmt.json_times(data), ensure_ascii=False, indent=1))


def _records_out(records, as_json: bool) -> None:
    """Print run records; exit 1 when one of them failed (a skipped disk is not a failure)."""
    if as_json:
        _echo_json([r.to_dict() for r in records])
    else:
        for r in records:
            job, outcome = labels.backup_job_label(r.job), labels.backup_outcome_label(r.outcome)
            click.echo(f"[{r.label}] {job} : {outcome} — {r.message}")
    if any(r.outcome == "error" for r in records):
        raise click.exceptions.Exit(1)


def _labels(label: str | None) -> list[str] | None:
    return [label] if label else None


def _passphrase(passphrase_file: str | None, *, confirm: bool = False) -> Secret | Path:
    """The passphrase source: a file, standard input ('-'), or asked when interactive."""
    if passphrase_file and passphrase_file != "-":  # noqa: S105 ("-" means stdin)
        return Path(passphrase_file)
    if passphrase_file == "-" or not sys.stdin.isatty():  # noqa: S105
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CartableError(
                N_("Phrase de passe absente : donnez --passphrase-file FICHIER (une ligne).")
            )
        return Secret(line)
    value = click.prompt(
        "Phrase de passe du dépôt (fiche de clé)", hide_input=True, confirmation_prompt=confirm
    )
    return Secret(value)


def _confirm_host(url: str, known, yes: bool, fingerprint: str | None):
    """Show the SSH host key of `url` and return the one the technician confirmed."""
    keys = backups.host_keys(url)
    loc = parse_location(url)
    click.echo(f"Clé SSH présentée par {loc.host}:{loc.port} :")
    for key in keys:
        click.echo(f"  {key.key_type:<22} {key.fingerprint}")
    if fingerprint:
        chosen = next((k for k in keys if k.fingerprint == fingerprint.strip()), None)
        if chosen is None:
            raise CartableError(
                N_(
                    "Le serveur ne présente pas la clé %(fingerprint)s : ne continuez pas avant "
                    "d'avoir vérifié auprès de l'hébergeur (réinstallation, ou usurpation ?)."
                ),
                fingerprint=fingerprint,
            )
        return chosen
    if known is not None and known in keys:
        click.echo("Cette clé est déjà confirmée.")
        return known
    if not yes:
        if not sys.stdin.isatty():
            raise CartableError(
                N_(
                    "Confirmation de la clé SSH nécessaire : comparez l'empreinte avec celle que "
                    "donne l'hébergeur, puis relancez avec --trust-fingerprint SHA256:… (ou --yes)."
                )
            )
        click.confirm(
            f"L'empreinte {keys[0].fingerprint} est-elle bien celle que donne l'hébergeur ?",
            abort=True,
        )
    return keys[0]


@cli.group("backup")
@common_options
def backup_group() -> None:
    """Sauvegardes chiffrées (borg) : dépôts, sauvegarde, contrôle, exercice, restauration.

    Les tâches programmées (nuit, contrôle hebdomadaire, vérification et exercice
    mensuels) tournent dans `cartable worker`. `cartable restore` reconstruit un serveur.
    """


@backup_group.command("init")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option(
    "--repo",
    required=True,
    help="Chemin absolu (/srv/sauvegardes/cartable), ssh://compte@serveur:22/chemin ou "
    "removable://UUID/dossier (disque amovible).",
)
@click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False),
    help="Fichier contenant la phrase de passe d'un dépôt existant à rejoindre ; sans "
    "elle, une phrase de passe solide est générée.",
)
@click.option("--key-sheet", "key_sheet", type=click.Path(dir_okay=False), help="Où écrire "
              "la fiche de clé PDF (défaut : dans le dossier d'état des sauvegardes).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Accepter la clé SSH présentée sans question.")
@click.option("--trust-fingerprint", help="Empreinte SHA256:… de la clé SSH attendue.")
@pass_ctx
@backup_errors
def init_cmd(ctx: Context, label, repo, passphrase_file, key_sheet, yes, trust_fingerprint):
    """Crée un dépôt chiffré (ou rejoint un dépôt existant) et écrit sa fiche de clé.

    Pour un dépôt SSH : l'empreinte de la clé du serveur est affichée et doit être
    confirmée, puis la ligne à mettre dans authorized_keys du serveur est donnée.
    """
    box, actor = ctx.box(), audit.cli_actor()
    loc = parse_location(repo)
    if loc.kind == "ssh":
        key = _confirm_host(repo, backups.pinned_key(box.config, repo), yes, trust_fingerprint)
        backups.trust_host(box, actor, repo, key)
        _public, line = backups.ssh_public_key(box.config, repo)
        click.echo("Ligne à ajouter au fichier authorized_keys du compte sur le serveur :")
        click.echo(f"  {line}")
    source = Path(passphrase_file) if passphrase_file else None
    result = backups.init(box, actor, label, repo, passphrase_file=source)
    what = "créé" if result.created else "rejoint"
    click.echo(f"Dépôt « {label} » {what} : {result.repository.url}")
    dest = Path(key_sheet) if key_sheet else backups.state_dir(box.config) / f"fiche-{label}.pdf"
    backups.key_sheet(box, actor, label, dest)
    click.echo(f"Fiche de clé écrite dans {dest}.")
    click.echo(
        "IMPRIMEZ-LA et rangez-la au coffre, supprimez le fichier, puis confirmez : "
        f"cartable backup key-sheet --label {label} --confirm"
    )


@backup_group.command("ssh-key")
@common_options
@click.option("--repo", help="Adresse ssh:// du dépôt (pour restreindre la ligne à son dossier).")
@pass_ctx
@backup_errors
def ssh_key_cmd(ctx: Context, repo):
    """Affiche la clé SSH publique de ce serveur et la ligne authorized_keys à donner à
    l'hébergeur du dépôt hors site (créée au premier appel)."""
    public, line = backups.ssh_public_key(ctx.config, repo)
    click.echo(f"Clé publique : {public}")
    click.echo(f"Ligne authorized_keys : {line}")


@backup_group.command("trust-host")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--yes", is_flag=True, help="Accepter la clé présentée sans question.")
@click.option("--trust-fingerprint", help="Empreinte SHA256:… attendue.")
@pass_ctx
@backup_errors
def trust_host_cmd(ctx: Context, label, yes, trust_fingerprint):
    """Affiche l'empreinte de la clé SSH du serveur d'un dépôt et la confirme (après une
    réinstallation du serveur, par exemple)."""
    box = ctx.box()
    repo = backups.backup_context(box.config).registry.get(label)
    if repo.kind != "ssh":
        raise CartableError(N_("Le dépôt « %(label)s » n'est pas un dépôt SSH."), label=label)
    key = _confirm_host(repo.url, None, yes, trust_fingerprint)
    backups.trust_host(box, audit.cli_actor(), repo.url, key)
    click.echo(f"Clé {key.fingerprint} confirmée pour « {label} ».")


@backup_group.command("run")
@common_options
@click.option("--label", help=LABEL_HELP + " Défaut : tous les dépôts.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def run_cmd(ctx: Context, label, as_json):
    """Sauvegarde maintenant (puis élague ; compacte au plus tous les
    backup.compact_every_days jours). Code 1 si un dépôt a échoué."""
    _records_out(backups.run(ctx.box(), audit.cli_actor(), _labels(label)), as_json)


@backup_group.command("check")
@common_options
@click.option("--label", help=LABEL_HELP + " Défaut : tous les dépôts.")
@click.option("--verify-data", is_flag=True, help="Relire et déchiffrer les données (long ; "
              "limité à backup.verify_data_max_minutes).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def check_cmd(ctx: Context, label, verify_data, as_json):
    """Contrôle les dépôts (borg check). Code 1 si un problème est trouvé."""
    records = backups.check(ctx.box(), audit.cli_actor(), _labels(label), verify_data=verify_data)
    _records_out(records, as_json)


@backup_group.command("drill")
@common_options
@click.option("--label", help=LABEL_HELP + " Défaut : tous les dépôts.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def drill_cmd(ctx: Context, label, as_json):
    """Exercice de restauration : la dernière archive de chaque dépôt est extraite à part
    et vérifiée (bases, comptes, sommes de contrôle), puis effacée."""
    _records_out(backups.drill(ctx.box(), audit.cli_actor(), _labels(label)), as_json)


@backup_group.command("list")
@common_options
@click.option("--label", help=LABEL_HELP + " Défaut : tous les dépôts.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON : une liste d'archives "
              "(label, name, time, original_size, deduplicated_size, nfiles…).")  # fmt: skip
@pass_ctx
@backup_errors
def list_cmd(ctx: Context, label, as_json):
    """Liste les archives, les plus récentes d'abord."""
    box = ctx.box()
    ctxb = backups.backup_context(box.config)
    out, failed = [], False
    for repo in ctxb.registry.select(_labels(label)):
        try:
            found = backups.list_archives(box, repo.label)
        except BackupError as exc:
            if label:
                raise
            click.echo(f"Erreur : [{repo.label}] {exc.message}", err=True)
            failed = True
            continue
        out += [{"label": repo.label, **a.to_dict()} for a in found]
    if as_json:
        _echo_json(out)
    else:
        for a in out:
            click.echo(
                f"[{a['label']}] {a['name']}  {timefmt.fmt_datetime(a['time'])}  "
                f"{human_size(a['original_size'] or 0)} (nouveau : "
                f"{human_size(a['deduplicated_size'] or 0)}, {a['nfiles'] or '?'} fichiers)"
            )
    if failed:
        raise click.exceptions.Exit(1)


@backup_group.command("status")
@common_options
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def status_cmd(ctx: Context, as_json):
    """État de chaque dépôt (sans interroger borg) : dernière sauvegarde, dernière
    restauration prouvée, taille, fiche de clé, alertes ; prochaine sauvegarde."""
    box = ctx.box()
    found = backups.statuses(box)
    nxt = next_backup_shown(box.config)
    if as_json:
        _echo_json(
            {
                "repositories": [s.to_dict() for s in found],
                "next_backup": nxt.isoformat(timespec="minutes") if nxt else None,
                "running": backups.busy_with(box.config),
            }
        )
        return
    if not found:
        click.echo("Aucun dépôt : cartable backup init --label local --repo /chemin")
    for s in found:
        good = s.last_good_backup
        proven = s.last_proven_restore
        click.echo(f"[{s.label}] {s.kind} {s.location}")
        click.echo(f"  dernière sauvegarde réussie : {_when(good)}")
        click.echo(f"  dernière restauration prouvée : {_when(proven)}")
        if s.repository_size is not None:
            click.echo(f"  taille du dépôt : {human_size(s.repository_size)}")
        compacted = _local_time(s.last_compaction) if s.last_compaction else "jamais"
        pending = " (archives élaguées depuis, place à rendre)" if s.compaction_pending else ""
        click.echo(f"  dernier compactage : {compacted}{pending}")
        for alert in s.alerts:
            click.echo(f"  ATTENTION : {alert}")
    if nxt:
        click.echo(f"Prochaine sauvegarde : {timefmt.fmt_datetime(nxt)}")
    elif found:
        click.echo("Sauvegardes arrêtées (backup.enabled = false).")
    else:
        click.echo(
            "Aucune sauvegarde programmée : rien n'est sauvegardé tant qu'aucun dépôt n'existe."
        )


def _local_time(iso: str) -> str:
    return timefmt.fmt_datetime(iso)


def _when(run: dict | None) -> str:
    """« 29/11/2026 01:32 (archive …) » in the school's zone for a run of the history."""
    if not run:
        return "aucune"
    when = _local_time(run["ended"])
    return f"{when} ({run['archive']})" if run.get("archive") else when


@backup_group.command("key-sheet")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--out", type=click.Path(dir_okay=False), help="Fichier PDF à écrire.")
@click.option("--confirm", is_flag=True, help="Noter que la fiche est imprimée et au coffre.")
@pass_ctx
@backup_errors
def key_sheet_cmd(ctx: Context, label, out, confirm):
    """Écrit la fiche de clé (PDF à imprimer : clé exportée, phrase de passe, procédure)
    ou confirme qu'elle est rangée au coffre."""
    if not out and not confirm:
        raise CartableError(N_("Indiquez --out FICHIER.pdf ou --confirm."))
    box, actor = ctx.box(), audit.cli_actor()
    if out:
        backups.key_sheet(box, actor, label, Path(out))
        click.echo(f"Fiche de clé écrite dans {out} : imprimez-la, rangez-la au coffre.")
    if confirm:
        backups.confirm_key_sheet(box, actor, label)
        click.echo(f"Fiche de clé de « {label} » confirmée comme rangée au coffre.")


@backup_group.command("break-lock")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@pass_ctx
@backup_errors
def break_lock_cmd(ctx: Context, label):
    """Supprime les verrous borg d'un dépôt (seulement quand aucune sauvegarde ne tourne,
    sur aucun serveur qui utilise ce dépôt)."""
    click.echo(backups.break_lock(ctx.box(), audit.cli_actor(), label))


@backup_group.command("accept")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--repo", help="Nouvelle adresse du dépôt, s'il a changé de place.")
@pass_ctx
@backup_errors
def accept_cmd(ctx: Context, label, repo):
    """Accepte qu'un dépôt a changé de place (après avoir vérifié que c'est le même)."""
    click.echo(backups.accept_relocation(ctx.box(), audit.cli_actor(), label, repo))


@backup_group.command("browse")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--archive", default="latest", show_default=True, help="Nom de l'archive.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.argument("path", required=False, default="")
@pass_ctx
@backup_errors
def browse_cmd(ctx: Context, label, archive, as_json, path):
    """Montre le contenu d'une archive, un dossier à la fois (PATH : files/people/42…)."""
    entries = backups.browse(ctx.box(), audit.cli_actor(), label, archive, path)
    if as_json:
        _echo_json([e.__dict__ for e in entries])
        return
    for e in entries:
        kind = "dossier" if e.type == "d" else human_size(e.size)
        click.echo(f"{e.path}{'/' if e.type == 'd' else ''}  ({kind})")


@backup_group.command("restore-files")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--archive", required=True, help="Nom de l'archive, ou latest.")
@click.option("--person", "login", help="Restaurer les fichiers de cette personne (identifiant).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.argument("paths", nargs=-1)
@pass_ctx
@backup_errors
def restore_files_cmd(ctx: Context, label, archive, login, as_json, paths):
    """Restaure des fichiers ou dossiers (files/…) dans un nouveau dossier daté à côté des
    fichiers actuels, sans jamais rien écraser."""
    box = ctx.box()
    wanted = list(paths)
    if login:
        wanted.append(backup_restore.person_folder(box, login)[1])
    if not wanted:
        raise CartableError(N_("Indiquez un chemin (files/…) ou --person IDENTIFIANT."))
    out = backup_restore.restore_files(box, audit.cli_actor(), label, archive, wanted)
    if as_json:
        _echo_json({"folder": str(out.folder), "archive": out.archive, "files": out.files,
                    "size": out.size, "paths": list(out.paths)})  # fmt: skip
    else:
        click.echo(
            f"{out.files} fichier(s) ({human_size(out.size)}) de l'archive {out.archive} "
            f"restaurés dans {out.folder} ; les fichiers actuels n'ont pas été touchés."
        )


@backup_group.command("restore-school")
@common_options
@click.option("--label", required=True, help=LABEL_HELP)
@click.option("--archive", required=True, help="Nom de l'archive, ou latest.")
@click.option(
    "--yes", is_flag=True, help="Je confirme : services arrêtés, tout revient en arrière."
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def restore_school_cmd(ctx: Context, label, archive, yes, as_json):
    """Remet tout l'établissement (bases, fichiers, configuration) dans l'état d'une
    archive. L'état actuel est d'abord gardé dans une archive « avant-restauration-… ».

    Arrêtez d'abord le portail et les tâches : systemctl stop cartable-web cartable-worker.
    """
    if not yes:
        raise CartableError(
            N_(
                "Tout l'établissement va revenir à l'état de l'archive : arrêtez le portail et "
                "les tâches (systemctl stop cartable-web cartable-worker), puis relancez "
                "avec --yes."
            )
        )
    report = backup_restore.restore_school(ctx.box(), audit.cli_actor(), label, archive)
    _report_out(report, as_json)


def _report_out(report, as_json: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(report.text())
    if not report.ok:
        failed = report.failed_step
        why = f"échec à l'étape « {failed.title} » : {failed.message}" if failed else "échec."
        raise CartableError(N_("Restauration non faite, %(why)s"), why=why)


@cli.command("restore")
@common_options
@click.option("--repo", required=True, help="Dépôt : chemin, ssh://… ou removable://UUID/….")
@click.option("--archive", default="latest", show_default=True, help="Archive, ou latest.")
@click.option("--passphrase-file", type=click.Path(dir_okay=False),
              help="Fichier de la phrase de passe (une ligne) ; '-' : entrée standard ; "
              "sans : demandée.")  # fmt: skip
@click.option("--config-dir", type=click.Path(file_okay=False), help="Où mettre la "
              "configuration restaurée (défaut : DOSSIER_DE_DONNÉES/configuration ; un fichier "
              "existant est gardé sous un autre nom).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Accepter la clé SSH présentée sans question.")
@click.option("--trust-fingerprint", help="Empreinte SHA256:… de la clé SSH attendue.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
@backup_errors
def restore_cmd(ctx: Context, repo, archive, passphrase_file, config_dir, yes,
                trust_fingerprint, as_json):  # fmt: skip
    """Reconstruit le dossier de données (vide) d'un nouveau serveur depuis un dépôt :
    extraction, vérification (intégrité, comptes, sommes de contrôle), mise en place.

    Dit étape par étape ce qui a été fait et, en cas d'échec, quelle étape et pourquoi.
    """
    config = ctx.config
    if parse_location(repo).kind == "ssh":
        from backup import setup

        key = _confirm_host(repo, backups.pinned_key(config, repo), yes, trust_fingerprint)
        setup.pin_host(backups.backup_context(config), repo, key)
    report = backup_restore.disaster_restore(
        config,
        audit.cli_actor(),
        repo,
        archive,
        _passphrase(passphrase_file),
        config_dir=Path(config_dir) if config_dir else None,
    )
    _report_out(report, as_json)
    if not as_json:
        click.echo(
            f"Données restaurées dans {config.data_dir}. Vérifiez la configuration restaurée, "
            "puis démarrez les services (systemctl start cartable-web cartable-worker)."
        )
