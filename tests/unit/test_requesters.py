"""Art. 6: "In all cases the party so requesting must be an individual person or persons" (city.rules.requesters)."""
from __future__ import annotations

import pytest

from city.rules.requesters import not_an_individual, organisation_word


@pytest.mark.parametrize("name, word", [
    ("Acme Title LLC", "LLC"),
    ("Acme Title, L.L.C.", "L.L.C."),
    ("ACME CORP.", "CORP."),
    ("Smith & Co.", "Co."),
    ("Springfield Gazette Newspaper", "Newspaper"),
    ("Friends of the Library Association", "Association"),
    ("Pat Doe (Acme Title Inc)", "Inc"),
])
def test_a_name_carrying_an_organisations_word_is_not_an_individuals(name, word):
    assert organisation_word(name) == word
    assert not_an_individual(name).startswith(f'names an organisation ("{word}")')


@pytest.mark.parametrize("name", ["Pat Doe", "Co Lee", "Jo Banks", "Marco Company-Lopez", "Pat Doe and Robin Roe",
                                  "Dr. Lee Church"])
def test_a_persons_name_is_let_through(name):
    assert not_an_individual(name) is None


def test_a_name_that_is_not_text_is_left_to_the_form():
    assert not_an_individual(None) is None
