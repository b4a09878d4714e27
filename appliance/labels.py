"""Codes shown in words: audit actions and outcomes, STS-Web functions, import file kinds,
profiles and account states.

The database, the JSON outputs and the URLs keep the codes; pages and the CLI's plain
output show these words. Each label is a French msgid marked with `N_()`: the web UI
passes its `gettext` to translate it, the CLI (French) shows it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from appliance.directory.people import PROFILE_LABELS, STATE_LABELS
from appliance.i18n import N_

Gettext = Callable[[str], str]

# Every action the code writes to the audit log (tests/unit/test_labels.py reads the
# source and fails when one has no label here).
AUDIT_ACTIONS = {
    "init": N_("Installation de la box"),
    "login": N_("Connexion"),
    "login.failed": N_("Connexion refusée"),
    "login.throttled": N_("Connexion bloquée (trop d'essais)"),
    "login.disabled": N_("Connexion d'un compte désactivé"),
    "login.totp_failed": N_("Code de double authentification faux"),
    "logout": N_("Déconnexion"),
    "account.password_change": N_("Changement de son mot de passe"),
    "account.totp_enable": N_("Activation de la double authentification"),
    "account.totp_disable": N_("Désactivation de la double authentification"),
    "account.proof": N_("Preuve d'identité demandée (mot de passe ou code)"),
    "account.recovery_codes": N_("Nouveaux codes de secours"),
    "login.recovery_code": N_("Connexion avec un code de secours"),
    "token.create": N_("Création d'un jeton d'accès à l'API"),
    "token.revoke": N_("Révocation d'un jeton d'accès à l'API"),
    "token.refused": N_("Jeton d'accès à l'API refusé"),
    "token.throttled": N_("Jeton d'accès à l'API bloqué (trop d'essais)"),
    "audit.purge": N_("Purge des anciennes entrées du journal"),
    "job.enqueue": N_("Tâche mise en file d'attente"),
    "job.cancel": N_("Tâche annulée"),
    "person.create": N_("Création d'un compte"),
    "person.password_reset": N_("Nouveau mot de passe donné"),
    "person.disable": N_("Désactivation d'un compte"),
    "person.enable": N_("Réactivation d'un compte"),
    "person.totp_reset": N_("Double authentification remise à zéro"),
    "person.data_export": N_("Export des données d'une personne"),
    "person.edit": N_("Fiche d'un compte modifiée"),
    "settings.school": N_("Réglages de l'établissement"),
    "directory.import_upload": N_("Fichiers d'import envoyés"),
    "directory.import_apply": N_("Application d'un import"),
    "directory.import_cancel": N_("Import abandonné"),
    "directory.import": N_("Import de l'annuaire"),
    "directory.lifecycle": N_("Cycle de vie des comptes (départs, désactivations)"),
    "directory.purge": N_("Suppression des données d'une personne partie"),
    "directory.credentials": N_("Fiches de connexion imprimées"),
    "directory.credentials_download": N_("Fiches de connexion téléchargées"),
    "schoollife.year_set": N_("Année scolaire réglée"),
    "schoollife.timetable_upload": N_("Fichier d'emploi du temps envoyé"),
    "schoollife.timetable_import": N_("Import de l'emploi du temps"),
    "schoollife.timetable_cancel": N_("Import de l'emploi du temps abandonné"),
    "attendance.roll": N_("Appel d'un cours"),
    "attendance.justify": N_("Absence réglée par la vie scolaire"),
    "attendance.excuse_send": N_("Justificatif d'absence envoyé"),
    "attendance.excuse_accept": N_("Justificatif d'absence accepté"),
    "attendance.excuse_refuse": N_("Justificatif d'absence refusé"),
    "attendance.reason_create": N_("Motif d'absence ajouté"),
    "attendance.reason_update": N_("Motif d'absence modifié"),
    "attendance.planned_create": N_("Absence prévue enregistrée"),
    "attendance.planned_delete": N_("Absence prévue supprimée"),
    "attendance.alerts_check": N_("Signalements d'absentéisme du mois vérifiés"),
    # Devoirs à rendre (#14).
    "assignments.create": N_("Devoir à rendre donné"),
    "assignments.delete": N_("Devoir à rendre supprimé"),
    "assignments.hand_in": N_("Devoir rendu"),
    "assignments.extend": N_("Délai d'un devoir prolongé pour un élève"),
    "assignments.give_back": N_("Devoir corrigé rendu à l'élève"),
    "diary.visa": N_("Visa du cahier de textes"),
    "diary.content_delete": N_("Contenu d'un cours effacé du cahier de textes"),
    "diary.homework_delete": N_("Travail à faire supprimé"),
    "diary.attachment_delete": N_("Pièce jointe d'un travail supprimée"),
    "grades.periods_set": N_("Périodes de l'année réglées"),
    "grades.period_edit": N_("Fin de saisie ou conseil de classe d'une période changé"),
    "grades.period_lock": N_("Période verrouillée"),
    "grades.period_unlock": N_("Période déverrouillée"),
    "grades.assessment_create": N_("Évaluation créée"),
    "grades.assessment_edit": N_("Évaluation modifiée"),
    "grades.assessment_delete": N_("Évaluation supprimée"),
    "grades.marks_set": N_("Notes saisies"),
    "grades.appraisal_set": N_("Appréciation d'une matière écrite"),
    "grades.general_appraisal_set": N_("Appréciation générale écrite"),
    "grades.report_card_pdf": N_("Bulletin imprimé"),
    "grades.report_cards_pdf": N_("Bulletins d'une classe imprimés"),
    "schoollife.lesson_cancel": N_("Cours annulé"),
    "schoollife.lesson_move": N_("Cours déplacé"),
    "schoollife.lesson_replace": N_("Professeur remplacé"),
    "schoollife.lesson_add": N_("Cours ajouté"),
    "schoollife.lesson_restore": N_("Cours rétabli comme prévu"),
    "schoollife.ical_create": N_("Adresse d'agenda (iCal) créée"),
    "schoollife.ical_revoke": N_("Adresse d'agenda (iCal) arrêtée"),
    "agenda.school_create": N_("Événement ajouté au calendrier de l'établissement"),
    "agenda.school_update": N_("Événement du calendrier de l'établissement modifié"),
    "agenda.school_delete": N_("Événement du calendrier de l'établissement supprimé"),
    "health.silence": N_("Alerte mise en sourdine"),
    "health.unsilence": N_("Sourdine d'alerte levée"),
    "health.bundle": N_("Dossier de diagnostic téléchargé"),
    "backup.init": N_("Dépôt de sauvegarde créé"),
    "backup.trust_host": N_("Serveur de sauvegarde approuvé"),
    "backup.run": N_("Sauvegarde"),
    "backup.check": N_("Contrôle du dépôt de sauvegarde"),
    "backup.verify_data": N_("Vérification des données sauvegardées"),
    "backup.drill": N_("Exercice de restauration"),
    "backup.browse": N_("Consultation d'une sauvegarde"),
    "backup.key_sheet": N_("Fiche de clé de sauvegarde imprimée"),
    "backup.key_sheet_confirm": N_("Fiche de clé de sauvegarde rangée"),
    "backup.break_lock": N_("Verrou de sauvegarde levé"),
    "backup.accept": N_("Changement de dépôt de sauvegarde accepté"),
    "backup.restore_files": N_("Restauration de fichiers"),
    "backup.restore_school": N_("Restauration de l'établissement"),
    "backup.restore_full": N_("Reconstruction du serveur"),
    "comm_rules.set": N_("Règle de communication changée"),
    "message.send": N_("Message envoyé"),
    # Documents (#14)
    "files.upload": N_("Document déposé"),
    "files.folder_create": N_("Dossier créé"),
    "files.rename": N_("Document renommé"),
    "files.move": N_("Document déplacé"),
    "files.trash": N_("Document mis à la corbeille"),
    "files.restore": N_("Document restauré"),
    "files.purge": N_("Document supprimé définitivement"),
    "files.share": N_("Document partagé"),
    "files.unshare": N_("Partage d'un document retiré"),
    "files.parents_read": N_("Dossier de classe ouvert ou fermé aux parents"),
    "message.recall": N_("Message rappelé"),
    "notifications.settings": N_("Réglages des notifications par courriel"),
    "notifications.email_request": N_("Adresse de courriel saisie (à confirmer)"),
    "notifications.email_confirm": N_("Adresse de courriel confirmée"),
    "notifications.email_set": N_("Adresse de courriel fixée"),
    "notifications.email_clear": N_("Adresse de courriel retirée"),
    "news.create": N_("Actualité écrite"),
    "news.update": N_("Actualité modifiée"),
    "news.delete": N_("Actualité supprimée"),
    "news.publish": N_("Actualité publiée"),
    "news.unpublish": N_("Actualité retirée"),
    "news.publisher_grant": N_("Droit de publier des actualités donné"),
    "news.publisher_revoke": N_("Droit de publier des actualités retiré"),
    "forums.open": N_("Forum ouvert"),
    "forums.lock": N_("Sujet de forum verrouillé"),
    "forums.unlock": N_("Sujet de forum déverrouillé"),
    "forums.hide": N_("Message de forum masqué"),
    "forums.unhide": N_("Message de forum rétabli"),
}

AUDIT_OUTCOMES = {
    "ok": N_("réussi"),
    "warning": N_("réussi, avec une remarque"),
    "failed": N_("échoué"),
    "refused": N_("refusé"),
    "error": N_("erreur"),
}

# STS-Web `FONCTION` codes (docs/import-formats.md § 3.3), plus the words the CSV template
# carries for the same roles. ENS makes a teacher; every other one a member of staff.
FUNCTIONS = {
    "ENS": N_("Enseignant"),
    "DIR": N_("Direction"),
    "EDU": N_("Conseiller principal d'éducation"),
    "CPE": N_("Conseiller principal d'éducation"),
    "DOC": N_("Professeur documentaliste"),
    "AED": N_("Assistant d'éducation"),
    "SUR": N_("Surveillance"),
    "ORI": N_("Conseiller d'orientation"),
    "MDS": N_("Médico-social"),
    "ADF": N_("Administration et finances"),
    "ADM": N_("Administration"),
    "SEC": N_("Secrétariat"),
    "LAB": N_("Laboratoire"),
    "OUV": N_("Agent technique"),
}

# Import file kinds (appliance/directory/imports/detect.py).
IMPORT_KINDS = {
    "siecle_eleves": N_("SIECLE élèves"),
    "siecle_responsables": N_("SIECLE responsables"),
    "sts": N_("STS-Web (emploi du temps)"),
    "csv": N_("CSV Cartable"),
    "edt": N_("export du logiciel d'emploi du temps"),
}

STRUCTURE_KINDS = {"class": N_("Classe"), "group": N_("Groupe")}

# A lesson's status (appliance/schoollife/changes.py): the words that mark a change, never
# a colour alone.
LESSON_STATUSES = {
    "planned": N_("Prévu"),
    "cancelled": N_("Annulé"),
    "moved": N_("Déplacé"),
    "replaced": N_("Remplacé"),
    "added": N_("Ajouté"),
}

# Jobs and outcomes of the backup history (backup/jobs.py).
BACKUP_JOBS = {
    "backup": N_("Sauvegarde"),
    "backup-before-restore": N_("Sauvegarde de l'état avant restauration"),
    "check": N_("Contrôle du dépôt"),
    "verify-data": N_("Vérification des données"),
    "drill": N_("Exercice de restauration"),
    "restore-paths": N_("Restauration de fichiers"),
    "restore-school": N_("Restauration de l'établissement"),
    "restore-full": N_("Reconstruction du serveur"),
}
BACKUP_OUTCOMES = {
    "ok": N_("Réussi"),
    "warning": N_("Réussi, avec une remarque"),
    "error": N_("Échec"),
    "skipped": N_("Sauté"),
}

_CODE = re.compile(r"^[A-Z0-9]{2,6}$")


def _same(text: str) -> str:
    return text


def _word(table: dict[str, str], code: str | None, gettext: Gettext) -> str:
    if not code:
        return ""
    label = table.get(code)
    return gettext(label) if label else code


def action_label(action: str | None, gettext: Gettext = _same) -> str:
    """The audit action in words (« Connexion refusée »); an unknown one as its code."""
    return _word(AUDIT_ACTIONS, action, gettext)


def outcome_label(outcome: str | None, gettext: Gettext = _same) -> str:
    """An audit outcome in words (« refusé »); an unknown one as its code."""
    return _word(AUDIT_OUTCOMES, outcome, gettext)


def function_label(function: str | None, gettext: Gettext = _same) -> str:
    """A staff function in words: a known STS code as its name (« Direction »), an
    unknown code as « Fonction XYZ », free text from a CSV as it was written."""
    if not function:
        return ""
    label = FUNCTIONS.get(function.strip().upper())
    if label:
        return gettext(label)
    if _CODE.match(function.strip()):
        return gettext(N_("Fonction %(code)s")) % {"code": function.strip()}
    return function


def import_kind_label(kind: str | None, gettext: Gettext = _same) -> str:
    """An import file's kind in words (« SIECLE élèves »)."""
    return _word(IMPORT_KINDS, kind, gettext)


def profile_label(profile: str | None, gettext: Gettext = _same) -> str:
    """A profile in words (« Élève »)."""
    return _word(PROFILE_LABELS, profile, gettext)


def state_label(state: str | None, gettext: Gettext = _same) -> str:
    """An account state in words (« actif »)."""
    return _word(STATE_LABELS, state, gettext)


def backup_job_label(job: str | None, gettext: Gettext = _same) -> str:
    """A job of the backup history in words (« Exercice de restauration »)."""
    return _word(BACKUP_JOBS, job, gettext)


def backup_outcome_label(outcome: str | None, gettext: Gettext = _same) -> str:
    """The outcome of a backup job in words (« Réussi »)."""
    return _word(BACKUP_OUTCOMES, outcome, gettext)


def structure_kind_label(kind: str | None, gettext: Gettext = _same) -> str:
    """« Classe » or « Groupe »."""
    return _word(STRUCTURE_KINDS, kind, gettext)


def lesson_status_label(status: str | None, gettext: Gettext = _same) -> str:
    """A lesson's status in words (« Annulé »)."""
    return _word(LESSON_STATUSES, status, gettext)
