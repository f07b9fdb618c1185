"""Strict validators for Chinese identity numbers, social credit codes, bank cards and mobiles.

Each ``parse_*`` function returns a typed result or raises :class:`IdentityRuleError` naming the
field and the one rule that failed, with a zh and an en explanation from
``data/validators_messages.json``. :func:`check` wraps them for the CLI and the API and never
raises for bad input.

Where python-stdnum is too lenient or too strict we follow the standards instead:

* resident IDs (GB 11643-1999): Hong Kong/Macao (810000, 820000) and Taiwan (830000) residence
  permits and the 2023 foreign permanent resident ID (leading ``9``) are accepted; the legacy
  15-digit form is upgraded to 18 digits; the legacy 15-character foreign card (ISO alpha-3
  nationality + 12 digits, ICAO 9303 7-3-1 check digit) is accepted too;
* unified social credit codes (GB 32100-2015): the department/category pair, the region and the
  embedded organisation code's own GB 11714 check character are all verified;
* bank cards: Luhn is only a hint (some UnionPay cards fail it), issuers come from a BIN table;
* mobiles: phonenumbers' CN metadata decides, fixed lines are refused.

Raw numbers never appear in errors, ``repr`` or :class:`CheckResult` details: only masked forms.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import carrier as phone_carrier

from finbrain.core.errors import ValidationError

__all__ = [
    "WARNINGS",
    "BankCard",
    "CheckResult",
    "IdentityRuleError",
    "MobileNumber",
    "ResidentId",
    "SocialCreditCode",
    "check",
    "mod11_2_check_digit",
    "org_code_check_char",
    "parse_bank_card",
    "parse_mobile",
    "parse_resident_id",
    "parse_social_credit_code",
    "uscc_check_char",
]

CheckKind = Literal["id", "uscc", "card", "mobile"]
IdKind = Literal[
    "resident",
    "legacy15",
    "hk_macau_permit",
    "taiwan_permit",
    "foreign_permanent",
    "foreign_permanent_legacy",
]

# Soft findings: the number stays valid, the warning travels with the result (kind -> codes).
WARNINGS: dict[str, tuple[str, ...]] = {
    "id": ("region_county_unknown", "birth_century_inferred"),
    "uscc": ("region_county_unknown",),
    "card": ("luhn", "bin_unknown"),
    "mobile": (),
}

# Birth dates are judged by the calendar in China, not the server's zone.
_CHINA = ZoneInfo("Asia/Shanghai")
# The earliest birth date finbrain takes anywhere (at most about 126 years old in 2026): the
# oldest people alive were born after it, and every earlier date seen in practice is a typo or a
# placeholder (1800-01-01, 0001-01-01).
MIN_BIRTH_DATE = date(1900, 1, 1)
_MIN_BIRTH = MIN_BIRTH_DATE
# Anything longer than this is not one of our numbers; refuse before normalising it.
_MAX_INPUT = 64
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")

# Region codes that are not in GB/T 2260's county table but are fixed by the permit rules.
_PERMIT_REGIONS: dict[str, tuple[IdKind, str]] = {
    "810000": ("hk_macau_permit", "香港特别行政区"),
    "820000": ("hk_macau_permit", "澳门特别行政区"),
    "830000": ("taiwan_permit", "台湾地区"),
}
# Provinces whose residents hold permits, not mainland resident IDs, and where no mainland
# authority registers organisations or takes foreigners' permanent-residence applications.
_NON_MAINLAND = frozenset({"71", "81", "82", "83"})
# National-level registrars (e.g. the State Administration for Market Regulation) use 100000.
_NATIONAL_REGION = "100000"
# Placeholder names in GB/T 2260 that add nothing to a readable place name: the standard's own
# and the forms python-stdnum's table spells them in (行政单位 for 行政区划).
_FILLER_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政区划",
        "自治区直辖县级行政区划",
        "省直辖县级行政单位",
        "自治区直辖县级行政单位",
        "省直辖行政单位",
    }
)

_MOD11_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 …
_MOD11_CHARS = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I O Z S V
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_MRZ_WEIGHTS = (7, 3, 1)


# --------------------------------------------------------------------------------------------
# data


def _data_text(name: str) -> str:
    return resources.files("finbrain.identity").joinpath(f"data/{name}").read_text("utf-8")


@cache
def _messages() -> dict[str, dict[str, str]]:
    raw: dict[str, Any] = json.loads(_data_text("validators_messages.json"))
    return {key: value for key, value in raw.items() if not key.startswith("_")}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(kind: str, rule: str, params: dict[str, Any]) -> dict[str, str]:
    entry = _messages().get(f"{kind}.{rule}")
    if entry is None:  # a rule without text is a bug, but must not hide the rule itself
        return {"zh": f"{kind}.{rule}", "en": f"{kind}.{rule}"}
    return {lang: entry[lang].format_map(_Missing(params)) for lang in ("zh", "en")}


@dataclass(frozen=True)
class _Regions:
    provinces: dict[str, str]  # "11" -> 北京市
    names: dict[str, str]  # "110105" -> 朝阳区 (latest name when a code was renamed)


@cache
def _regions() -> _Regions:
    """GB/T 2260 codes with history, read from python-stdnum's table at run time.

    Historical codes are kept on purpose: an ID keeps the code its holder was first given.
    """
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text("utf-8")
    provinces: dict[str, str] = {}
    names: dict[str, str] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, props = line.strip().partition(" ")
        match = re.search(r'="([^"]*)"', props)
        value = match.group(1) if match else ""
        if not line.startswith(" "):
            province = code
            provinces[province] = value
            continue
        # '[-1991]东郊区,[1992-]东丽区': keep the latest name, without its validity years.
        latest = value.split(",")[-1]
        names[province + code] = re.sub(r"^\[[^\]]*\]", "", latest)
    return _Regions(provinces, names)


def _province_name(code2: str) -> str:
    regions = _regions()
    return regions.names.get(code2 + "0000") or regions.provinces[code2]


def _region_name(code6: str) -> tuple[str | None, bool]:
    """A readable name for a known province's code (None when the full code is unknown)."""
    regions = _regions()
    parts = [_province_name(code6[:2])]
    if code6[2:4] != "00":
        prefecture = regions.names.get(code6[:4] + "00")
        if prefecture and prefecture not in _FILLER_NAMES and prefecture != parts[0]:
            parts.append(prefecture)
    if code6[4:] != "00":
        county = regions.names.get(code6)
        if county and county not in _FILLER_NAMES:
            parts.append(county)
    known = code6 in regions.names
    return ("".join(parts) if known else None), known


