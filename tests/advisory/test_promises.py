"""The forbidden-promise check."""

from __future__ import annotations

import pytest

from finbrain.advisory.promises import check_promises, find_promises
from finbrain.core.decision import BilingualText
from finbrain.core.errors import ValidationError


@pytest.mark.parametrize(
    "text",
    [
        "本产品保本保收益",
        "稳赚不赔，零风险",
        "保 本",
        "刚性兑付",
        "保证收益8%",
        "Returns are guaranteed",
        "a risk-free investment",
        "You can't lose",
        "capital-protected growth",
        "Ｇｕａｒａｎｔｅｅｄ",
    ],
)
def test_promises_are_found(text: str) -> None:
    assert find_promises(text), text
    with pytest.raises(ValidationError) as caught:
        check_promises(text, field="reasons.X")
    assert (caught.value.field, caught.value.rule) == ("reasons.X", "no_forbidden_promise")


@pytest.mark.parametrize(
    "text",
    [
        "本产品不保本，不保证收益，投资可能亏损本金",
        "非保本浮动收益型",
        "Returns are not guaranteed",
        "There is no guarantee of returns",
        "Past performance does not guarantee future results",
        "无风险利率为1.5%",
        "the risk-free rate",
        "存款受存款保险保护",
    ],
)
def test_disclosures_pass(text: str) -> None:
    assert find_promises(text) == []
    check_promises(BilingualText(zh=text, en=text))
