"""Organisations named in Chinese on one side and in English on the other."""

from __future__ import annotations

import pytest

from finbrain.identity.names import compare, prepare
from finbrain.identity.names._orgs import translations


def entity(a: str, b: str) -> tuple[float, str]:
    found = compare(prepare(a, kind="entity"), prepare(b, kind="entity"))
    return found.score, found.rule


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("华为技术有限公司", "Huawei Technologies Co., Ltd."),  # brand through pinyin
        ("阿里巴巴集团控股有限公司", "Alibaba Group Holding Limited"),
        ("中国石油天然气集团公司", "China National Petroleum Corporation"),  # words
        ("中兴通讯股份有限公司", "ZTE Corporation"),  # curated: not a transliteration
        ("腾讯控股", "Tencent Holdings Ltd"),  # curated brand + word
        ("華信船務(香港)有限公司", "HUAXIN SHIPPING HONGKONG LTD"),  # UN list, traditional
        ("中国银行", "Bank of China"),  # word order
    ],
)
def test_chinese_and_english_names_of_one_firm_meet(zh: str, en: str) -> None:
    score, rule = entity(zh, en)
    assert rule == "translation" and score >= 0.8
    assert entity(en, zh) == (score, rule)  # either side may be the query


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("华为技术有限公司", "ZTE Corporation"),
        ("中国工商银行", "Bank of China"),  # another bank
        ("华为技术有限公司", "Huaxin Shipping Ltd"),
    ],
)
def test_other_firms_stay_apart(zh: str, en: str) -> None:
    assert entity(zh, en)[0] < 0.8


def test_renderings_are_explained_and_people_are_not_translated() -> None:
    assert "huawei technologies" in [r.lower() for r in translations("华为技术")]
    assert not prepare("王建国", kind="person").org_english
    found = compare(prepare("华为技术有限公司"), prepare("Huawei Technologies Co., Ltd."))
    assert found.cross_script and "huawei" in found.explanation["en"]