@dataclass(frozen=True)
class _Country:
    numeric: str
    alpha3: str
    name_en: str
    name_zh: str


@cache
def _countries() -> tuple[dict[str, _Country], dict[str, _Country]]:
    lines = [ln for ln in _data_text("validators_countries.csv").splitlines() if ln[:1] != "#"]
    rows = [_Country(**row) for row in csv.DictReader(io.StringIO("\n".join(lines)))]
    return {c.numeric: c for c in rows}, {c.alpha3: c for c in rows}


@cache
def _uscc_codes() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_data_text("validators_uscc_codes.json"))["departments"]
    return data


@dataclass(frozen=True)
class _BinRow:
    low: str
    high: str
    lengths: frozenset[int]
    issuer_zh: str | None
    issuer_en: str | None
    scheme: str | None
    card_type: str | None
    is_scheme: bool

    def matches(self, digits: str) -> bool:
        head = digits[: len(self.low)]
        return len(head) == len(self.low) and self.low <= head <= self.high


@cache
def _bin_rows() -> tuple[_BinRow, ...]:
    lines = [ln for ln in _data_text("bin_ranges.csv").splitlines() if ln[:1] != "#"]
    rows: list[_BinRow] = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        low, _, high = row["prefix"].partition("-")
        rows.append(
            _BinRow(
                low=low,
                high=high or low,
                lengths=frozenset(int(n) for n in row["lengths"].split("|")),
                issuer_zh=row["issuer_zh"] or None,
                issuer_en=row["issuer_en"] or None,
                scheme=row["scheme"] or None,
                card_type=row["card_type"] or None,
                is_scheme=row["source"] == "scheme",
            )
        )
    # Longest prefix first, so the first match is the most specific one.
    return tuple(sorted(rows, key=lambda r: -len(r.low)))


# --------------------------------------------------------------------------------------------
# errors and results


