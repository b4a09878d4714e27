"""Report cards as a PDF (reportlab): one student a page (two when the appraisals are
long), A4, black and white: the school's name and UAI, the period, the student and their
class, per subject the averages and the appraisal, the overall average, the general
appraisal, the absences. DejaVu fonts when installed (`slips_pdf.fonts`), as the login
slips. A class's cards are one document, one student after the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from appliance import timefmt
from appliance.directory.slips_pdf import fonts
from appliance.schoollife.grades.numbers import shown

MARGIN = 14 * mm
GREY = colors.Color(0.85, 0.85, 0.85)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, _mono = fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=10.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=8.5),
        "bold": ParagraphStyle("bold", parent=base, fontName=bold),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=14, leading=17),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=10, leading=12.5),
        "num": ParagraphStyle("num", parent=base, alignment=1),
        "numbold": ParagraphStyle("numbold", parent=base, fontName=bold, alignment=1),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _absences(a: dict[str, int]) -> str:
    half = a["half_days"]
    text = f"Absences : {half} demi-journée{'s' if half > 1 else ''}"
    if half:
        text += f", dont {a['unjustified']} non justifiée{'s' if a['unjustified'] > 1 else ''}"
    late = a["late"]
    return text + f". Retards : {late}."


def _card(card: dict[str, Any], school: dict[str, Any], year_label: str, st: dict) -> list:
    period, student = card["period"], card["student"]
    the_class = card["class"]
    head = [
        [
            _p(school.get("name") or "Cartable", st["title"]),
            _p(f"UAI {school.get('uai') or ''}", st["base"]),
        ],
        [
            _p(
                f"Bulletin du {period['name']} — année scolaire {year_label}".strip(),
                st["head"],
            ),
            _p(
                f"du {timefmt.fmt_date(period['from'])} au {timefmt.fmt_date(period['to'])}",
                st["base"],
            ),
        ],
    ]
    who = f"{student['first_name']} {student['last_name']}"
    line = f"Classe : {the_class['code']}" if the_class else "Sans classe"
    if card["head_teachers"]:
        line += " — professeur principal : " + ", ".join(card["head_teachers"])
    if period.get("council_date"):
        line += f" — conseil de classe du {timefmt.fmt_date(period['council_date'])}"
    flow: list = [
        Table(head, colWidths=[120 * mm, None], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        Spacer(1, 2 * mm),
        _p(who, st["head"]),
        _p(line, st["base"]),
        Spacer(1, 3 * mm),
    ]
    rows = [
        [
            _p("Matière", st["bold"]),
            _p("Élève", st["numbold"]),
            _p("Classe", st["numbold"]),
            _p("Min", st["numbold"]),
            _p("Max", st["numbold"]),
            _p("Appréciation", st["bold"]),
        ]
    ]
    for s in card["subjects"]:
        subject = [_p(s["name"], st["bold"])]
        if s["teachers"]:
            subject.append(_p(", ".join(s["teachers"]), st["small"]))
        rows.append(
            [
                subject,
                _p(shown(s["average"]), st["numbold"]),
                _p(shown(s["class_average"], empty="—"), st["num"]),
                _p(shown(s["min"], empty="—"), st["num"]),
                _p(shown(s["max"], empty="—"), st["num"]),
                _p(s["appraisal"], st["base"]),
            ]
        )
    mean, low, high = card["class_overall"]
    rows.append(
        [
            _p("Moyenne générale", st["bold"]),
            _p(shown(card["overall"]), st["numbold"]),
            _p(shown(mean, empty="—"), st["num"]),
            _p(shown(low, empty="—"), st["num"]),
            _p(shown(high, empty="—"), st["num"]),
            "",
        ]
    )
    table = Table(
        rows,
        colWidths=[40 * mm, 16 * mm, 16 * mm, 15 * mm, 15 * mm, None],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), GREY),
                ("BACKGROUND", (0, -1), (-1, -1), GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    flow.append(table)
    flow.append(Spacer(1, 4 * mm))
    general = Table(
        [
            [_p("Appréciation générale du professeur principal", st["bold"])],
            [_p(card["general_appraisal"] or "—", st["base"])],
        ],
        colWidths=[None],
        style=[
            ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
            ("LINEBELOW", (0, 0), (-1, 0), 0.4, colors.black),
        ],
    )
    flow.append(
        KeepTogether([general, Spacer(1, 3 * mm), _p(_absences(card["absences"]), st["base"])])
    )
    return flow


def render(cards: list[dict[str, Any]], *, school: dict[str, Any], year_label: str) -> bytes:
    """The PDF bytes of these report cards (from `report_cards.report_card`), in order."""
    st = _styles()
    buf = BytesIO()
    made = timefmt.fmt_datetime(datetime.now(UTC))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(st["small"].fontName, 7)
        canvas.drawString(MARGIN, 8 * mm, f"Édité le {made} — Cartable")
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title="Bulletins",
        author=school.get("name") or "Cartable",
    )
    flow: list = []
    for n, card in enumerate(cards):
        if n:
            flow.append(PageBreak())
        flow += _card(card, school, year_label, st)
    if not cards:
        flow.append(_p("Aucun bulletin.", st["base"]))
    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
