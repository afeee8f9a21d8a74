"""Who may make a records request: "In all cases the party so requesting must be an individual person or
persons" (003, Art. 6, procedures (b)(2) inspection and (c)(2) copying).

A request names the person who asks. Someone asking for a business, an association or an office of
government is still a person, and gives their own name. The name is read for the words only an
organisation's name carries (a legal form such as "LLC", or "Association"); it cannot prove that a name is a
person's, so staff still read it. The list errs towards letting a name through: a surname such as "Bank" or
"Church" is not on it.
"""
from __future__ import annotations

import re

# Words that, standing alone in a name, say it is an organisation's: legal forms and kinds of body.
ORGANISATION_WORDS = frozenset({
    "inc", "incorporated", "llc", "llp", "lllp", "pllc", "ltd", "limited", "corp", "corporation", "company",
    "plc", "gmbh", "association", "foundation", "agency", "department", "committee", "newspaper", "university",
})
# "Co" only as a name's last word ("Smith & Co."), where it is a company's.
LAST_WORD_ONLY = frozenset({"co"})
WORD = re.compile(r"[^\W\d_]+")


def organisation_word(name: str) -> str | None:
    """The word of `name` that says it is an organisation's, as written ("LLC", "L.L.C."); None for none."""
    written = name.split()
    for index, as_written in enumerate(written):
        # "L.L.C." reads as "llc"; a double-barrelled "Company-Lopez" stays one word, a person's.
        folded = "".join(WORD.findall(as_written.replace(".", ""))).casefold()
        if folded in ORGANISATION_WORDS or (folded in LAST_WORD_ONLY and index == len(written) - 1):
            return as_written.strip(",;:()")
    return None


def not_an_individual(name: object) -> str | None:
    """Why `name` is not an individual person's, as a message beside the name field; None when it may be."""
    if not isinstance(name, str):
        return None                     # the form says what a name must be
    word = organisation_word(name)
    if word is None:
        return None
    return (f'names an organisation ("{word}"): a request is made by one or more individual persons '
            "(City Code, Art. 6). Give only the name of the person asking, or of each person; someone asking for "
            "a business or another body gives their own name.")