class IdentityRuleError(ValidationError):
    """An identity number broke a rule; ``detail`` and ``messages`` never contain the number."""

    def __init__(self, kind: str, rule: str, *, field: str, **params: Any) -> None:
        self.kind = kind
        self.messages: dict[str, str] = _render(kind, rule, params)
        super().__init__(self.messages["en"], field=field, rule=rule, **params)


def _fail(kind: str, rule: str, field: str, **params: Any) -> IdentityRuleError:
    return IdentityRuleError(kind, rule, field=field, **params)


def _mask(text: str, keep_head: int = 6, keep_tail: int = 4) -> str:
    hidden = max(len(text) - keep_head - keep_tail, 0)
    return text[:keep_head] + "*" * hidden + text[len(text) - keep_tail :]


@dataclass(frozen=True)
class ResidentId:
    """A parsed resident ID, residence permit or foreign permanent resident ID."""

    number: str = field(repr=False)  # never in repr: objects end up in logs
    kind: IdKind
    region_code: str
    region_name: str | None
    birth_date: date
    sex: Literal["M", "F"]
    warnings: tuple[str, ...] = ()
    nationality: str | None = None  # ISO 3166-1 alpha-3, foreign permanent residents only

    def masked(self) -> str:
        return _mask(self.number)


@dataclass(frozen=True)
class SocialCreditCode:
    code: str
    department: str
    category: str
    region_code: str
    region_name: str | None
    organisation_code: str
    warnings: tuple[str, ...] = ()

    @property
    def department_names(self) -> dict[str, str]:
        entry = _uscc_codes()[self.department]
        return {"zh": entry["zh"], "en": entry["en"]}

    @property
    def category_names(self) -> dict[str, str]:
        entry = _uscc_codes()[self.department]["categories"][self.category]
        return {"zh": entry["zh"], "en": entry["en"]}


@dataclass(frozen=True)
class BankCard:
    masked: str
    length: int
    luhn_ok: bool
    issuer_zh: str | None
    issuer_en: str | None
    scheme: str | None
    card_type: str | None
    bin: str


@dataclass(frozen=True)
class MobileNumber:
    e164: str = field(repr=False)
    national: str = field(repr=False)
    carrier: str | None

    def masked(self) -> str:
        return _mask(self.e164, keep_head=6, keep_tail=4)


@dataclass(frozen=True)
class CheckResult:
    kind: str
    valid: bool
    field: str
    rule: str | None
    messages: dict[str, str]
    details: dict[str, object]


# --------------------------------------------------------------------------------------------
# check characters


