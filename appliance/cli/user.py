"""`cartable user …`: accounts from the command line (add, list, show, passwd, disable, enable)."""

from __future__ import annotations

import json

import click

from appliance import labels, timefmt
from appliance.cli import Context, cli, common_options, pass_ctx, read_secret
from appliance.directory import people
from appliance.directory.textsafe import for_terminal
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import audit

_LIST_FIELDS = (
    "login",
    "profile",
    "state",
    "first_name",
    "last_name",
    "classes",
    "birth_date",
    "email",
    "function",
    "expires_on",
    "departed_on",
    "disabled_on",
    "created_at",
    "last_login_at",
)


@cli.group("user")
@common_options
def user_group() -> None:
    """Gère les comptes : ajouter, lister, afficher, changer le mot de passe, désactiver."""


@user_group.command("add")
@common_options
@click.argument("login")
@click.option(
    "--profile", required=True, type=click.Choice(people.PROFILES), help="Profil du compte."
)
@click.option("--first-name", required=True, help="Prénom.")
@click.option("--last-name", required=True, help="Nom.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    help="Fichier contenant le mot de passe ('-' : entrée standard). Sans cette "
    "option, un mot de passe initial est créé, affiché une fois, et devra être changé.",
)
@click.option("--email", help="Adresse électronique.")
@click.option("--function", help="Fonction (personnel : CPE, direction, secrétariat…).")
@click.option(
    "--expires", "expires_on", help="Date d'expiration AAAA-MM-JJ (obligatoire pour un invité)."
)
@pass_ctx
def user_add(
    ctx: Context, login, profile, first_name, last_name, password_file, email, function, expires_on
) -> None:
    """Crée le compte LOGIN."""
    conn = ctx.box().conn()
    initial = None
    if password_file:
        password = read_secret(password_file, "Mot de passe", confirm=True)
        must_change = False
    else:
        from appliance.security.passwords import generate_initial_password

        initial = password = generate_initial_password()
        must_change = True
    people.create_person(
        conn,
        login=login,
        profile=profile,
        first_name=first_name,
        last_name=last_name,
        password=password,
        check_rules=initial is None,
        must_change_password=must_change,
        email=email,
        function=function,
        expires_on=_date(expires_on),
        actor=audit.cli_actor(),
    )
    click.echo(f"Compte « {login.lower()} » créé ({labels.profile_label(profile)}).")
    if initial:
        click.echo(f"Mot de passe initial (à changer à la première connexion) : {initial}")


def _date(value: str | None) -> str | None:
    if not value:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ."), value=value
        ) from exc


@user_group.command("list")
@common_options
@click.option("--profile", type=click.Choice(people.PROFILES), help="Seulement ce profil.")
@click.option("--state", type=click.Choice(people.STATES), help="Seulement cet état.")
@click.option("--class", "class_code", help="Seulement les élèves de cette classe.")
@click.option("--search", "query", default="", help="Texte cherché dans l'identifiant ou le nom.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (un tableau d'objets).")
@pass_ctx
def user_list(ctx: Context, profile, state, class_code, query, as_json) -> None:
    """Liste les comptes (triés par nom)."""
    found = people.list_people(
        ctx.box().conn(), query=query, profile=profile, state=state, class_code=class_code
    )
    if as_json:
        listed = [{k: p.get(k) for k in _LIST_FIELDS} for p in found]
        click.echo(json.dumps(timefmt.json_times(listed), ensure_ascii=False, indent=1))
        return
    for p in found:
        classes = ",".join(p["classes"])
        click.echo(
            for_terminal(
                f"{p['login']:<28} {labels.profile_label(p['profile']):<11} "
                f"{labels.state_label(p['state']):<10} "
                f"{p['last_name']} {p['first_name']}" + (f" [{classes}]" if classes else "")
            )
        )
    click.echo(f"{len(found)} compte(s).", err=True)


