"""Latin <-> Latin (and Hangul) linking of Chinese and Korean names across romanisations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.identity.names import _romanise, match, prepare


@pytest.mark.parametrize(
    ("a", "b", "named"),
    [
        ("Ma Hsiao-hung", "MA, Xiaohong", "Wade-Giles hsiao ↔ Hanyu Pinyin xiao"),
        ("Mao Tse-tung", "Mao Zedong", "Wade-Giles tse ↔ Hanyu Pinyin ze"),
        ("Ma Siu-hung", "MA Xiaohong", "Cantonese siu ↔ Hanyu Pinyin xiao"),
        ("Chou Chien-shu", "ZHOU, Jianshu", "Wade-Giles chou ↔ Hanyu Pinyin zhou"),
        ("Jhou Jian-shu", "Chou Chien-shu", "Tongyong Pinyin jhou ↔ Wade-Giles chou"),
        ("Lo Chuan-hsu", "LUO, Chuanxu", "Wade-Giles hsu ↔ Hanyu Pinyin xu"),
        ("KIM, Yong Chol", "Gim Yeong-cheol", "chol ↔ cheol"),
        ("Kim Jong Un", "김정은", "jong ↔ 정"),
        ("Park Chung-hee", "박정희", "hee ↔ 희"),  # the passport spelling Hee for 희
    ],
)
def test_spellings_of_one_name_meet_and_each_step_is_named(a: str, b: str, named: str) -> None:
    found = match(a, b)
    assert found.rule == "romanisation" and found.score >= 0.8
    assert named in found.explanation["en"]
    assert found.explanation["zh"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ma Hsiao-hung", "Ma Hsiao-ming"),  # another given name
        ("Yi Je-seon", "KING, Sam"),  # Cantonese readings of different characters
        ("Chou Chien-shu", "Chou Chien"),  # a syllable missing
        ("Maria Lopez", "Ma Lopez"),
        ("Hung Chin-hua", "HUANG, Jinhua"),  # hung is never huang
    ],
)
def test_other_names_do_not_link(a: str, b: str) -> None:
    assert match(a, b).rule != "romanisation"


def test_han_meets_taiwanese_spellings() -> None:
    for latin in ("Ma Shiau-hung", "Ma Siao-hong"):  # MPS II, Tongyong
        found = match("马晓红", latin)
        assert found.rule == "romanisation" and found.cross_script and found.score == 0.82


def test_same_syllables_split_differently_is_no_review_case() -> None:
    assert match("Xiao Hong Ma", "Ma Xiaohong").score >= 0.95


def test_blocking_keys_are_shared_across_systems() -> None:
    wade = prepare("Ma Hsiao-hung", kind="person").keys
    pinyin = prepare("MA, Xiaohong", kind="person").keys
    han = prepare("马晓红", kind="person").keys
    assert {k for k in wade & pinyin if k.startswith("rzh:")}
    assert {k for k in han & wade if k.startswith("rzh:")}
    # Organisations are not read as personal names.
    assert not prepare("Hong Kong Electronics", kind="entity").zh_syllables


def test_a_name_that_is_no_chinese_or_korean_name_is_not_parsed() -> None:
    assert _romanise.parse(("john", "smith"), "zh") == ()
    assert _romanise.parse(("john", "smith"), "ko") == ()
    assert _romanise.parse(("ma",), "zh") == ()  # one syllable is no full name


def test_every_hong_kong_government_spelling_is_read() -> None:
    # The source lists a character's spellings alphabetically (国 gwok kwok, 华 wa wah); HKID
    # cards write Kwok and Wah, which were missing when only the first spelling was read.
    found = match("CHAN, Kwok-wah", "CHEN, Guohua")
    assert found.rule == "romanisation" and found.score >= 0.8
    assert "Cantonese kwok ↔ Hanyu Pinyin guo" in found.explanation["en"]
    assert "Cantonese wah ↔ Hanyu Pinyin hua" in found.explanation["en"]


@pytest.mark.parametrize(
    ("a", "b", "named"),
    [
        ("LIU, Emily", "LAU, Emily", "Hanyu Pinyin liu ↔ Cantonese lau (刘)"),
        ("LI, Steve Kwai-wah", "LEE, Kwai-wah", "Hanyu Pinyin li ↔ Cantonese lee (李)"),
        ("WONG, Emily", "HUANG, Emily", "Cantonese wong ↔ Hanyu Pinyin huang (黄)"),
        ("CHO, Jenny", "JO, Jenny", "cho ↔ jo (조)"),
    ],
)
def test_a_family_name_in_another_romanisation_is_a_hit_to_review(
    a: str, b: str, named: str
) -> None:
    # The rest of the name is no Chinese name (Emily), so the whole-name link cannot apply.
    found = match(a, b)
    assert found.rule == "romanisation" and found.score == 0.88
    assert named in found.explanation["en"] and found.explanation["zh"]
    assert prepare(a, kind="person").keys & prepare(b, kind="person").keys


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("LIU, Emily", "LIN, Emily"),  # two family names
        ("LAU, Emily", "LAU, Emma"),  # another given name
        ("WONG, Emily", "WANG, Emilia"),  # a linked family name and a fuzzy given name
        ("KIM, Kang Jin", "KIM, Kwang Chun"),  # given-name syllables are no family names
    ],
)
def test_a_family_name_link_needs_the_rest_of_the_name(a: str, b: str) -> None:
    assert match(a, b).score < 0.8


def test_a_chinese_given_name_in_syllables_is_one_missing_name() -> None:
    # TSANG Erick / TSANG Erick Kwok-wai: the alias leaves out one given name, Kwok-wai.
    assert match("TSANG, Erick", "TSANG, Erick Kwok-wai").score >= 0.8
    assert match("KONG, Kelvin", "KONG, Kelvin Hok Lai").score >= 0.8
    # Two other names (not Chinese syllables) still count as two.
    assert match("SMITH, John", "SMITH, John Paul George").score < 0.8
    assert match("AVILA, Maria", "AVILA DE LA ROCHA, Maria Monserrate").score < 0.8


def test_wade_giles_spellings_follow_wade_giles_not_pypinyins_slips() -> None:
    # pypinyin 0.55 writes tie as t'oeh and the final -ai as -ei; Wade-Giles writes t'ieh and
    # keeps -ai (the fixes are in _build_tables.WADE_GILES_FIXES).
    found = match("T'an T'ieh-niu", "TAN, Tieniu")
    assert (
        found.rule == "romanisation"
        and "Wade-Giles tieh ↔ Hanyu Pinyin tie" in (found.explanation["en"])
    )
    assert match("Mai Hsiao-hung", "MEI, Xiaohong").score < 0.8  # 麦 and 梅 are two names
    assert match("Lai Chih-ming", "LEI, Zhiming").score < 0.8


def test_family_names_in_two_systems_meet_only_through_a_common_character() -> None:
    # Hung (Wade-Giles) and Hong (pinyin) both write 洪; Mai and Mei (Cantonese) share only
    # rare characters, never the family names 麦 or 梅.
    assert match("Hung Chin-hua", "HONG, Jinhua").rule == "romanisation"
    assert match("Mai Hsiao-hung", "MEI, Xiaohong").score < 0.8
    # A Cantonese and a Mandarin spelling of one character, not among the 100 commonest
    # family names (冼 Sin / Xian), still meet.
    assert match("SIN, Wai-man", "XIAN, Weimin").rule == "romanisation"


@pytest.mark.parametrize(
    ("han", "korean", "named"),
    [
        ("金正恩", "Kim Jong Un", "金 김 kim; 正 정 jong; 恩 은 un"),
        ("金正恩", "김정은", "金 김; 正 정; 恩 은"),
        ("金正恩", "Jong Un KIM", "金 김 kim"),
        ("李成哲", "RI, Song Chol", "李 리 ri"),  # North Korean ri, South Korean i/lee: both
        ("金永哲", "KIM, Yong Chol", "永 영 yong"),
    ],
)
def test_a_name_in_hanja_meets_its_korean_reading(han: str, korean: str, named: str) -> None:
    found = match(han, korean)
    assert found.rule == "hanja" and found.cross_script and found.score == 0.82
    assert named in found.explanation["en"] and found.explanation["zh"]
    assert {k for k in prepare(han).keys & prepare(korean, kind="person").keys if k[:3] == "rko"}


def test_hanja_needs_every_character() -> None:
    assert match("金正恩", "Kim Jong Il").score < 0.8
    assert match("金正恩", "Kim Jong").score < 0.8
    # Two characters read in Korean collapse too many names into one (丽陈 would be Ryu Jin).
    assert match("丽陈", "RYU, Jin").score < 0.8


def test_a_given_name_is_its_syllables_in_order() -> None:
    # RI Song Un and RI Un Song are two names (성운 / 운성); the family name may still move.
    found = match("RI, Song Un", "RI, Un Song")
    assert found.rule == "syllable_order" and found.score < 0.8
    assert found.explanation["zh"]
    assert match("Kim Jong Un", "Jong Un Kim").score >= 0.95
    assert match("WANG Wei Ming", "WANG Ming Wei").score < 0.8
    assert match("John Paul Smith", "Paul John Smith").score >= 0.95  # no Chinese name


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=4
    ),
    st.sampled_from(["", " ", " Kim"]),
)
def test_any_hangul_name_is_prepared_and_matched(hangul: str, rest: str) -> None:
    # 궡 (final ㄾ) once raised KeyError from the blocking keys: the API answered 500.
    name = hangul + rest
    prepared = prepare(name)
    assert prepared is not None
    assert match(name, name).score >= 0.99


def test_a_hangul_syllable_outside_the_spelling_table_spells_itself() -> None:
    assert prepare("김궡") is not None
    assert match("김궡", "김궡").score >= 0.99