def mod11_2_check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a 17-digit body (GB 11643)."""
    total = sum(int(ch) * w for ch, w in zip(body17, _MOD11_WEIGHTS, strict=True))
    return _MOD11_CHARS[total % 11]


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character: weights 3^i mod 31 over the code's own 31-character alphabet."""
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[-total % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 organisation code check character (letters count A=10 … Z=35)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _mrz_check_digit(text: str) -> str:
    """ICAO 9303 7-3-1 check digit (letters A=10 … Z=35), used by the legacy foreign card."""
    total = sum(int(ch, 36) * _MRZ_WEIGHTS[i % 3] for i, ch in enumerate(text))
    return str(total % 10)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# --------------------------------------------------------------------------------------------
# parsers


def _normalise(value: str, kind: str, field: str) -> str:
    """NFKC (full-width digits and letters), separators stripped, upper case."""
    if not isinstance(value, str):  # callers outside mypy's reach (JSON, CLI)
        raise _fail(kind, "charset", field)
    if len(value) > _MAX_INPUT:
        raise _fail(kind, "length", field, actual=len(value))
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()
    if not text:
        raise _fail(kind, "empty", field)
    return text


def _today(today: date | None) -> date:
    return today if today is not None else datetime.now(_CHINA).date()


def birth_date_rule(born: date, today: date | None = None) -> str | None:
    """The rule ``born`` breaks as a person's birth date, or None: ``not_in_future`` (after
    ``today``, China's calendar by default) or ``not_before_1900`` (before ``MIN_BIRTH_DATE``).
    The one rule for every birth date that enters finbrain."""
    if born > _today(today):
        return "not_in_future"
    if born < MIN_BIRTH_DATE:
        return "not_before_1900"
    return None


def check_birth_date(born: date, *, field: str = "birth_date", today: date | None = None) -> date:
    """``born`` if it is a possible birth date (``birth_date_rule``), else a ValidationError
    naming ``field`` and the rule."""
    rule = birth_date_rule(born, today)
    if rule is not None:
        raise ValidationError(
            f"a birth date must be from {MIN_BIRTH_DATE.isoformat()} to today",
            field=field,
            rule=rule,
            earliest=MIN_BIRTH_DATE.isoformat(),
        )
    return born


def _birth_date(year: int, month: int, day: int, today: date, field: str) -> date:
    try:
        born = date(year, month, day)
    except ValueError:
        raise _fail("id", "birth_date", field) from None
    if birth_date_rule(born, today) is not None:
        raise _fail("id", "birth_date", field)
    return born


def _sex(digit: str) -> Literal["M", "F"]:
    return "M" if int(digit) % 2 else "F"


def _mainland_province(code2: str) -> bool:
    return code2 in _regions().provinces and code2 not in _NON_MAINLAND


def parse_resident_id(
    value: str, *, field: str = "id_number", today: date | None = None
) -> ResidentId:
    """Parse a resident ID, HK/Macao/Taiwan residence permit or foreign permanent resident ID.

    Raises :class:`IdentityRuleError` with rule ``empty``, ``charset``, ``length``,
    ``region_code``, ``nationality_code``, ``birth_date`` or ``check_digit``.
    """
    text = _normalise(value, "id", field)
    if not re.fullmatch(r"[0-9A-Z]+", text):
        raise _fail("id", "charset", field)
    if len(text) not in (15, 18):
        raise _fail("id", "length", field, actual=len(text))
    day = _today(today)
    if len(text) == 15:
        if re.fullmatch(r"[A-Z]{3}\d{12}", text):
            return _foreign_legacy(text, field, day)
        if not text.isdigit():
            raise _fail("id", "charset", field)
        return _legacy15(text, field, day)
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise _fail("id", "charset", field)
    if text[0] == "9":
        return _foreign_2023(text, field, day)
    return _resident18(text, field, day)


def _check_mod11(text: str, field: str) -> None:
    if mod11_2_check_digit(text[:17]) != text[17]:
        raise _fail("id", "check_digit", field)


def _resident18(text: str, field: str, today: date) -> ResidentId:
    region = text[:6]
    warnings: list[str] = []
    region_name: str | None
    kind: IdKind
    permit = _PERMIT_REGIONS.get(region)
    if permit is not None:
        kind, region_name = permit
    else:
        if not _mainland_province(region[:2]):
            raise _fail("id", "region_code", field, region_code=region)
        kind = "resident"
        region_name, known = _region_name(region)
        if not known:
            warnings.append("region_county_unknown")
    born = _birth_date(int(text[6:10]), int(text[10:12]), int(text[12:14]), today, field)
    _check_mod11(text, field)
    return ResidentId(text, kind, region, region_name, born, _sex(text[16]), tuple(warnings))


def _legacy15(text: str, field: str, today: date) -> ResidentId:
    region = text[:6]
    # The 1989 form existed only for mainland residents; permits were born 18 digits long.
    if not _mainland_province(region[:2]):
        raise _fail("id", "region_code", field, region_code=region)
    region_name, known = _region_name(region)
    born = _birth_date(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12]), today, field)
    body = region + "19" + text[6:15]
    number = body + mod11_2_check_digit(body)
    warnings = () if known else ("region_county_unknown",)
    return ResidentId(number, "legacy15", region, region_name, born, _sex(text[14]), warnings)


def _foreign_2023(text: str, field: str, today: date) -> ResidentId:
    # 9 · 2-digit province where the application was taken · 3-digit GB/T 2659 nationality ·
    # 8-digit birth date · 3-digit sequence (odd male, even female) · MOD 11-2 check.
    province = text[1:3]
    if not _mainland_province(province):
        raise _fail("id", "region_code", field, region_code=province + "0000")
    country = _countries()[0].get(text[3:6])
    if country is None:
        raise _fail("id", "nationality_code", field, nationality_code=text[3:6])
    born = _birth_date(int(text[6:10]), int(text[10:12]), int(text[12:14]), today, field)
    _check_mod11(text, field)
    return ResidentId(
        text,
        "foreign_permanent",
        province + "0000",
        _province_name(province),
        born,
        _sex(text[16]),
        nationality=country.alpha3,
    )


