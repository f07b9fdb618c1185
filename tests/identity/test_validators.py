"""Strict Chinese identity-number validators: known examples, every rule, and invariants."""

from __future__ import annotations

import ast
import csv
import io
import json
import string
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from finbrain.core.errors import ValidationError
from finbrain.identity import validators as v
from finbrain.identity.validators import (
    IdentityRuleError,
    check,
    mod11_2_check_digit,
    parse_bank_card,
    parse_mobile,
    parse_resident_id,
    parse_social_credit_code,
)

TODAY = date(2025, 6, 1)
SRC = Path(v.__file__)
DATA = SRC.parent / "data"
MOD11_CHARS = "0123456789X"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Public codes of well-known companies; each passes both the GB 32100 check and the embedded
# GB 11714 organisation-code check, which a typo from memory would not (1 in ~340).
REAL_USCCS = {
    "91520000214434146R": "贵州茅台酒股份有限公司",
    "91100000100003962T": "中国工商银行股份有限公司",
    "911100001000044477": "中国建设银行股份有限公司",
    "911000001000013428": "中国银行股份有限公司",
    "911100001000054748": "中国农业银行股份有限公司",
    "9131000010000595XD": "交通银行股份有限公司",
    "9144030010001686XA": "招商银行股份有限公司",
    "91440300100012316L": "中国平安保险（集团）股份有限公司",
    "914403001922038216": "华为技术有限公司",
    "91110000600037341L": "python-stdnum's own example",
}


def _with_check(body17: str) -> str:
    return body17 + mod11_2_check_digit(body17)


CATALOGUE: dict[str, dict[str, str]] = json.loads(
    (DATA / "validators_messages.json").read_text("utf-8")
)
DEFAULT_FIELDS = {"id": "id_number", "uscc": "uscc", "card": "card_number", "mobile": "mobile"}


def _assert_explained(error: IdentityRuleError, field: str | None = None) -> None:
    """A refusal names its field and its rule and explains itself in zh and en: the
    catalogue's text for that rule, every placeholder filled with a real value."""
    assert error.kind in DEFAULT_FIELDS
    assert error.field == (field or DEFAULT_FIELDS[error.kind])
    assert error.params["field"] == error.field and error.params["rule"] == error.rule
    entry = CATALOGUE[f"{error.kind}.{error.rule}"]
    for lang in ("zh", "en"):
        text = error.messages[lang]
        assert text == entry[lang].format(**error.params), (lang, text)
        assert "{" not in text and "None" not in text, text
    assert error.detail == error.messages["en"]


def _rule(call: Callable[[], object]) -> str | None:
    """The rule a call breaks (None if it passes); the refusal must explain itself."""
    try:
        call()
    except IdentityRuleError as error:
        _assert_explained(error)
        return error.rule
    return None


# --------------------------------------------------------------------------------------------
# resident ID


def test_gb11643_standard_example() -> None:
    rid = parse_resident_id("11010519491231002X", today=TODAY)
    assert rid.kind == "resident"
    assert rid.region_code == "110105"
    assert rid.region_name == "北京市朝阳区"
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.sex == "F"
    assert rid.warnings == ()
    assert rid.masked() == "110105********002X"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "110105-19491231-002X",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as typed by Chinese IMEs
        "１１０１０５－１９４９１２３１－００２ｘ",
    ],
)
def test_resident_id_normalisation(raw: str) -> None:
    assert parse_resident_id(raw, today=TODAY).number == "11010519491231002X"


def test_check_digit_formula_matches_the_standard_table() -> None:
    # GB 11643 worked example: remainder 2 -> 'X'; and the classic 44052418800101001-4.
    assert mod11_2_check_digit("34052419800101001") == "X"
    assert mod11_2_check_digit("44052418800101001") == "4"


def test_historical_region_codes_are_accepted() -> None:
    # 110103 崇文区 was merged away in 2010; people keep the code they were given.
    rid = parse_resident_id(_with_check("11010319650315001"), today=TODAY)
    assert rid.region_name == "北京市崇文区"
    assert rid.sex == "M"


def test_unknown_county_in_known_province_is_only_a_warning() -> None:
    rid = parse_resident_id(_with_check("11019919800101001"), today=TODAY)
    assert rid.warnings == ("region_county_unknown",)
    assert rid.region_name is None
    result = check("id", _with_check("11019919800101001"))
    assert result.valid
    assert result.details["province_name"] == "北京市"
    warnings = result.details["warnings"]
    assert isinstance(warnings, list) and warnings[0]["rule"] == "region_county_unknown"


@pytest.mark.parametrize(
    ("region", "kind", "name"),
    [
        ("810000", "hk_macau_permit", "香港特别行政区"),
        ("820000", "hk_macau_permit", "澳门特别行政区"),
        ("830000", "taiwan_permit", "台湾地区"),
    ],
)
def test_residence_permits_pass_where_stdnum_fails(region: str, kind: str, name: str) -> None:
    number = _with_check(region + "19800229004")  # born on a leap day, female
    rid = parse_resident_id(number, today=TODAY)
    assert (rid.kind, rid.region_code, rid.region_name) == (kind, region, name)
    assert rid.birth_date == date(1980, 2, 29)
    assert rid.sex == "F"
    assert not stdnum_ric.is_valid(number)  # the complaint: stdnum rejects real permits


def test_permit_regions_must_be_exact() -> None:
    assert _rule(lambda: parse_resident_id(_with_check("81010119800101001"))) == "region_code"
    assert _rule(lambda: parse_resident_id(_with_check("83000119800101001"))) == "region_code"


def test_foreign_permanent_2023_public_example() -> None:
    # 9 · 32 (江苏) · 682 (Saudi Arabia) · 1985-01-01 · 001 (male) · 7
    rid = parse_resident_id("932682198501010017", today=TODAY)
    assert rid.kind == "foreign_permanent"
    assert (rid.region_code, rid.region_name) == ("320000", "江苏省")
    assert rid.nationality == "SAU"
    assert (rid.birth_date, rid.sex) == (date(1985, 1, 1), "M")
    assert not stdnum_ric.is_valid("932682198501010017")


def test_foreign_permanent_2023_constructed() -> None:
    number = _with_check("9" + "11" + "840" + "19771107" + "022")  # Beijing, USA, female
    rid = parse_resident_id(number, today=TODAY)
    assert (rid.nationality, rid.region_name, rid.sex) == ("USA", "北京市", "F")


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("9" + "71" + "840" + "19771107" + "022", "region_code"),  # no mainland office there
        ("9" + "00" + "840" + "19771107" + "022", "region_code"),
        ("9" + "11" + "000" + "19771107" + "022", "nationality_code"),
        ("9" + "11" + "840" + "19771131" + "022", "birth_date"),
    ],
)
def test_foreign_permanent_2023_rules(body: str, rule: str) -> None:
    assert _rule(lambda: parse_resident_id(_with_check(body), today=TODAY)) == rule