@user_group.command("show")
@common_options
@click.argument("login")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_ctx
def user_show(ctx: Context, login, as_json) -> None:
    """Affiche le compte LOGIN."""
    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    person["children"] = [c["login"] for c in people.children_of(conn, person["id"])]
    if as_json:
        click.echo(json.dumps(timefmt.json_times(person), ensure_ascii=False, indent=1))
        return
    for key, value in person.items():
        if value not in (None, "", []):
            click.echo(for_terminal(f"{key:<22} {_shown(key, value)}"))


def _shown(key: str, value) -> str:
    """A field of `user show` as a person reads it: codes in words, times in the school's
    zone and French formats."""
    words = {
        "profile": labels.profile_label,
        "state": labels.state_label,
        "function": labels.function_label,
    }
    if key in words:
        return words[key](value)
    if key.endswith("_at"):
        return timefmt.fmt_datetime(value)
    if key.endswith("_on") or key == "birth_date":
        return timefmt.fmt_date(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@user_group.command("passwd")
@common_options
@click.argument("login")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    help="Fichier contenant le nouveau mot de passe ('-' : entrée standard).",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Crée un mot de passe initial (affiché une fois, "
    "à changer à la prochaine connexion) au lieu d'en lire un.",
)
@pass_ctx
def user_passwd(ctx: Context, login, password_file, reset) -> None:
    """Change le mot de passe de LOGIN ; toutes ses sessions sont fermées."""
    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    if reset:
        initial = people.reset_password(conn, person["id"], actor=audit.cli_actor())
        click.echo(f"Mot de passe initial de {person['login']} : {initial}")
    else:
        pw = read_secret(password_file, f"Nouveau mot de passe pour {person['login']}")
        people.set_password(conn, person["id"], pw, actor=audit.cli_actor())
        click.echo(f"Mot de passe de {person['login']} changé ; ses sessions sont fermées.")


@user_group.command("edit")
@common_options
@click.argument("login")
@click.option(
    "--email",
    help="Adresse électronique, utilisée aussitôt pour ses notifications (sans lien de "
    'confirmation : le technicien la donne) ; "" la retire.',
)
@click.option("--first-name", help="Prénom.")
@click.option("--last-name", help="Nom.")
@click.option("--function", help="Fonction (personnel : CPE, direction, secrétariat…).")
@pass_ctx
def user_edit(ctx: Context, login, email, first_name, last_name, function) -> None:
    """Modifie la fiche de LOGIN (seulement les champs donnés)."""
    from appliance.community import notifications
    from appliance.db import transaction

    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    changed = [
        name
        for name, value in (
            ("email", email),
            ("first_name", first_name),
            ("last_name", last_name),
            ("function", function),
        )
        if value is not None
    ]
    if not changed:
        raise CartableError(
            N_("Rien à modifier : donnez --email, --first-name, --last-name ou --function.")
        )
    actor = audit.cli_actor()
    with transaction(conn):
        people.update_names(
            conn,
            person["id"],
            first_name=first_name,
            last_name=last_name,
            email=email,
            function=function,
        )
        if email is not None:
            notifications.set_address(conn, person["id"], email, actor)
        audit.record(
            conn,
            actor,
            "person.edit",
            target=f"person:{person['id']}",
            details={"login": person["login"], "fields": changed},
        )
    click.echo(f"Compte {person['login']} modifié : {', '.join(changed)}.")


def _set_state(ctx: Context, login: str, state: str) -> None:
    conn = ctx.box().conn()
    person = people.get_by_login(conn, login)
    people.set_state(conn, person["id"], state, actor=audit.cli_actor())
    click.echo(f"Compte {person['login']} : {'désactivé' if state == 'disabled' else 'activé'}.")


@user_group.command("disable")
@common_options
@click.argument("login")
@pass_ctx
def user_disable(ctx: Context, login) -> None:
    """Désactive LOGIN : plus de connexion possible, sessions fermées, données gardées."""
    _set_state(ctx, login, "disabled")


@user_group.command("enable")
@common_options
@click.argument("login")
@pass_ctx
def user_enable(ctx: Context, login) -> None:
    """Réactive LOGIN."""
    _set_state(ctx, login, "active")