def _foreign_legacy(text: str, field: str, today: date) -> ResidentId:
    # 3-letter nationality · 4-digit issuing province+city · YYMMDD · sex digit · 7-3-1 check.
    country = _countries()[1].get(text[:3])
    if country is None:
        raise _fail("id", "nationality_code", field, nationality_code=text[:3])
    region = text[3:7] + "00"
    if not _mainland_province(region[:2]):
        raise _fail("id", "region_code", field, region_code=region)
    region_name, known = _region_name(region)
    warnings = [] if known else ["region_county_unknown"]
    yy, month, day_ = int(text[7:9]), int(text[9:11]), int(text[11:13])
    # Two-digit years: both centuries may fit; the card dates from 2004, so a holder born in
    # 20YY (a child) is likelier than one born in 19YY and over a hundred years old.
    options: list[date] = []
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, month, day_)
        except ValueError:  # 29 February exists in 2000 but not in 1900
            continue
        if birth_date_rule(candidate, today) is None:
            options.append(candidate)
    if not options:
        raise _fail("id", "birth_date", field)
    born = options[0]
    if len(options) > 1:
        warnings.append("birth_century_inferred")
    if _mrz_check_digit(text[:14]) != text[14]:
        raise _fail("id", "check_digit", field)
    return ResidentId(
        text,
        "foreign_permanent_legacy",
        region,
        region_name,
        born,
        _sex(text[13]),
        tuple(warnings),
        nationality=country.alpha3,
    )


def parse_social_credit_code(value: str, *, field: str = "uscc") -> SocialCreditCode:
    """Parse a unified social credit code (GB 32100-2015).

    Raises :class:`IdentityRuleError` with rule ``empty``, ``charset``, ``length``,
    ``department_code``, ``category_code``, ``region_code``, ``org_code_check`` or
    ``check_digit``.
    """
    code = _normalise(value, "uscc", field)
    if any(ch not in _USCC_ALPHABET for ch in code):
        raise _fail("uscc", "charset", field)
    if len(code) != 18:
        raise _fail("uscc", "length", field, actual=len(code))
    department, category = code[0], code[1]
    departments = _uscc_codes()
    if department not in departments:
        raise _fail("uscc", "department_code", field, department=department)
    if category not in departments[department]["categories"]:
        raise _fail("uscc", "category_code", field, department=department, category=category)
    region = code[2:8]
    warnings: tuple[str, ...] = ()
    if region == _NATIONAL_REGION:
        region_name: str | None = "中华人民共和国（国家级登记机关）"
    elif region.isdigit() and _mainland_province(region[:2]):
        region_name, known = _region_name(region)
        warnings = () if known else ("region_county_unknown",)
    else:
        raise _fail("uscc", "region_code", field, region_code=region)
    organisation = code[8:17]
    if org_code_check_char(organisation[:8]) != organisation[8]:
        raise _fail("uscc", "org_code_check", field)
    if uscc_check_char(code[:17]) != code[17]:
        raise _fail("uscc", "check_digit", field)
    return SocialCreditCode(code, department, category, region, region_name, organisation, warnings)


def _lookup_bin(digits: str) -> tuple[_BinRow | None, _BinRow | None]:
    issuer = scheme = None
    for row in _bin_rows():
        if not row.matches(digits):
            continue
        if row.is_scheme:
            scheme = scheme or row
        elif issuer is None and len(digits) in row.lengths:
            issuer = row
    return issuer, scheme


def parse_bank_card(value: str, *, field: str = "card_number") -> BankCard:
    """Parse a bank card number: 12-19 digits; Luhn and the issuer are reported, not required.

    Raises :class:`IdentityRuleError` with rule ``empty``, ``charset`` or ``length``.
    """
    digits = _normalise(value, "card", field)
    if not digits.isdigit() or not digits.isascii():
        raise _fail("card", "charset", field)
    if not 12 <= len(digits) <= 19:
        raise _fail("card", "length", field, actual=len(digits))
    issuer, scheme = _lookup_bin(digits)
    source = issuer or scheme
    return BankCard(
        masked=_mask(digits),
        length=len(digits),
        luhn_ok=_luhn_ok(digits),
        issuer_zh=issuer.issuer_zh if issuer else None,
        issuer_en=issuer.issuer_en if issuer else None,
        scheme=source.scheme if source else None,
        card_type=issuer.card_type if issuer else None,
        bin=digits[:6],
    )