def test_foreign_permanent_legacy_card() -> None:
    # KAZ · 1100 (Beijing) · 90-12-31 · 0 (female) · 5 (ICAO 7-3-1 check)
    rid = parse_resident_id("kaz110090123105", today=TODAY)
    assert rid.kind == "foreign_permanent_legacy"
    assert rid.number == "KAZ110090123105"
    assert rid.nationality == "KAZ"
    assert (rid.region_code, rid.region_name) == ("110000", "北京市")
    assert (rid.birth_date, rid.sex) == (date(1990, 12, 31), "F")
    assert rid.masked() == "KAZ110*****3105"
    assert _rule(lambda: parse_resident_id("KAZ110090123106", today=TODAY)) == "check_digit"
    assert _rule(lambda: parse_resident_id("QQQ110090123105", today=TODAY)) == "nationality_code"


def test_foreign_legacy_two_digit_year_prefers_the_possible_century() -> None:
    body = "USA1100" + "100315" + "1"
    rid = parse_resident_id(body + v._mrz_check_digit(body), today=TODAY)
    assert rid.birth_date == date(2010, 3, 15)
    assert "birth_century_inferred" in rid.warnings
    body = "USA1100" + "450315" + "1"  # 2045 is in the future: only 1945 fits
    rid = parse_resident_id(body + v._mrz_check_digit(body), today=TODAY)
    assert rid.birth_date == date(1945, 3, 15)
    assert rid.warnings == ()


def test_legacy15_is_upgraded_to_18() -> None:
    rid = parse_resident_id("110105491231002", today=TODAY)
    assert rid.kind == "legacy15"
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "empty"),
        ("  - ", "empty"),
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("x" * 200, "length"),
        ("11010519491231002Y", "charset"),
        ("1101051949123100X2", "charset"),
        ("11010519491231#02X", "charset"),
        ("11010549123100X", "charset"),
        ("AB1101049123100X", "length"),
        ("000000194912310020", "region_code"),
        ("190000194912310020", "region_code"),
        ("810000491231002", "region_code"),  # the 15-digit form never existed for permits
        ("110105194902300020", "birth_date"),  # 30 February
        ("110105189912310020", "birth_date"),  # before 1900
        ("110105203001010020", "birth_date"),  # in the future
        ("110105491331002", "birth_date"),
        ("110105194912310021", "check_digit"),
    ],
)
def test_resident_id_rules(raw: str, rule: str) -> None:
    assert _rule(lambda: parse_resident_id(raw, today=TODAY)) == rule


def test_birth_date_today_is_allowed_tomorrow_is_not() -> None:
    assert parse_resident_id(_with_check("11010520250601001"), today=TODAY).birth_date == TODAY
    assert _rule(lambda: parse_resident_id(_with_check("11010520250602001"), today=TODAY)) == (
        "birth_date"
    )


def _mainland_codes() -> list[str]:
    regions = v._regions()
    return sorted(
        code
        for code in regions.names
        if code[:2] not in {"71", "81", "82"} and not code.endswith("0000")
    )


bodies = st.builds(
    lambda region, born, seq: region + born.strftime("%Y%m%d") + f"{seq:03d}",
    st.sampled_from([*_mainland_codes(), "810000", "820000", "830000"]),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)


@settings(max_examples=150, deadline=None)
@given(bodies)
def test_exactly_one_check_digit_validates(body: str) -> None:
    rejected = [c for c in MOD11_CHARS if _rule(partial(parse_resident_id, body + c, today=TODAY))]
    assert len(rejected) == len(MOD11_CHARS) - 1


@settings(max_examples=60, deadline=None)
@given(bodies, st.data())
def test_single_substitution_in_an_id_is_detected(body: str, data: st.DataObject) -> None:
    number = _with_check(body)
    parse_resident_id(number, today=TODAY)
    position = data.draw(st.integers(0, 17))
    alphabet = MOD11_CHARS if position == 17 else string.digits
    other = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + other + number[position + 1 :]
    with pytest.raises(IdentityRuleError):
        parse_resident_id(changed, today=TODAY)


def test_every_single_substitution_of_the_standard_example_is_detected() -> None:
    number = "11010519491231002X"
    for position in range(18):
        for other in MOD11_CHARS:
            if other == number[position]:
                continue
            changed = number[:position] + other + number[position + 1 :]
            assert _rule(partial(parse_resident_id, changed, today=TODAY)) is not None


# --------------------------------------------------------------------------------------------
# unified social credit code


@pytest.mark.parametrize("code", sorted(REAL_USCCS))
def test_real_uscc(code: str) -> None:
    parsed = parse_social_credit_code(code)
    assert parsed.code == code
    assert parsed.organisation_code == code[8:17]
    assert (parsed.department, parsed.category) == ("9", "1")
    assert parsed.category_names["en"] == "enterprise"
    assert stdnum_uscc.is_valid(code)


def test_uscc_parts() -> None:
    parsed = parse_social_credit_code("9152 0000 2144 3414 6r")
    assert parsed.region_code == "520000"
    assert parsed.region_name == "贵州省"
    national = parse_social_credit_code("91100000100003962T")  # registered at national level
    assert national.region_code == "100000"


def test_uscc_org_code_check_is_enforced_where_stdnum_is_not() -> None:
    code = "91520000214434146R"
    wrong = code[:16] + ("7" if code[16] != "7" else "8")
    forged = wrong + stdnum_uscc.calc_check_digit(wrong)  # right GB 32100 check, wrong GB 11714
    assert stdnum_uscc.is_valid(forged)
    assert _rule(lambda: parse_social_credit_code(forged)) == "org_code_check"


def _uscc(body17: str) -> str:
    return body17 + stdnum_uscc.calc_check_digit(body17)


def _with_org(prefix8: str, org8: str) -> str:
    return _uscc(prefix8 + org8 + v.org_code_check_char(org8))


def test_org_code_check_char_edge_values() -> None:
    # remainders that map to 'X' (10) and '0' (11) in GB 11714
    for body in ("71093573", "63300000", "10001686", "10000595"):
        char = v.org_code_check_char(body)
        total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        expected = (11 - total % 11) % 11
        assert char == ("X" if expected == 10 else str(expected))
    assert v.org_code_check_char("10001686") == "X"  # China Merchants Bank


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "empty"),
        ("91520000214434146", "length"),
        ("91520000214434146RR", "length"),
        ("91520000214434I46R", "charset"),
        ("9152000021443414-6R*", "charset"),
        ("B1520000214434146R", "department_code"),
        ("95520000214434146R", "category_code"),
        ("Y2520000214434146R", "category_code"),
        ("91990000214434146R", "region_code"),
        ("91710000214434146R", "region_code"),
        ("91520000214434147R", "org_code_check"),
        ("91520000214434146Q", "check_digit"),
    ],
)
def test_uscc_rules(code: str, rule: str) -> None:
    assert _rule(lambda: parse_social_credit_code(code)) == rule


