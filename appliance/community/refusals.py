"""The refusals of the communication rules: the error that names the rule (and the list)
a recipient was refused by. Raised by `rules.check` and `recipients.check_list`; the API
answers it 403 `communication_rule`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from appliance.community.words import SCOPE_LABELS, WORDS
from appliance.errors import PolicyDenied
from appliance.i18n import N_, Label
from backup.errors import Phrase

Rules = dict[tuple[str, str], str | None]


class Refused(PolicyDenied):
    """A recipient the communication rules do not allow (HTTP 403, nothing is sent);
    `refused` lists them ({"id", "login", "profile"})."""

    code = "communication_rule"
    http_status = 403
    refused: list[dict[str, Any]] = []


def _naming(error: Refused, refused: Sequence[Mapping[str, Any]]) -> Refused:
    error.field = "to"
    error.refused = [
        {"id": p["id"], "login": p.get("login"), "profile": p.get("profile")} for p in refused
    ]
    return error


def name_of(person: Mapping[str, Any]) -> str:
    return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip() or str(
        person.get("login", "?")
    )


def refusal(
    writer: Mapping[str, Any],
    refused: Sequence[Mapping[str, Any]],
    rules: Rules,
    *,
    name: str | None = None,
) -> Refused:
    """The error naming the rule that refuses the first of `refused` (and how many);
    `name` replaces the person's (a list refused because of one of its members)."""
    first = refused[0]
    if name is None:
        name = name_of(first)
        if len(refused) > 1:
            name = Phrase(N_("%(name)s et %(others)s autre(s)"), name=name, others=len(refused) - 1)
    if first.get("id") == writer.get("id"):
        return _naming(
            Refused(N_("On ne peut pas s'écrire à soi-même : rien n'a été envoyé.")), refused
        )
    if first.get("state") == "disabled":
        return _naming(
            Refused(
                N_("Le compte de %(name)s est désactivé : rien n'a été envoyé à personne."),
                name=name,
            ),
            refused,
        )
    to_profile = str(first.get("profile", ""))
    scope = rules.get((writer["profile"], to_profile))
    words = {
        "sender": Label(WORDS.get(writer["profile"], writer["profile"])),
        "recipient": Label(WORDS.get(to_profile, to_profile)),
        "name": name,
    }
    if scope is None:
        return _naming(
            Refused(
                N_(
                    "Message non envoyé : la règle de communication « %(sender)s → "
                    "%(recipient)s » interdit d'écrire à %(name)s. Rien n'a été envoyé à "
                    "personne."
                ),
                sender=words["sender"],
                recipient=words["recipient"],
                name=name,
            ),
            refused,
        )
    return _naming(
        Refused(
            N_(
                "Message non envoyé : la règle de communication « %(sender)s → "
                "%(recipient)s » ne permet d'écrire qu'à ce cercle : %(scope)s ; %(name)s "
                "n'en fait pas partie. Rien n'a été envoyé à personne."
            ),
            sender=words["sender"],
            recipient=words["recipient"],
            name=name,
            scope=Label(SCOPE_LABELS[scope]),
        ),
        refused,
    )


def whole_list_refusal(
    writer: Mapping[str, Any], member: Mapping[str, Any], name: str, rules: Rules
) -> Refused:
    """The error for a list of everyone of a profile the writer may not use."""
    to_profile = str(member.get("profile", ""))
    error = Refused(
        N_(
            "Message non envoyé : la liste « %(name)s » est réservée à ceux que la règle "
            "« %(sender)s → %(recipient)s » laisse écrire à tout l'établissement (personnels "
            "et enseignants). Rien n'a été envoyé à personne."
        ),
        name=name,
        sender=Label(WORDS.get(writer["profile"], writer["profile"])),
        recipient=Label(WORDS.get(to_profile, to_profile)),
    )
    return _naming(error, [member])
