"""K.S.A. 45-221 and 45-218(e): a denial states its grounds, each citing its provision of law."""

import pytest

from city.rules import OperatorArgumentError, OperatorError, call_operator
from city.rules.exemptions import cite

CATALOGUE = {
    "personnel": {"citation": "K.S.A. 45-221(a)(4)", "summary": "personnel records of employees"},
    "personal_privacy": {
        "citation": "K.S.A. 45-221(a)(30)",
        "summary": "a clearly unwarranted invasion of personal privacy",
    },
    "unreasonable_burden": {"citation": "K.S.A. 45-218(e)", "summary": "an unreasonable burden in producing records"},
}


def test_denial_text_quotes_each_citation():
    grounds = cite(["personnel", "unreasonable_burden"], CATALOGUE)
    assert grounds == {
        "citations": ["K.S.A. 45-221(a)(4)", "K.S.A. 45-218(e)"],
        "text": "K.S.A. 45-221(a)(4) — personnel records of employees\n"
        "K.S.A. 45-218(e) — an unreasonable burden in producing records",
    }


def test_each_ground_is_cited_once_in_the_order_given():
    grounds = cite(["personal_privacy", " personnel", "personal_privacy"], CATALOGUE)
    assert grounds["citations"] == ["K.S.A. 45-221(a)(30)", "K.S.A. 45-221(a)(4)"]


def test_unknown_exemption_code_is_refused_by_name():
    with pytest.raises(OperatorArgumentError, match="'trade_secret'") as refused:
        cite(["personnel", "trade_secret"], CATALOGUE)
    assert refused.value.parameter == "codes"
    assert "personal_privacy" in str(refused.value)  # the codes the catalogue has


@pytest.mark.parametrize("codes", [[], [7]])
def test_denial_without_a_known_ground_is_refused(codes):
    with pytest.raises(OperatorArgumentError) as refused:
        cite(codes, CATALOGUE)
    assert refused.value.parameter == "codes"


def test_catalogue_entry_without_a_citation_is_an_operator_error():
    with pytest.raises(OperatorError, match="citation"):
        cite(["bad"], {"bad": {"summary": "no citation"}})


def test_cite_operator_uses_the_exemptions_setting():
    grounds = call_operator("exemptions.cite", {"codes": ["personnel"]}, {"exemptions": CATALOGUE})
    assert grounds["citations"] == ["K.S.A. 45-221(a)(4)"]
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("exemptions.cite", {"codes": []}, {"exemptions": CATALOGUE})
    assert refused.value.parameter == "codes"