def test_uscc_later_departments_are_known() -> None:
    # Categories added after GB 32100-2015: overseas NGO offices, owners' assemblies, rural
    # collectives, overseas-Chinese federations.
    for prefix in ("G1110000", "J1110105", "N2110105", "Q1110105", "Y1110000", "A1100000"):
        parsed = parse_social_credit_code(_with_org(prefix, "MA01B2C3"))
        assert parsed.department == prefix[0]


def test_uscc_unknown_county_warns() -> None:
    parsed = parse_social_credit_code(_with_org("91110199", "MA01B2C3"))
    assert parsed.warnings == ("region_county_unknown",)


def test_every_single_substitution_of_a_uscc_is_detected() -> None:
    for code in REAL_USCCS:
        for position in range(18):
            for other in USCC_ALPHABET:
                if other == code[position]:
                    continue
                changed = code[:position] + other + code[position + 1 :]
                assert _rule(partial(parse_social_credit_code, changed)) is not None, changed


# --------------------------------------------------------------------------------------------
# bank card


def _reference_luhn(number: str) -> bool:
    """ISO/IEC 7812-1 Annex B, written here from the definition rather than taken from the
    code under test: from the right, every second digit is doubled and its digits summed."""
    total = 0
    for position, digit in enumerate(int(c) for c in reversed(number)):
        total += sum(divmod(digit * 2, 10)) if position % 2 == 1 else digit
    return total % 10 == 0


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "0" * (length - len(prefix) - 1)
    for last in string.digits:
        if _reference_luhn(body + last):
            return body + last
    raise AssertionError("unreachable")


def test_icbc_debit_card() -> None:
    number = _luhn_complete("622202", 19)
    card = parse_bank_card(" ".join(number[i : i + 4] for i in range(0, 19, 4)))
    assert card.issuer_zh == "中国工商银行"
    assert card.issuer_en == "Industrial and Commercial Bank of China"
    assert (card.scheme, card.card_type, card.length, card.bin) == (
        "UnionPay",
        "debit",
        19,
        "622202",
    )
    assert card.luhn_ok
    assert card.masked == "622202" + "*" * 9 + number[-4:]


@pytest.mark.parametrize(
    ("prefix", "length", "issuer", "scheme", "card_type"),
    [
        ("621700", 19, "China Construction Bank", "UnionPay", "debit"),
        ("622848", 19, "Agricultural Bank of China", "UnionPay", "debit"),
        ("621661", 19, "Bank of China", "UnionPay", "debit"),
        ("622260", 19, "Bank of Communications", "UnionPay", "debit"),
        ("622588", 16, "China Merchants Bank", "UnionPay", "debit"),
        ("439225", 16, "China Merchants Bank", "Visa", "credit"),
        ("621799", 19, "Postal Savings Bank of China", "UnionPay", "debit"),
        ("622690", 16, "China CITIC Bank", "UnionPay", "debit"),
        ("376966", 15, "China CITIC Bank", "Amex", "credit"),
        ("622660", 16, "China Everbright Bank", "UnionPay", "debit"),
        ("622622", 16, "China Minsheng Bank", "UnionPay", "debit"),
        ("622521", 16, "Shanghai Pudong Development Bank", "UnionPay", "debit"),
        ("622909", 18, "Industrial Bank", "UnionPay", "debit"),
        ("623058", 19, "Ping An Bank", "UnionPay", "debit"),
        ("622630", 16, "Hua Xia Bank", "UnionPay", "debit"),
        ("356889", 16, "China Merchants Bank", "JCB", "credit"),
        ("524047", 16, "Industrial and Commercial Bank of China", "Mastercard", "credit"),
    ],
)
def test_major_issuers(prefix: str, length: int, issuer: str, scheme: str, card_type: str) -> None:
    card = parse_bank_card(_luhn_complete(prefix, length))
    assert (card.issuer_en, card.scheme, card.card_type) == (issuer, scheme, card_type)


@pytest.mark.parametrize(
    ("prefix", "length", "scheme"),
    [
        ("62999", 16, "UnionPay"),
        ("41", 16, "Visa"),
        ("2221", 16, "Mastercard"),
        ("2720", 16, "Mastercard"),
        ("55", 16, "Mastercard"),
        ("3528", 16, "JCB"),
        ("3589", 16, "JCB"),
        ("34", 15, "Amex"),
        ("37", 15, "Amex"),
        ("2720", 16, "Mastercard"),
        ("2721", 16, None),
        ("3590", 16, None),
        ("56", 16, None),
    ],
)
def test_scheme_ranges(prefix: str, length: int, scheme: str | None) -> None:
    card = parse_bank_card(_luhn_complete(prefix + "9", length))
    assert card.scheme == scheme
    assert card.issuer_en is None


def test_issuer_needs_the_right_length() -> None:
    # 622202 is a 19-digit ICBC range; a 16-digit 622202… card is not known to be ICBC's.
    card = parse_bank_card(_luhn_complete("622202", 16))
    assert card.issuer_en is None
    assert card.scheme == "UnionPay"


def test_luhn_is_only_a_hint() -> None:
    good = _luhn_complete("622202", 19)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    card = parse_bank_card(bad)
    assert card.luhn_ok is False
    assert card.issuer_en == "Industrial and Commercial Bank of China"
    result = check("card", bad)
    assert result.valid and result.rule is None
    warnings = result.details["warnings"]
    assert isinstance(warnings, list)
    assert [w["rule"] for w in warnings] == ["luhn"]


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "empty"),
        ("62220212345", "length"),
        ("62220212345678901234", "length"),
        ("6222 0212 3456 789A", "charset"),
        ("6222.0212.3456.7890", "charset"),
    ],
)
def test_card_rules(raw: str, rule: str) -> None:
    assert _rule(lambda: parse_bank_card(raw)) == rule


def test_bin_table_is_well_formed() -> None:
    text = (DATA / "bin_ranges.csv").read_text("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("bcbc" in line for line in comments)
    assert any("source=scheme" in line for line in comments)
    rows = list(
        csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if ln[:1] != "#")))
    )
    issuers = {r["issuer_en"] for r in rows if r["issuer_en"]}
    assert len(issuers) >= 14
    seen: set[tuple[str, str]] = set()
    for row in rows:
        assert row["scheme"] in {"UnionPay", "Visa", "Mastercard", "JCB", "Amex"}
        assert row["card_type"] in {"", "debit", "credit", "semi_credit"}
        assert row["source"] in {"bcbc", "scheme"}
        lengths = [int(n) for n in row["lengths"].split("|")]
        assert all(12 <= n <= 19 for n in lengths)
        assert (row["prefix"], row["lengths"]) not in seen
        seen.add((row["prefix"], row["lengths"]))
        if row["source"] == "bcbc":
            # An issuer row's scheme agrees with the network range its prefix falls in.
            scheme_rows = [s for s in v._bin_rows() if s.is_scheme and s.matches(row["prefix"])]
            if scheme_rows:
                assert scheme_rows[0].scheme == row["scheme"], row


