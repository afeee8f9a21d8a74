"""A letter as PDF: what a requester prints or files, and what staff attach (issue 5, "Letters and mail").

The letter is the `{letter, subject, text}` the process kept from the city's letter templates
(city/rules/letters.py); this module only lays it out: the letterhead (the city's name and
address from the city's "letterhead" template, and the office), the date, the request's tracking number, the subject, the text paragraph by paragraph,
and "Page n of m" at the foot of every page. It uses fpdf2 with its built-in Helvetica, so
installing Clerkflow needs no system libraries and no font files; the text is spelled in the
Latin-1 those fonts know (`city.rules.latin_1`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fpdf import FPDF

from city.defaults import DEFAULT_LETTERS
from city.rules.latin_1 import latin_1
from city.rules.letters import LETTERHEAD, letterhead_values
from web.current import city_data

FONT = "Helvetica"
GREY = (90, 90, 90)
LINE_HEIGHT = 5.5            # mm, for 11-point text


@dataclass(frozen=True)
class Letterhead:
    """Who the letter is from: the city, the office that sends it, and its postal address."""

    city: str = ""
    office: str = ""
    address_lines: tuple[str, ...] = ()


class _LetterPdf(FPDF):
    def __init__(self, letterhead: Letterhead):
        super().__init__(format="Letter", unit="mm")
        self.letterhead = letterhead
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(auto=True, margin=22)

    def header(self) -> None:
        head = self.letterhead
        if head.city:
            self.set_font(FONT, "B", 15)
            self.cell(0, 7, latin_1(head.city), new_x="LMARGIN", new_y="NEXT")
        if head.office:
            self.set_font(FONT, "B" if not head.city else "", 12 if not head.city else 11)
            self.cell(0, 6, latin_1(head.office), new_x="LMARGIN", new_y="NEXT")
        if head.address_lines:
            self.set_font(FONT, "", 9)
            self.set_text_color(*GREY)
            for line in head.address_lines:
                self.cell(0, 4.5, latin_1(line), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
        if head.city or head.office or head.address_lines:
            self.ln(2)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render_letter_pdf(letter: Mapping[str, Any], *, letterhead: Letterhead = Letterhead(),
                      dated: date | None = None, reference: str | None = None, compress: bool = True) -> bytes:
    """The letter as a PDF document. `letter` is the kept `{letter, subject, text}`; `dated` is the day it
    was sent (city time), `reference` the request's tracking number. `compress=False` leaves the page text
    readable in the file (for tests)."""
    subject = latin_1(str(letter.get("subject") or ""))
    text = latin_1(str(letter.get("text") or "")).replace("\r\n", "\n").replace("\r", "\n")
    pdf = _LetterPdf(letterhead)
    pdf.set_compression(compress)
    pdf.set_title(subject or "Letter")
    pdf.set_author(latin_1(letterhead.office or letterhead.city or "Clerkflow"))
    pdf.set_creator("Clerkflow")
    pdf.add_page()
    pdf.set_font(FONT, "", 11)
    if dated is not None:
        pdf.cell(0, LINE_HEIGHT, f"{dated:%B} {dated.day}, {dated.year}", new_x="LMARGIN", new_y="NEXT")
    if reference:
        pdf.cell(0, LINE_HEIGHT, latin_1(f"Request {reference}"), new_x="LMARGIN", new_y="NEXT")
    if dated is not None or reference:
        pdf.ln(LINE_HEIGHT)
    if subject:
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, LINE_HEIGHT, subject, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 11)
        pdf.ln(LINE_HEIGHT / 2)
    for paragraph in _paragraphs(text):
        pdf.multi_cell(0, LINE_HEIGHT, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(LINE_HEIGHT / 2)
    return bytes(pdf.output())


def _paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; single line breaks (an address, a signature) stay."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def file_name(reference: str | None, number: int, letter_name: str) -> str:
    """A download name that is safe in a Content-Disposition header: "R-2026-00001-01-acknowledgement.pdf"."""
    safe = "".join(character if character.isalnum() or character in "-_" else "-"
                   for character in f"{reference or 'letter'}-{number:02d}-{letter_name or 'letter'}")
    return f"{safe[:120]}.pdf"


def letterhead_from(config: Mapping[str, Any], office: str | None,
                    letter_templates: Mapping[str, Mapping[str, str]] | None = None) -> Letterhead:
    """The letterhead: the city's name and postal address the administrator sets (the "letterhead" among the
    letter templates, Settings > Letter templates: the same words `letters.render` signs every letter with),
    and the office that holds the request (the City Clerk's when unknown).

    `letter_templates` is the city data's (the app's city data when not given). While the letterhead still
    holds its bracketed default, the app's settings CLERKFLOW_LETTERHEAD_CITY and CLERKFLOW_LETTERHEAD_ADDRESS
    (lines split at ";" or a line break), where an installation set them, stand in."""
    if letter_templates is None:
        letter_templates = city_data()().get("letter_templates", {})
    city = letterhead_values(letter_templates)
    default_name, default_address = DEFAULT_LETTERS[LETTERHEAD]
    if config.get("LETTERHEAD_CITY") and city.get("city_name", default_name) == default_name:
        city["city_name"] = str(config["LETTERHEAD_CITY"])
    if config.get("LETTERHEAD_ADDRESS") and city.get("city_address", default_address) == default_address:
        city["city_address"] = str(config["LETTERHEAD_ADDRESS"]).replace(";", "\n")
    return Letterhead(city=city.get("city_name", "").strip(),
                      office=(office or "City Clerk's Office").strip(),
                      address_lines=tuple(line.strip() for line in city.get("city_address", "").splitlines()
                                          if line.strip()))