_PHONE_CHARS = re.compile(r"[0-9+()]+")


def parse_mobile(value: str, *, field: str = "mobile") -> MobileNumber:
    """Parse a mainland China mobile number (+86, 0086, spaces and hyphens accepted).

    Raises :class:`IdentityRuleError` with rule ``empty``, ``charset``, ``format``,
    ``country``, ``invalid_number`` or ``not_mobile``.
    """
    text = _normalise(value, "mobile", field)
    if not _PHONE_CHARS.fullmatch(text):
        raise _fail("mobile", "charset", field)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise _fail("mobile", "format", field) from None
    if number.country_code != 86:
        raise _fail("mobile", "country", field, country_code=number.country_code)
    if not phonenumbers.is_valid_number(number):
        raise _fail("mobile", "invalid_number", field)
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise _fail("mobile", "not_mobile", field)
    # Carrier is the range's original holder: numbers can be ported, so it is only a hint.
    name = phone_carrier.name_for_number(number, "en") or None
    return MobileNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national=phonenumbers.national_significant_number(number),
        carrier=name,
    )


# --------------------------------------------------------------------------------------------
# one entry point for the CLI and the API

_FIELDS: dict[str, str] = {
    "id": "id_number",
    "uscc": "uscc",
    "card": "card_number",
    "mobile": "mobile",
}


def _warning_details(kind: str, codes: tuple[str, ...], **params: Any) -> list[dict[str, str]]:
    return [{"rule": code, **_render(kind, code, params)} for code in codes]


def check(kind: CheckKind, value: str) -> CheckResult:
    """Validate ``value`` as ``kind`` without raising for bad input.

    ``details`` holds masked forms and parsed facts only, never the number itself.
    """
    if kind not in _FIELDS:
        raise ValueError(f"kind must be one of {sorted(_FIELDS)}, got {kind!r}")
    field_name = _FIELDS[kind]
    details: dict[str, object]
    try:
        if kind == "id":
            rid = parse_resident_id(value, field=field_name)
            details = {
                "masked": rid.masked(),
                "id_kind": rid.kind,
                "region_code": rid.region_code,
                "region_name": rid.region_name,
                "province_name": _province_name(rid.region_code[:2])
                if rid.region_code[:2] in _regions().provinces
                else rid.region_name,
                "birth_date": rid.birth_date.isoformat(),
                "sex": rid.sex,
                "nationality": rid.nationality,
                "warnings": _warning_details("id", rid.warnings, region_code=rid.region_code),
            }
        elif kind == "uscc":
            code = parse_social_credit_code(value, field=field_name)
            details = {
                "code": code.code,  # an organisation's public identifier, not personal data
                "department": code.department,
                "department_names": code.department_names,
                "category": code.category,
                "category_names": code.category_names,
                "region_code": code.region_code,
                "region_name": code.region_name,
                "organisation_code": code.organisation_code,
                "warnings": _warning_details("uscc", code.warnings, region_code=code.region_code),
            }
        elif kind == "card":
            card = parse_bank_card(value, field=field_name)
            soft: tuple[str, ...] = ("luhn",) if not card.luhn_ok else ()
            if card.issuer_en is None:
                soft += ("bin_unknown",)
            details = {
                "masked": card.masked,
                "length": card.length,
                "luhn_ok": card.luhn_ok,
                "bin": card.bin,
                "issuer_zh": card.issuer_zh,
                "issuer_en": card.issuer_en,
                "scheme": card.scheme,
                "card_type": card.card_type,
                "warnings": _warning_details("card", soft, bin=card.bin),
            }
        else:
            mobile = parse_mobile(value, field=field_name)
            details = {
                "masked": mobile.masked(),
                "carrier": mobile.carrier,
                "warnings": [],
            }
    except IdentityRuleError as error:
        return CheckResult(kind, False, field_name, error.rule, error.messages, {})
    return CheckResult(kind, True, field_name, None, _render(kind, "valid", {}), details)