# --------------------------------------------------------------------------------------------
# mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "+86(138)00138000",
        "１３８００１３８０００",
    ],
)
def test_mobile_forms(raw: str) -> None:
    mobile = parse_mobile(raw)
    assert mobile.e164 == "+8613800138000"
    assert mobile.national == "13800138000"
    assert mobile.carrier == "China Mobile"
    assert mobile.masked() == "+86138****8000"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "empty"),
        ("138-0013-800a", "charset"),
        ("+", "format"),
        ("+1 650 253 0000", "country"),
        ("+852 9123 4567", "country"),
        ("12345678901", "invalid_number"),
        ("010-6552-9988", "not_mobile"),
        ("+86 21 6321 0000", "not_mobile"),
    ],
)
def test_mobile_rules(raw: str, rule: str) -> None:
    assert _rule(lambda: parse_mobile(raw)) == rule


# --------------------------------------------------------------------------------------------
# errors, messages and privacy


def test_error_shape() -> None:
    with pytest.raises(IdentityRuleError) as caught:
        parse_resident_id("110105194912310021", field="applicant.id_number")
    error = caught.value
    assert isinstance(error, ValidationError)
    assert (error.status, error.field, error.rule) == (422, "applicant.id_number", "check_digit")
    assert set(error.messages) == {"zh", "en"} and all(error.messages.values())
    assert error.detail == error.messages["en"]


# (kind, number, the part a masked form hides)
SECRETS = [
    ("id", "11010519491231002X", "19491231"),
    ("id", "110105194912310021", "19491231"),
    ("id", "110105194902300020", "19490230"),
    ("id", "000000194912310020", "19491231"),
    ("id", "932682198501010017", "19850101"),
    ("id", "KAZ110090123105", "09012"),
    ("card", "6222020000000000007", "000000000"),
    ("card", "622202000000000000", "00000000"),
    ("mobile", "13800138000", "0013"),
    ("mobile", "01065529988", "6552"),
]


@pytest.mark.parametrize(("kind", "raw", "hidden"), SECRETS)
def test_numbers_never_leak(kind: str, raw: str, hidden: str) -> None:
    result = check(kind, raw)  # type: ignore[arg-type]
    rendered = json.dumps([result.messages, result.details], ensure_ascii=False)
    assert raw not in rendered
    assert hidden not in rendered
    parsers: dict[str, Callable[[str], object]] = {
        "id": parse_resident_id,
        "card": parse_bank_card,
        "mobile": parse_mobile,
    }
    parser = parsers[kind]
    try:
        parsed = parser(raw)
    except IdentityRuleError as error:
        texts = [str(error), error.detail or "", repr(error.params), *error.messages.values()]
        assert hidden not in " ".join(texts)
    else:
        assert hidden not in repr(parsed)


def test_check_valid_results_are_bilingual() -> None:
    for kind, raw in [
        ("id", "11010519491231002X"),
        ("uscc", "91520000214434146R"),
        ("card", "6222020000000000007"),
        ("mobile", "13800138000"),
    ]:
        result = check(kind, raw)  # type: ignore[arg-type]
        assert result.valid, (kind, result)
        assert result.rule is None and result.messages["zh"] and result.messages["en"]
    assert check("id", "110105194912310021").rule == "check_digit"
    with pytest.raises(ValueError, match="kind"):
        check("passport", "E12345678")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["id", "uscc", "card", "mobile"]), st.text(max_size=40))
def test_check_never_raises(kind: str, raw: str) -> None:
    result = check(kind, raw)  # type: ignore[arg-type]
    assert result.valid or (result.rule is not None and result.messages["en"])


def test_check_tolerates_non_strings() -> None:
    assert check("id", None).rule == "charset"  # type: ignore[arg-type]
    assert check("mobile", 13800138000).rule == "charset"  # type: ignore[arg-type]


