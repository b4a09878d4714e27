"""The key sheet: a PDF to print and keep in the school safe.

It holds what a technician needs to rebuild a dead server from a repository: the
repository's location and id, the passphrase, the exported key (`borg key export
--paper`, for when the repository's own copy of the key is damaged) and the restore
procedure. DejaVu fonts are embedded when installed (accents, and 0/O 1/l are easy to
tell apart in DejaVu Sans Mono); otherwise the built-in Helvetica/Courier are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from backup.fsutil import atomic_write
from backup.passphrase import Secret

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class KeySheet:
    """What goes on the sheet; `restore_command` is the exact command to type."""

    school_name: str
    label: str
    location: str
    repo_id: str
    paper_key: str
    passphrase: Secret
    created: datetime
    restore_command: str


def restore_command(location: str, label: str, data_dir: str = "/var/lib/cartable") -> str:
    """The disaster-restore command printed on the sheet."""
    return (
        f"cartable restore --repo {location} --archive latest --data-dir {data_dir} "
        f"--passphrase-file /root/phrase-{label}.txt"
    )


def _fonts(font_dir: Path) -> tuple[str, str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSansMono": "DejaVuSansMono.ttf",
    }
    if all((font_dir / f).is_file() for f in files.values()):
        for name, f in files.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(font_dir / f)))
        return "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
    return "Helvetica", "Helvetica-Bold", "Courier"


def _steps(sheet: KeySheet) -> list[str]:
    return [
        "Installez Debian puis Cartable sur le nouveau serveur (voir le README).",
        "Pour un dépôt hors site : donnez la clé publique SSH du nouveau serveur à "
        "l'hébergeur, puis confirmez l'empreinte de la clé du serveur distant. Pour un disque "
        "amovible : branchez-le.",
        f"Recopiez la phrase de passe ci-dessus dans /root/phrase-{escape(sheet.label)}.txt "
        "(une seule ligne) puis : chmod 600 /root/phrase-" + escape(sheet.label) + ".txt",
        "Lancez, en root : <font name='{mono}'>" + escape(sheet.restore_command) + "</font>",
        "La commande dit étape par étape ce qu'elle fait (extraction, bases, sommes de "
        "contrôle) ; si une étape échoue, elle dit laquelle et pourquoi.",
        "Démarrez le service, vérifiez le portail, puis recréez ce dépôt sur le nouveau "
        "serveur : cartable backup init --label "
        + escape(sheet.label)
        + " --repo "
        + escape(sheet.location)
        + " --passphrase-file /root/phrase-"
        + escape(sheet.label)
        + ".txt, et détruisez le fichier de phrase de passe.",
        "Seulement si borg dit que la clé du dépôt manque ou est abîmée : borg key import "
        "--paper DÉPÔT, puis tapez les lignes de la clé exportée ci-dessous.",
    ]


def render_key_sheet(sheet: KeySheet, dest: Path, *, font_dir: Path = DEJAVU_DIR) -> Path:
    """Write the key sheet PDF to `dest` (atomically, mode 0600); returns `dest`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, Paragraph, Preformatted, SimpleDocTemplate, Spacer

    regular, bold, mono = _fonts(font_dir)
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6)
    head = ParagraphStyle("head", fontName=bold, fontSize=12, leading=15, spaceBefore=8)
    code = ParagraphStyle("code", fontName=mono, fontSize=8.5, leading=10.5)
    secret = ParagraphStyle("secret", fontName=mono, fontSize=15, leading=20)
    when = sheet.created.strftime("%d/%m/%Y %H:%M")
    story = [
        Paragraph(f"Fiche de clé de sauvegarde — {escape(sheet.school_name)}", title),
        Paragraph(
            "À imprimer et à ranger au coffre de l'établissement. Toute personne qui a cette "
            "fiche et accès au dépôt peut lire les sauvegardes : ne la photographiez pas, ne "
            "l'envoyez pas par courriel.",
            body,
        ),
        Paragraph("Dépôt", head),
        Paragraph(f"Étiquette : <b>{escape(sheet.label)}</b>", body),
        Paragraph(f"Emplacement : {escape(sheet.location)}", body),
        Paragraph(f"Identifiant du dépôt : {escape(sheet.repo_id)}", body),
        Paragraph(f"Fiche créée le {when}", body),
        Paragraph("Phrase de passe", head),
        Paragraph(escape(sheet.passphrase.reveal()), secret),
        Paragraph(
            "Les caractères utilisés excluent 0, o, 1, l et i pour éviter les confusions.", body
        ),
        Paragraph("Restaurer sur un nouveau serveur", head),
        ListFlowable(
            [Paragraph(s.replace("{mono}", mono), body) for s in _steps(sheet)],
            bulletType="1",
            bulletFontName=regular,
        ),
        Paragraph("Clé exportée (borg key export --paper)", head),
        Spacer(1, 2 * mm),
        Preformatted(sheet.paper_key.strip(), code),
    ]
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Fiche de clé — {sheet.label}",
        author="Cartable",
    )
    doc.build(story)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(dest, buf.getvalue(), mode=0o600)
