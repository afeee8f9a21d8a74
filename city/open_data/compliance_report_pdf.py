"""The yearly Open Data Compliance Report as the PDF kept and submitted to the City Manager (002, Sacramento: "Annually,
the Records Manager shall submit to the City Manager an annual Open Data Compliance Report").

Laid out as the letters are (web/letter_pdf.py: fpdf2's built-in Helvetica, text spelled in Latin-1, page numbers
at the foot): the title and the year, who prepared it and for whom, the year's figures in words, the table of each
department's data sets and the table of its plan (timelines met and missed, justified exclusions), the Records
Manager's summary and comments on the state of open data, the per-department timelines, plans and review processes,
and the Open Data Advisory Group's comments.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from city.rules.latin_1 import latin_1

FONT = "Helvetica"
GREY = (90, 90, 90)
LINE_HEIGHT = 5.0
# (key of a department's row, heading, relative width) of the report's table.
COLUMNS = (("department", "Department", 22), ("published", "On the portal", 10),
           ("published_in_year", "New in the year", 10), ("reviews_approved", "Reviews approved", 10),
           ("reviews_not_approved", "Not approved", 10), ("reviews_pending", "Reviews pending", 10),
           ("takedowns_corrected", "Corrected", 9), ("takedowns_removed", "Removed", 9))
PLAN_COLUMNS = (("department", "Department", 22), ("timelines_met", "Timelines met", 10),
                ("timelines_met_late", "Met late", 10), ("timelines_late_open", "Missed, still open", 10),
                ("timelines_upcoming", "Still due", 10), ("could_publish", "Could be published, not yet", 12),
                ("exclusions", "Justified exclusions", 12))
SECTIONS = (("state_of_open_data", "The state of open data and data set availability"),
            ("department_plans", "Timelines, implementation plans and review processes, department by department"),
            ("liaison_comments", "Comments of the departments' Open Data Coordinators"),
            ("it_comments", "Comments of the IT Open Data Coordinator"))


class _ReportPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, latin_1(f"{self.title} - page {self.page_no()} of {{nb}}"), align="C")
        self.set_text_color(0, 0, 0)


def render_compliance_report_pdf(report: Mapping[str, Any], *, compress: bool = True) -> bytes:
    """The report as a PDF. `report` holds the process's values: report_period, figures_in_words, department_figures
    and department_timelines (rows), state_of_open_data, department_plans, liaison_comments, it_comments, prepared_by, finalised_on.
    `compress=False` leaves the page text readable in the file (for tests)."""
    title = f"Open Data Compliance Report {report.get('report_period') or ''}".strip()
    pdf = _ReportPdf(orientation="landscape", format="Letter", unit="mm")
    pdf.set_compression(compress)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(latin_1(title))
    pdf.set_author(latin_1(str(report.get("prepared_by") or "Records Manager")))
    pdf.set_creator("Clerkflow")
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, latin_1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, LINE_HEIGHT, latin_1(
        f"Submitted to the City Manager by the Records Manager, {report.get('prepared_by') or ''}, "
        f"on {report.get('finalised_on') or ''}, prepared with the assistance of the Open Data Advisory Group."),
        new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    _paragraph(pdf, str(report.get("figures_in_words") or ""))
    rows = [row for row in report.get("department_figures") or [] if isinstance(row, Mapping)]
    _heading(pdf, "Each department's data sets")
    _table(pdf, COLUMNS, rows)
    titles = [(row.get("department"), row.get("published_titles")) for row in rows if row.get("published")]
    if titles:
        _heading(pdf, "Data sets on the portal")
        for department, listed in titles:
            _paragraph(pdf, f"{department}: {listed}")
    timelines = [row for row in report.get("department_timelines") or [] if isinstance(row, Mapping)]
    if timelines:
        _heading(pdf, "The liaisons' plan: publishing timelines and justified exclusions")
        _table(pdf, PLAN_COLUMNS, timelines)
    for key, heading in SECTIONS:
        if str(report.get(key) or "").strip():
            _heading(pdf, heading)
            _paragraph(pdf, str(report[key]))
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, latin_1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)


def _paragraph(pdf: FPDF, text: str) -> None:
    for block in latin_1(text).replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            pdf.multi_cell(0, LINE_HEIGHT, block.strip(), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)


def _table(pdf: FPDF, columns: tuple[tuple[str, str, int], ...], rows: list[Mapping[str, Any]]) -> None:
    if not rows:
        _paragraph(pdf, "No department had a data set, a review or a takedown in the year.")
        return
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=tuple(width for _, _, width in columns), text_align="LEFT", line_height=LINE_HEIGHT,
                   headings_style=FontFace(emphasis="BOLD")) as table:
        table.row([heading for _, heading, _ in columns])
        for row in rows:
            table.row([latin_1(str(row.get(key, ""))) for key, _, _ in columns])
    pdf.set_font(FONT, "", 10)
    pdf.ln(2)