def _rules_used_in_code() -> set[str]:
    """kind.rule for every literal ``_fail(kind, rule, …)`` call, plus the declared warnings."""
    used = {f"{kind}.{rule}" for kind, rules in v.WARNINGS.items() for rule in rules}
    used |= {f"{kind}.valid" for kind in ("id", "uscc", "card", "mobile")}
    for node in ast.walk(ast.parse(SRC.read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_fail":
            kind, rule = node.args[0], node.args[1]
            assert isinstance(rule, ast.Constant) and isinstance(rule.value, str)
            # A variable kind (the shared normaliser) can be any of the four.
            kinds = [str(kind.value)] if isinstance(kind, ast.Constant) else list(v.WARNINGS)
            used |= {f"{k}.{rule.value}" for k in kinds}
    return used


def test_every_rule_has_zh_and_en_text_with_the_same_placeholders() -> None:
    catalogue = json.loads((DATA / "validators_messages.json").read_text("utf-8"))
    used = _rules_used_in_code()
    assert len(used) > 25
    for key in sorted(used):
        entry = catalogue.get(key)
        assert entry is not None, f"no message for {key}"
        assert entry.get("zh") and entry.get("en"), key
        fields = [
            {name for _, name, _, _ in string.Formatter().parse(entry[lang]) if name}
            for lang in ("zh", "en")
        ]
        assert fields[0] == fields[1], key
    unused = {k for k in catalogue if not k.startswith("_")} - used
    assert not unused, f"messages for rules the code never uses: {unused}"


def test_country_table_covers_iso_3166() -> None:
    by_numeric, by_alpha3 = v._countries()
    assert len(by_numeric) == len(by_alpha3) >= 249
    assert by_numeric["682"].alpha3 == "SAU"
    assert by_alpha3["KAZ"].name_zh == "哈萨克斯坦"


# --------------------------------------------------------------------------------------------
# published numbers, checked without the code's own check-digit helpers

# Test card numbers the networks and payment processors publish (Luhn-valid by construction).
PUBLISHED_CARDS = [
    ("4111111111111111", "Visa"),
    ("4012888888881881", "Visa"),
    ("4222222222222", "Visa"),  # the 13-digit Visa test number
    ("5555555555554444", "Mastercard"),
    ("5105105105105100", "Mastercard"),
    ("2223003122003222", "Mastercard"),  # a 2-series Mastercard
    ("378282246310005", "Amex"),
    ("371449635398431", "Amex"),
    ("378734493671000", "Amex"),
    ("6011111111111117", None),  # Discover: not a network in the BIN table
    ("6011000990139424", None),
    ("3530111333300000", "JCB"),
    ("3566002020360505", "JCB"),
    ("6200000000000005", "UnionPay"),
    ("6200000000000047", "UnionPay"),
    ("6205500000000000004", "UnionPay"),  # 19 digits
    ("30569309025904", None),  # Diners Club, 14 digits
]


@pytest.mark.parametrize(("number", "scheme"), PUBLISHED_CARDS)
def test_published_test_cards_pass_luhn(number: str, scheme: str | None) -> None:
    assert _reference_luhn(number)
    card = parse_bank_card(number)
    assert card.luhn_ok is True
    assert (card.scheme, card.length, card.bin) == (scheme, len(number), number[:6])
    assert card.masked == number[:6] + "*" * (len(number) - 10) + number[-4:]
    result = check("card", number)
    assert result.valid and result.details["luhn_ok"] is True
    warnings = result.details["warnings"]
    assert isinstance(warnings, list)
    assert [w["rule"] for w in warnings] == ["bin_unknown"]  # a test number has no issuer
    assert warnings[0]["en"] == f"The card BIN {number[:6]} is not in the issuer table."


@pytest.mark.parametrize(("number", "scheme"), PUBLISHED_CARDS)
def test_every_single_digit_error_in_a_published_card_fails_luhn(
    number: str, scheme: str | None
) -> None:
    """Luhn catches every single-digit substitution and every adjacent transposition except
    09 <-> 90; the soft check must report each of them."""
    for position in range(len(number)):
        for digit in string.digits:
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            assert parse_bank_card(changed).luhn_ok is False, changed
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a == b or {a, b} == {"0", "9"}:
            continue
        swapped = number[:position] + b + a + number[position + 2 :]
        assert parse_bank_card(swapped).luhn_ok is False, swapped
        result = check("card", swapped)
        assert result.valid and result.details["luhn_ok"] is False
        warnings = result.details["warnings"]
        assert isinstance(warnings, list) and warnings[0]["rule"] == "luhn"


def test_luhn_agrees_with_the_definition_on_every_short_number() -> None:
    for n in range(100_000):
        digits = f"{n:05d}"
        assert v._luhn_ok(digits) == _reference_luhn(digits), digits


# GB 11643-1999 §7.2: weights 2^(17-i) mod 11 and the check character by remainder.
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = {0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3"}
GB11643_CHECK[10] = "2"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.digits, min_size=17, max_size=17))
def test_id_check_digit_follows_the_standards_table(body: str) -> None:
    total = sum(int(c) * w for c, w in zip(body, GB11643_WEIGHTS, strict=True))
    assert mod11_2_check_digit(body) == GB11643_CHECK[total % 11]


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),  # the standard's own example
        ("440524198001010013", date(1980, 1, 1), "M"),
        ("320311197001010019", date(1970, 1, 1), "M"),
        ("51010420000229002X", date(2000, 2, 29), "F"),
    ],
)
def test_resident_ids_with_check_digits_from_the_table(number: str, born: date, sex: str) -> None:
    body = number[:17]
    total = sum(int(c) * w for c, w in zip(body, GB11643_WEIGHTS, strict=True))
    assert GB11643_CHECK[total % 11] == number[17]
    rid = parse_resident_id(number, today=TODAY)
    assert (rid.number, rid.birth_date, rid.sex, rid.kind) == (number, born, sex, "resident")
    assert rid.region_code == number[:6]
    wrong = body + ("0" if number[17] != "0" else "1")
    assert _rule(lambda: parse_resident_id(wrong, today=TODAY)) == "check_digit"


# GB 32100-2015: weights 3^i mod 31 over the 31 characters without I, O, Z, S and V.
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_follows_the_standard(body: str) -> None:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, GB32100_WEIGHTS, strict=True))
    assert v.uscc_check_char(body) == USCC_ALPHABET[(31 - total % 31) % 31]


def test_the_readme_uscc_example() -> None:
    parsed = parse_social_credit_code("91110000100003962Y")
    assert (parsed.region_code, parsed.region_name) == ("110000", "北京市")
    assert parsed.organisation_code == "100003962"
    assert check("uscc", "91110000100003962Y").valid
    assert _rule(lambda: parse_social_credit_code("91110000100003962X")) == "check_digit"


# GB 11714-1997: weights 3 7 9 10 5 8 4 2; check = 11 - sum mod 11, 10 -> X, 11 -> 0.
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=8, max_size=8))
def test_organisation_code_check_character_follows_the_standard(body: str) -> None:
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body]
    check_value = (
        11 - sum(a * w for a, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    )
    expected = {10: "X", 11: "0"}.get(check_value, str(check_value))
    assert v.org_code_check_char(body) == expected


def test_legacy_foreign_card_check_digit_follows_icao_9303() -> None:
    # 7-3-1 weights, letters A=10 ... Z=35, sum mod 10.
    body = "KAZ11009012310"
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body]
    total = sum(a * (7, 3, 1)[i % 3] for i, a in enumerate(values))
    assert v._mrz_check_digit(body) == str(total % 10) == "5"


# --------------------------------------------------------------------------------------------
# every refusal names its field and its rule, in words a person can act on


@pytest.mark.parametrize(
    ("parse", "raw", "rule", "en"),
    [
        (parse_resident_id, "", "empty", "The identity number is empty."),
        (
            parse_resident_id,
            "1101051949123100",
            "length",
            "The identity number must have 18 characters (15 for the legacy forms); it has 16.",
        ),
        (
            parse_resident_id,
            "x" * 65,
            "length",
            "The identity number must have 18 characters (15 for the legacy forms); it has 65.",
        ),
        (
            parse_resident_id,
            "000000194912310020",
            "region_code",
            "The address code 000000 is not a valid province-level division code (GB/T 2260) "
            "or does not fit the document type.",
        ),
        (
            parse_resident_id,
            "9" + "11" + "000" + "19771107" + "0221",
            "nationality_code",
            "The nationality code 000 is not in GB/T 2659 / ISO 3166-1.",
        ),
        (
            parse_resident_id,
            "110105194902300020",
            "birth_date",
            "The birth date code is not a real calendar date between 1 January 1900 and today.",
        ),
        (
            parse_resident_id,
            "110105194912310021",
            "check_digit",
            "The check digit does not match (GB 11643, ISO 7064 MOD 11-2); "
            "a digit was probably mistyped.",
        ),
        (
            parse_social_credit_code,
            "9152000021443414",
            "length",
            "The unified social credit code must have 18 characters; it has 16.",
        ),
        (
            parse_social_credit_code,
            "B1520000214434146R",
            "department_code",
            "The registration department code B (1st character) is not valid.",
        ),
        (
            parse_social_credit_code,
            "95520000214434146R",
            "category_code",
            "The organisation category code 5 (2nd character) is not one that department 9 issues.",
        ),
        (
            parse_social_credit_code,
            "91990000214434146R",
            "region_code",
            "The registering authority's division code 990000 (characters 3-8) is not valid "
            "(GB/T 2260).",
        ),
        (
            parse_social_credit_code,
            "91520000214434147R",
            "org_code_check",
            "The embedded organisation code (characters 9-17, GB 11714) fails its own check "
            "character.",
        ),
        (
            parse_social_credit_code,
            "91110000100003962X",
            "check_digit",
            "The check character (18th, GB 32100 MOD 31) does not match.",
        ),
        (
            parse_bank_card,
            "62220212345",
            "length",
            "The bank card number must have 12 to 19 digits; it has 11.",
        ),
        (
            parse_bank_card,
            "6222 0212 3456 789A",
            "charset",
            "The bank card number may contain digits only (spaces or hyphens may group them).",
        ),
        (
            parse_mobile,
            "+44 7911 123456",
            "country",
            "This is not a mainland China (+86) number; its country code is +44.",
        ),
        (
            parse_mobile,
            "+86 10 6552 9988",
            "not_mobile",
            "This is a fixed-line or other kind of number, not a mobile number.",
        ),
        (
            parse_mobile,
            "1380013800",
            "invalid_number",
            "This is not an allocated mainland China number range.",
        ),
        (
            parse_mobile,
            "1" * 65,
            "length",
            "The mobile number is too long (65 characters).",
        ),
    ],
)
def test_refusals_name_the_field_and_the_rule(
    parse: Callable[..., object], raw: str, rule: str, en: str
) -> None:
    with pytest.raises(IdentityRuleError) as caught:
        parse(raw, field="applicant.document")
    error = caught.value
    assert (error.field, error.rule, error.status) == ("applicant.document", rule, 422)
    assert error.params["field"] == "applicant.document" and error.params["rule"] == rule
    assert str(error) == f"{en} field=applicant.document rule={rule}"
    assert error.messages["en"] == error.detail == en
    assert error.messages["zh"] and error.messages["zh"] != en
    assert "{" not in error.messages["zh"] + error.messages["en"]  # every placeholder filled


