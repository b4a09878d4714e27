"""The credentials PDF: A4 pages of ten slips to cut out, one section per page run.

Each section (students of a class, parents of a class, teachers, staff, guests) starts on
a new page whose header names it, so a teacher can be handed exactly their class. DejaVu
fonts are used when installed (every accented letter, œ included), else Helvetica.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from appliance import timefmt

if TYPE_CHECKING:
    from appliance.directory.credentials import Slip

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
COLUMNS, ROWS = 2, 5
MARGIN = 12 * mm
HEADER = 14 * mm


def fonts() -> tuple[str, str, str]:
    """(regular, bold, monospace) font names, registering DejaVu if it is installed."""
    files = {
        "Cartable-Regular": "DejaVuSans.ttf",
        "Cartable-Bold": "DejaVuSans-Bold.ttf",
        "Cartable-Mono": "DejaVuSansMono.ttf",
    }
    if all((DEJAVU_DIR / f).is_file() for f in files.values()):
        for name, filename in files.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / filename)))
        return "Cartable-Regular", "Cartable-Bold", "Cartable-Mono"
    return "Helvetica", "Helvetica-Bold", "Courier"


def render_pdf(slips: list[Slip], *, portal_url: str, school_name: str = "") -> bytes:
    """The PDF bytes for these slips (already sorted), ten per A4 page."""
    regular, bold, mono = fonts()
    buf = BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle("Fiches de connexion")
    pdf.setAuthor(school_name or "Cartable")
    width, height = A4
    slip_w = (width - 2 * MARGIN) / COLUMNS
    slip_h = (height - 2 * MARGIN - HEADER) / ROWS
    section, index, page = None, 0, 0
    for slip in slips:
        if slip.section != section or index == COLUMNS * ROWS:
            if page:
                pdf.showPage()
            page += 1
            section, index = slip.section, 0
            title = " — ".join(p for p in slip.section if p)
            pdf.setFont(bold, 13)
            pdf.drawString(MARGIN, height - MARGIN - 6 * mm, f"Fiches de connexion — {title}")
            pdf.setFont(regular, 8)
            pdf.drawRightString(
                width - MARGIN,
                height - MARGIN - 6 * mm,
                f"{school_name}  {timefmt.fmt_date(datetime.now(UTC))}  page {page}".strip(),
            )
        col, row = index % COLUMNS, index // COLUMNS
        x = MARGIN + col * slip_w
        y = height - MARGIN - HEADER - (row + 1) * slip_h
        _slip(pdf, slip, x, y, slip_w, slip_h, portal_url, (regular, bold, mono))
        index += 1
    if not slips:
        pdf.setFont(regular, 12)
        pdf.drawString(MARGIN, height - MARGIN - 10 * mm, "Aucune fiche.")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _fit(pdf: canvas.Canvas, text: str, font: str, size: float, max_width: float) -> float:
    """The largest font size ≤ size at which `text` fits in max_width."""
    while size > 6 and pdf.stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size


def _slip(
    pdf: canvas.Canvas,
    slip: Slip,
    x: float,
    y: float,
    w: float,
    h: float,
    portal_url: str,
    fonts_: tuple[str, str, str],
) -> None:
    regular, bold, mono = fonts_
    pdf.saveState()
    pdf.setDash(3, 3)
    pdf.setLineWidth(0.4)
    pdf.rect(x, y, w, h)
    pdf.restoreState()
    pad = 5 * mm
    inner = w - 2 * pad
    top = y + h - pad - 3 * mm
    name = f"{slip.first_name} {slip.last_name}"
    pdf.setFont(bold, _fit(pdf, name, bold, 12, inner))
    pdf.drawString(x + pad, top, name)
    pdf.setFont(regular, _fit(pdf, slip.detail, regular, 9, inner))
    pdf.drawString(x + pad, top - 5.5 * mm, slip.detail)
    lines = [
        ("Adresse du portail", portal_url, regular, 9),
        ("Identifiant", slip.login, mono, 12),
        ("Mot de passe provisoire", slip.password, mono, 12),
    ]
    cursor = top - 12 * mm
    for label, value, font, size in lines:
        pdf.setFont(regular, 7.5)
        pdf.drawString(x + pad, cursor, label)
        pdf.setFont(font, _fit(pdf, value, font, size, inner))
        pdf.drawString(x + pad, cursor - 4.8 * mm, value)
        cursor -= 9 * mm
    notice = "Mot de passe à changer à la première connexion. Fiche personnelle."
    pdf.setFont(regular, _fit(pdf, notice, regular, 7, inner))
    pdf.drawString(x + pad, y + pad - 1 * mm, notice)
