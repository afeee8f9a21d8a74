"""Text as fpdf2's built-in fonts can draw it: Latin-1 only (the letters' PDF, web/letter_pdf.py, and the yearly
Open Data Compliance Report's, city/open_data/compliance_report_pdf.py).

Helvetica needs no font files or system libraries, but knows only Latin-1, so characters outside it are spelled the
nearest Latin-1 way (curly quotes become straight ones, dashes become hyphens, accents the font lacks are dropped)
rather than refused.
"""
from __future__ import annotations

import unicodedata

# Characters the letter templates and typed text use most often that Latin-1 lacks, as a clerk would type them.
LATIN_1_SPELLING = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": "\u00b7", "\u2023": "*", "\u2043": "-",
    "\u2020": "+", "\u2021": "++", "\u2030": " per mille", "\u20ac": "EUR", "\u2122": "(TM)",
    "\u2190": "<-", "\u2192": "->", "\u2194": "<->", "\u21d2": "=>", "\u2264": "<=", "\u2265": ">=",
    "\u2260": "!=", "\u2248": "~", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u202f": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2028": "\n", "\u2029": "\n\n",
    "\u0152": "OE", "\u0153": "oe", "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0131": "i",
    "\u00a0": " ",
}


def latin_1(text: str) -> str:
    """`text` spelled with Latin-1 characters only (what fpdf2's built-in fonts can draw)."""
    spelled = []
    for character in text:
        if character in LATIN_1_SPELLING:
            spelled.append(LATIN_1_SPELLING[character])
        elif ord(character) < 256:
            spelled.append(character)
        else:
            # "ő" -> "o" + combining mark -> "o"; anything with no Latin-1 base at all becomes "?".
            base = "".join(part for part in unicodedata.normalize("NFKD", character)
                           if not unicodedata.combining(part) and ord(part) < 256)
            spelled.append(base or "?")
    return "".join(spelled)