def test_zh_messages_carry_the_same_facts() -> None:
    with pytest.raises(IdentityRuleError) as caught:
        parse_resident_id("1101051949123100")
    assert caught.value.messages["zh"] == "证件号码应为 18 位（旧版为 15 位），实际为 16 位。"
    assert caught.value.field == "id_number"
    with pytest.raises(IdentityRuleError) as caught:
        parse_mobile("+44 7911 123456")
    assert caught.value.messages["zh"] == "不是中国大陆（+86）的号码，国家代码为 +44。"
    assert caught.value.field == "mobile"
    assert caught.value.kind == "mobile"


@pytest.mark.parametrize(
    ("kind", "raw", "field", "rule"),
    [
        ("id", "110105194912310021", "id_number", "check_digit"),
        ("uscc", "91110000100003962X", "uscc", "check_digit"),
        ("card", "62220212345", "card_number", "length"),
        ("mobile", "010-6552-9988", "mobile", "not_mobile"),
    ],
)
def test_check_names_the_field_and_rule_and_gives_both_languages(
    kind: str, raw: str, field: str, rule: str
) -> None:
    result = check(kind, raw)  # type: ignore[arg-type]
    assert (result.kind, result.valid, result.field, result.rule) == (kind, False, field, rule)
    assert result.details == {}
    parsers: dict[str, Callable[..., object]] = {
        "id": parse_resident_id,
        "uscc": parse_social_credit_code,
        "card": parse_bank_card,
        "mobile": parse_mobile,
    }
    with pytest.raises(IdentityRuleError) as caught:
        parsers[kind](raw)
    assert result.messages == caught.value.messages
    assert caught.value.field == field


# --------------------------------------------------------------------------------------------
# mobiles: every form a customer types, and each carrier's ranges


@pytest.mark.parametrize(
    ("raw", "national", "carrier"),
    [
        ("13012345678", "13012345678", "China Unicom"),
        ("18912345678", "18912345678", "China Telecom"),
        ("19912345678", "19912345678", "China Telecom"),
        ("+8613800138000", "13800138000", "China Mobile"),
        ("8613800138000", "13800138000", "China Mobile"),
        ("008613800138000", "13800138000", "China Mobile"),
        ("(138) 0013-8000", "13800138000", "China Mobile"),
        ("１３８ ００１３ ８０００", "13800138000", "China Mobile"),
    ],
)
def test_mobile_carriers_and_forms(raw: str, national: str, carrier: str) -> None:
    mobile = parse_mobile(raw)
    assert (mobile.e164, mobile.national, mobile.carrier) == ("+86" + national, national, carrier)
    assert mobile.masked() == "+86" + national[:3] + "****" + national[-4:]
    result = check("mobile", raw)
    assert result.valid and result.details == {
        "masked": mobile.masked(),
        "carrier": carrier,
        "warnings": [],
    }


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("4008123123", "not_mobile"),  # a 400 service number
        ("+86 400 810 8888", "not_mobile"),
        ("95588", "invalid_number"),  # a bank's short number
        ("138001380001", "invalid_number"),
        ("1380013800", "invalid_number"),
        ("  --  ", "empty"),
        ("138 0013 8000 ext", "charset"),
    ],
)
def test_more_mobile_refusals(raw: str, rule: str) -> None:
    assert _rule(lambda: parse_mobile(raw)) == rule


# --------------------------------------------------------------------------------------------
# what check() reports for a valid number, field by field

ID_VALID = {"zh": "证件号码有效。", "en": "The identity number is valid."}
UNKNOWN_COUNTY_110199 = {
    "rule": "region_county_unknown",
    "zh": "地址码 110199 的省份有效，但县级代码不在行政区划代码表中（可能是未收录的新旧代码），"
    "请人工核对。",
    "en": "The province of address code 110199 is valid but the county code is not in the "
    "division code table (possibly a code missing from it); please check by hand.",
}


def _id_details(masked: str, kind: str, region: str, name: str | None, **rest: object) -> dict:
    province = rest.pop("province_name", name)
    return {
        "masked": masked,
        "id_kind": kind,
        "region_code": region,
        "region_name": name,
        "province_name": province,
        "birth_date": rest.pop("birth_date"),
        "sex": rest.pop("sex"),
        "nationality": rest.pop("nationality", None),
        "warnings": rest.pop("warnings", []),
    }


@pytest.mark.parametrize(
    ("raw", "details"),
    [
        (
            "11010519491231002X",
            _id_details(
                "110105********002X",
                "resident",
                "110105",
                "北京市朝阳区",
                province_name="北京市",
                birth_date="1949-12-31",
                sex="F",
            ),
        ),
        (
            "110105491231002",
            _id_details(
                "110105********002X",
                "legacy15",
                "110105",
                "北京市朝阳区",
                province_name="北京市",
                birth_date="1949-12-31",
                sex="F",
            ),
        ),
        (
            "932682198501010017",
            _id_details(
                "932682********0017",
                "foreign_permanent",
                "320000",
                "江苏省",
                birth_date="1985-01-01",
                sex="M",
                nationality="SAU",
            ),
        ),
        (
            "KAZ110090123105",
            _id_details(
                "KAZ110*****3105",
                "foreign_permanent_legacy",
                "110000",
                "北京市",
                birth_date="1990-12-31",
                sex="F",
                nationality="KAZ",
            ),
        ),
        (
            "810000198002290046",
            _id_details(
                "810000********0046",
                "hk_macau_permit",
                "810000",
                "香港特别行政区",
                birth_date="1980-02-29",
                sex="F",
            ),
        ),
        (
            "110199198001010016",
            _id_details(
                "110199********0016",
                "resident",
                "110199",
                None,
                province_name="北京市",
                birth_date="1980-01-01",
                sex="M",
                warnings=[UNKNOWN_COUNTY_110199],
            ),
        ),
    ],
)
def test_check_reports_every_fact_of_a_valid_id(raw: str, details: dict) -> None:
    result = check("id", raw)
    assert (result.kind, result.valid, result.field, result.rule) == ("id", True, "id_number", None)
    assert result.messages == ID_VALID
    assert result.details == details


MARKET_REGULATION = {
    "zh": "市场监督管理（原工商）",
    "en": "market regulation (formerly industry and commerce)",
}


@pytest.mark.parametrize(
    ("raw", "region", "name"),
    [
        ("91110000100003962Y", "110000", "北京市"),
        ("91100000100003962T", "100000", "中华人民共和国（国家级登记机关）"),
    ],
)
def test_check_reports_every_fact_of_a_valid_uscc(raw: str, region: str, name: str) -> None:
    result = check("uscc", raw)
    assert (result.valid, result.field, result.rule) == (True, "uscc", None)
    assert result.messages == {
        "zh": "统一社会信用代码有效。",
        "en": "The unified social credit code is valid.",
    }
    assert result.details == {
        "code": raw,
        "department": "9",
        "department_names": MARKET_REGULATION,
        "category": "1",
        "category_names": {"zh": "企业", "en": "enterprise"},
        "region_code": region,
        "region_name": name,
        "organisation_code": "100003962",
        "warnings": [],
    }


def test_check_reports_every_fact_of_a_valid_card() -> None:
    result = check("card", "6222 0200 0000 0000 000")
    assert (result.valid, result.field, result.rule) == (True, "card_number", None)
    assert result.messages == {
        "zh": "银行卡号格式有效。",
        "en": "The bank card number is well formed.",
    }
    assert result.details == {
        "masked": "622202*********0000",
        "length": 19,
        "luhn_ok": True,
        "bin": "622202",
        "issuer_zh": "中国工商银行",
        "issuer_en": "Industrial and Commercial Bank of China",
        "scheme": "UnionPay",
        "card_type": "debit",
        "warnings": [],
    }
    assert check("mobile", "13800138000").messages == {
        "zh": "手机号码有效。",
        "en": "The mobile number is valid.",
    }


# --------------------------------------------------------------------------------------------
# the values a refusal names, boundaries, and the data behind the names


def _refusal(call: Callable[[], object]) -> IdentityRuleError:
    with pytest.raises(IdentityRuleError) as caught:
        call()
    _assert_explained(caught.value)
    return caught.value


def _mrz(body14: str) -> str:
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body14]
    return body14 + str(sum(a * (7, 3, 1)[i % 3] for i, a in enumerate(values)) % 10)


@pytest.mark.parametrize(
    ("call", "params"),
    [
        (lambda: parse_resident_id("000000194912310020"), {"region_code": "000000"}),
        (lambda: parse_resident_id("810000491231002"), {"region_code": "810000"}),
        (
            lambda: parse_resident_id(_with_check("9" + "71" + "840" + "19771107" + "022")),
            {"region_code": "710000"},
        ),
        (
            lambda: parse_resident_id(_with_check("9" + "11" + "999" + "19771107" + "022")),
            {"nationality_code": "999"},
        ),
        (lambda: parse_resident_id("QQQ110090123105"), {"nationality_code": "QQQ"}),
        (lambda: parse_resident_id(_mrz("KAZ7100901231" + "0")), {"region_code": "710000"}),
        (lambda: parse_resident_id("1101051949123100"), {"actual": 16}),
        (lambda: parse_social_credit_code("91990000214434146R"), {"region_code": "990000"}),
        (lambda: parse_social_credit_code("B1520000214434146R"), {"department": "B"}),
        (
            lambda: parse_social_credit_code("95520000214434146R"),
            {"department": "9", "category": "5"},
        ),
        (lambda: parse_social_credit_code("9152000021443414"), {"actual": 16}),
        (lambda: parse_bank_card("62220212345"), {"actual": 11}),
        (lambda: parse_mobile("+44 7911 123456"), {"country_code": 44}),
    ],
)
def test_refusals_carry_the_offending_part(
    call: Callable[[], object], params: dict[str, object]
) -> None:
    error = _refusal(call)
    assert {k: error.params[k] for k in params} == params
    assert set(error.params) == {"field", "rule", *params}


def test_birth_date_boundaries() -> None:
    assert parse_resident_id(_with_check("11010519000101001")).birth_date == date(1900, 1, 1)
    assert _rule(lambda: parse_resident_id(_with_check("11010518991231001"))) == "birth_date"
    # Legacy foreign cards have two-digit years: both centuries are kept while both fit, the
    # later preferred; today itself fits, 1 January 1900 fits.
    rid = parse_resident_id(_mrz("USA1100" + "000101" + "1"), today=TODAY)
    assert (rid.birth_date, rid.warnings) == (date(2000, 1, 1), ("birth_century_inferred",))
    rid = parse_resident_id(_mrz("USA1100" + "250601" + "1"), today=TODAY)
    assert (rid.birth_date, rid.warnings) == (TODAY, ("birth_century_inferred",))
    rid = parse_resident_id(_mrz("USA1100" + "250602" + "1"), today=TODAY)
    assert (rid.birth_date, rid.warnings) == (date(1925, 6, 2), ())
    rid = parse_resident_id(_mrz("USA1100" + "000229" + "1"), today=TODAY)
    assert (rid.birth_date, rid.warnings) == (date(2000, 2, 29), ())  # 1900 had no 29 February
    for born in ("990230", "001301", "000000"):
        assert _rule(lambda b=born: parse_resident_id(_mrz("USA1100" + b + "1"))) == "birth_date"


def test_birth_dates_are_judged_by_the_calendar_in_china(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 20:00 UTC on 1 June it is already 2 June in Beijing: a baby born on 2 June there
    has a valid ID, whatever the server's own zone says."""
    from datetime import datetime as real_datetime

    class Clock(real_datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:  # type: ignore[override]
            utc = real_datetime(2025, 6, 1, 20, 0, tzinfo=v.ZoneInfo("UTC"))
            if tz is None:
                return cls(2025, 6, 1, 20, 0)
            return cls.fromtimestamp(utc.timestamp(), tz)  # type: ignore[arg-type]

    monkeypatch.setattr(v, "datetime", Clock)
    born_today_in_beijing = _with_check("11010520250602001")
    assert parse_resident_id(born_today_in_beijing).birth_date == date(2025, 6, 2)
    assert _rule(lambda: parse_resident_id(_with_check("11010520250603001"))) == "birth_date"


def test_unknown_counties_warn_on_every_form() -> None:
    rid = parse_resident_id("110199491231002", today=TODAY)  # legacy 15 digits
    assert (rid.kind, rid.region_name, rid.warnings) == (
        "legacy15",
        None,
        ("region_county_unknown",),
    )
    rid = parse_resident_id(_mrz("KAZ1199" + "901231" + "0"), today=TODAY)  # legacy foreign
    assert (rid.region_code, rid.region_name) == ("119900", None)
    assert rid.warnings == ("region_county_unknown",)
    assert parse_resident_id(_mrz("KAZ1101" + "901231" + "0"), today=TODAY).warnings == ()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("320311", "江苏省徐州市泉山区"),
        ("320301", "江苏省徐州市"),  # 市辖区 adds nothing
        ("320300", "江苏省徐州市"),
        ("320000", "江苏省"),
        ("110105", "北京市朝阳区"),  # a municipality's 市辖区 is dropped
        ("500230", "重庆市丰都县"),  # and its 县
        ("659001", "新疆维吾尔自治区石河子市"),  # directly administered county-level cities
        ("419001", "河南省济源市"),
        ("429004", "湖北省仙桃市"),
    ],
)
def test_region_names_read_like_an_address(code: str, name: str) -> None:
    assert v._region_name(code) == (name, True)
    rid = parse_resident_id(_with_check(code + "19800101001"), today=TODAY)
    assert rid.region_name == name


def test_lengths_at_the_limits() -> None:
    twelve = _luhn_complete("4", 12)
    assert parse_bank_card(twelve).length == 12
    nineteen = _luhn_complete("6", 19)
    assert parse_bank_card(nineteen).length == 19
    assert _rule(lambda: parse_bank_card(twelve[:-1])) == "length"
    assert _rule(lambda: parse_bank_card(nineteen + "0")) == "length"
    # Input is refused unread above 64 characters; 64 with separators is still read.
    padded = "  ".join(twelve).ljust(64)
    assert len(padded) == 64 and parse_bank_card(padded).length == 12
    assert _rule(lambda: parse_bank_card(padded + " ")) == "length"
    assert _refusal(lambda: parse_bank_card(padded + " ")).params["actual"] == 65


def test_check_character_helpers_refuse_a_body_of_the_wrong_length() -> None:
    for helper, body in [
        (mod11_2_check_digit, "1101051949123100"),
        (v.uscc_check_char, "9152000021443414"),
        (v.org_code_check_char, "2144341"),
    ]:
        with pytest.raises(ValueError, match="zip"):
            helper(body)


def test_a_rule_without_text_still_names_itself() -> None:
    assert v._render("id", "no_such_rule", {}) == {"zh": "id.no_such_rule", "en": "id.no_such_rule"}
    # A placeholder without a value stays visible rather than failing or vanishing.
    rendered = v._render("id", "length", {})
    assert rendered["en"].endswith("it has {actual}.") and "{actual}" in rendered["zh"]


def test_the_data_tables_load_from_the_package() -> None:
    for loader in (v._messages, v._regions, v._countries, v._uscc_codes, v._bin_rows):
        loader.cache_clear()
    assert v._messages()["id.valid"]["en"] == "The identity number is valid."
    assert "_comment" not in v._messages()
    regions = v._regions()
    assert regions.provinces["11"] == "北京市" and regions.names["110105"] == "朝阳区"
    assert regions.names["120110"] == "东丽区"  # renamed from 东郊区: the latest name is kept
    assert len(regions.provinces) == 34
    by_numeric, by_alpha3 = v._countries()
    assert by_numeric["156"].alpha3 == "CHN" and by_alpha3["CHN"].name_zh == "中国"
    assert v._uscc_codes()["9"]["categories"]["1"]["en"] == "enterprise"
    rows = v._bin_rows()
    assert [len(r.low) for r in rows] == sorted((len(r.low) for r in rows), reverse=True)
    icbc = next(r for r in rows if r.low == "622202")
    assert (icbc.issuer_en, icbc.scheme, icbc.card_type, icbc.is_scheme) == (
        "Industrial and Commercial Bank of China",
        "UnionPay",
        "debit",
        False,
    )
    assert 19 in icbc.lengths


def test_the_callers_today_is_the_one_that_counts() -> None:
    # A permanent-resident card of someone born after the caller's today is refused, whatever
    # the calendar says now; so is a legacy 15-digit ID.
    foreign = _with_check("9" + "11" + "840" + "20250701" + "022")
    assert _rule(lambda: parse_resident_id(foreign, today=TODAY)) == "birth_date"
    assert parse_resident_id(foreign, today=date(2025, 7, 1)).birth_date == date(2025, 7, 1)
    assert _rule(lambda: parse_resident_id("110105851231002", today=date(1980, 1, 1))) == (
        "birth_date"
    )
    assert parse_resident_id("110105851231002", today=TODAY).birth_date == date(1985, 12, 31)


def test_a_foreign_permanent_card_with_a_wrong_check_digit_is_named() -> None:
    good = _with_check("9" + "11" + "840" + "19771107" + "022")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert _rule(lambda: parse_resident_id(bad, today=TODAY)) == "check_digit"


def test_non_strings_are_refused_with_the_field_named() -> None:
    assert _rule(lambda: parse_resident_id(None)) == "charset"  # type: ignore[arg-type]
    assert _rule(lambda: parse_mobile(13800138000)) == "charset"  # type: ignore[arg-type]
    assert _rule(lambda: parse_bank_card(b"4111111111111111")) == "charset"  # type: ignore[arg-type]
    assert _rule(lambda: parse_social_credit_code(["9"])) == "charset"  # type: ignore[arg-type]


def test_check_reports_an_unknown_county_in_a_uscc() -> None:
    result = check("uscc", _with_org("91110199", "MA01B2C3"))
    assert result.valid and result.details["region_code"] == "110199"
    assert result.details["warnings"] == [
        {
            "rule": "region_county_unknown",
            "zh": "行政区划码 110199 的省份有效，但县级代码不在代码表中，请人工核对。",
            "en": "The province of division code 110199 is valid but the county code is not in "
            "the table; please check by hand.",
        }
    ]


@pytest.mark.parametrize(
    ("born", "rule"), [(date(1899, 12, 31), "not_before_1900"), (date(2025, 6, 2), "not_in_future")]
)
def test_an_impossible_birth_date_is_refused_with_the_range(born: date, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        v.check_birth_date(born, field="applicant.birth_date", today=TODAY)
    error = caught.value
    assert (error.field, error.rule, error.status) == ("applicant.birth_date", rule, 422)
    assert error.detail == "a birth date must be from 1900-01-01 to today"
    assert error.params == {"field": "applicant.birth_date", "rule": rule, "earliest": "1900-01-01"}
    assert v.check_birth_date(TODAY, today=TODAY) == TODAY
