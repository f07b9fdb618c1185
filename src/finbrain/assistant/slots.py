"""Slot values in a customer's message: amounts of money, dates and merchants, zh and en.

- :func:`parse_amount`: ``500``, ``1,234.50``, ``¥200``, ``RMB 80``, ``$50``, ``3万``,
  ``1.5k``, ``五百块``, ``两千五`` (2,500), ``一万二`` (12,000), ``三块五`` (3.50), ``八毛``
  (0.80), ``五十块钱`` → a :class:`~decimal.Decimal` (never a float), or None. With
  ``bare`` (the customer was just asked for an amount) a number alone counts: ``三千五``.
- :func:`parse_date`: ``今天``, ``昨天``, ``前天``, ``大前天``, ``三天前``, ``上周三``,
  ``这周五``, ``上个星期天``, ``上上周一``, ``3月5日``, ``三月五号``, ``5号``,
  ``2024-03-05``, ``2024年3月5日``, ``yesterday``, ``last Wednesday``, ``2 days ago`` →
  a :class:`datetime.date` relative to ``today``, or None. A date without a year, or a bare
  day of the month, is taken as the most recent such day not after ``today`` (customers
  dispute what already happened).

- :func:`parse_merchant`: ``在淘宝买的`` → 淘宝, ``商户是京东``, ``charged at Amazon`` →
  amazon; with ``bare`` a short answer is the name itself (``星巴克``).

All read at most the first 1,000 characters and never raise on any input.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

__all__ = ["chinese_number", "parse_amount", "parse_date", "parse_merchant"]

_MAX = 1000
_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_NUM = "零〇一二两三四五六七八九十百千万亿"


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return unicodedata.normalize("NFKC", text[:_MAX]).lower()


def chinese_number(text: str) -> int | None:
    """The integer a Chinese numeral spells (``三百零五`` 305, ``十二`` 12, ``两千五`` 2,500,
    ``一万二`` 12,000, ``一二三`` 123 read digit by digit), or None when it is not one."""
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if all(ch in _DIGIT for ch in text):  # read digit by digit: 一二三 → 123
        return int("".join(str(_DIGIT[ch]) for ch in text))
    total, section, number = 0, 0, 0
    last_unit = 1
    saw_zero = False
    for ch in text:
        if ch in _DIGIT:
            number = _DIGIT[ch]
            saw_zero = saw_zero or number == 0
        elif ch in _UNIT:
            section += (number or 1) * _UNIT[ch]
            last_unit, number, saw_zero = _UNIT[ch], 0, False
        else:  # 万 / 亿
            section += number
            total += section * _BIG[ch]
            last_unit, section, number, saw_zero = _BIG[ch], 0, 0, False
    if number and not saw_zero and last_unit >= 10:  # 两千五 = 2500, 一万二 = 12000
        number *= last_unit // 10
    return total + section + number


_AMOUNT = re.compile(
    r"(?P<cur>[¥￥$€£]|rmb|cny|usd|hkd|eur)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)"
    r"\s*(?P<mult>万|千|百|k|w)?"
    r"\s*(?P<unit>块钱|块|元|圆|rmb|cny|usd|hkd|eur|美元|美金|港币|欧元|英镑|dollars?|bucks?|pounds?|euros?)?"
    r"(?:(?P<jiao>[零〇一二两三四五六七八九\d])(?:毛|角)?)?"
)
_MONEY_WORD = re.compile(r"金额|amount|付了|花了|扣了|charged|paid|spent")
_MULT = {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百": 100}
_JIAO = re.compile(r"(?P<n>[一二两三四五六七八九\d])\s*(?:毛|角)")


def parse_amount(text: object, bare: bool = False) -> Decimal | None:
    """The first amount of money in ``text`` (see the module doc), or None. ``bare``: the
    customer was just asked for an amount, so a number alone counts (``三千五``, ``500``)."""
    s = _clean(text)
    if not s:
        return None
    for match in _AMOUNT.finditer(s):
        raw, cur, unit, mult = match["num"], match["cur"], match["unit"], match["mult"]
        chinese = raw[0] in _CN_NUM
        if len(raw.replace(",", "").split(".")[0]) > 12:
            continue  # a card or account number, never an amount
        if chinese and not (unit or cur or bare):
            continue  # a Chinese numeral is an amount only with 块/元/… (not 三天前, 五号)
        if not (chinese or unit or cur or mult or bare) and not _MONEY_WORD.search(s):
            continue  # a bare number is an amount only beside a money word (not a card number)
        try:
            if chinese:
                value_int = chinese_number(raw)
                if value_int is None:
                    continue
                value = Decimal(value_int)
            else:
                value = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            continue
        if mult:
            value *= _MULT[mult]
        jiao = match["jiao"]
        if jiao and unit in {"块", "元", "块钱", "圆"}:
            value += Decimal(_DIGIT.get(jiao, jiao if jiao.isdigit() else 0)) / 10
        return value.quantize(Decimal("0.01"))
    alone = _JIAO.search(s)  # 八毛 = 0.80
    if alone:
        n = alone["n"]
        return (Decimal(_DIGIT[n] if n in _DIGIT else int(n)) / 10).quantize(Decimal("0.01"))
    return None


_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_EN_WEEKDAY = {
    name: i
    for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_RELATIVE_DAY = {
    "今天": 0,
    "今日": 0,
    "昨天": 1,
    "昨日": 1,
    "前天": 2,
    "大前天": 3,
    "today": 0,
    "yesterday": 1,
}
_WEEK = re.compile(
    r"(?P<rel>上上|上|这|本|下)?(?:个)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天末])"
)
_DAYS_AGO = re.compile(r"(?P<n>\d+|[一二两三四五六七八九十]+)\s*(?:天|日)(?:前|以前|之前)")
_EN_AGO = re.compile(r"(?P<n>\d+)\s+days?\s+ago")
_EN_WEEK = re.compile(
    r"(?P<rel>last|this|on)?\s*(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_ISO = re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
_MONTH_DAY = re.compile(
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]+)\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]+)\s*(?:日|号)?"
)
_DAY_ONLY = re.compile(r"(?<![\d月])(?P<d>\d{1,2}|[一二三四五六七八九十]+)\s*号")


def _num(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else chinese_number(raw)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(today: date, month: int, day: int) -> date | None:
    found = _safe_date(today.year, month, day)
    if found is not None and found > today:
        found = _safe_date(today.year - 1, month, day)
    return found


def parse_date(text: object, today: date | None = None) -> date | None:
    """The first date in ``text`` (see the module doc), relative to ``today``, or None."""
    s = _clean(text)
    if not s:
        return None
    today = today or date.today()
    try:
        return _parse_date(s, today)
    except (ValueError, OverflowError):
        return None


def _parse_date(s: str, today: date) -> date | None:
    if m := _ISO.search(s):
        return _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    if m := _MONTH_DAY.search(s):
        month, day = _num(m["m"]), _num(m["d"])
        if month is not None and day is not None:
            return _month_day(today, month, day)
    if m := _WEEK.search(s):
        monday = today - timedelta(days=today.weekday())
        shift = {"上上": -2, "上": -1, "下": 1}.get(m["rel"] or "", 0)
        return monday + timedelta(weeks=shift, days=_WEEKDAY[m["day"]])
    if m := _DAYS_AGO.search(s):
        n = _num(m["n"])
        return today - timedelta(days=n) if n is not None and n < 3660 else None
    if m := _EN_AGO.search(s):
        n = int(m["n"])
        return today - timedelta(days=n) if n < 3660 else None
    for word in sorted(_RELATIVE_DAY, key=len, reverse=True):  # 大前天 before 前天
        if word in s:
            return today - timedelta(days=_RELATIVE_DAY[word])
    if m := _EN_WEEK.search(s):
        target = _EN_WEEKDAY[m["day"]]
        back = (today.weekday() - target) % 7
        if m["rel"] == "last":
            back = back or 7
        return today - timedelta(days=back)
    if m := _DAY_ONLY.search(s):
        day = _num(m["d"])
        if day is None or not 1 <= day <= 31:
            return None
        found = _safe_date(today.year, today.month, day)
        if found is None or found > today:
            previous = today.replace(day=1) - timedelta(days=1)
            found = _safe_date(previous.year, previous.month, day)
        return found
    return None


# where a customer names the merchant: 在淘宝买的, 商户是星巴克, "at Amazon", "from Uber"
_ZH_MERCHANT = re.compile(
    r"(?:(?<![现正实存所还好不])在|商户(?:是|为|叫)?[:：]?|商家(?:是|为|叫)?[:：]?)"
    r"(?P<m>[\u4e00-\u9fffa-z0-9&·' ]{1,20}?)"
    r"(?=买|消费|刷|付|扣|购|充|花|的|那|上|里|被|用|，|,|。|\s|$)"
)
_EN_MERCHANT = re.compile(
    r"\b(?:at|from|by|with|merchant(?: is|:)?|shop(?: is|:)?)\s+(?:the\s+)?"
    r"(?P<m>[a-z0-9&'.-]+(?:\s+[a-z0-9&'.-]+){0,2})"
)
_EN_STOP = {
    "on",
    "yesterday",
    "today",
    "for",
    "last",
    "of",
    "that",
    "which",
    "and",
    "but",
    "in",
    "i",
    "my",
    "it",
    "this",
    "a",
    "an",
    "me",
    "was",
    "is",
    "twice",
    "when",
    "ago",
}
_ZH_NOT_MERCHANT = re.compile(r"^(哪|什么|这|那|我|你|吗|呢|线上|网上|昨天|今天|前天|上周)")
_MERCHANT_CHARS = re.compile(r"[^\u4e00-\u9fffa-z0-9&·'. -]")


_FILLER = {
    "嗯",
    "嗯嗯",
    "好",
    "好的",
    "是",
    "是的",
    "对",
    "不知道",
    "忘了",
    "不记得",
    "ok",
    "okay",
    "yes",
    "no",
    "idk",
    "dunno",
    "sure",
    "what",
}


def _merchant_name(raw: str) -> str | None:
    name = _MERCHANT_CHARS.sub("", raw).strip(" .-'")[:40].strip()
    if not name or name in _FILLER or not any(ch.isalpha() for ch in name):
        return None
    return name


def parse_merchant(text: object, bare: bool = False) -> str | None:
    """The merchant a customer names (``在淘宝买的`` → 淘宝, ``charged at Amazon`` → amazon),
    cut to 40 characters of letters, digits and ``&·'.-``; or None. ``bare``: the customer was
    just asked for the merchant, so a short answer is the name itself (``星巴克``)."""
    s = _clean(text)
    if not s:
        return None
    if (m := _ZH_MERCHANT.search(s)) and not _ZH_NOT_MERCHANT.match(m["m"]):
        return _merchant_name(m["m"])
    if m := _EN_MERCHANT.search(s):
        kept = []
        for token in m["m"].split():
            if token in _EN_STOP or token[0].isdigit():
                break
            kept.append(token)
        if kept:
            return _merchant_name(" ".join(kept))
    if bare and len(s) <= 30:
        s = re.sub(r"^(?:是|在|商户是?|商家是?|it was|it's|the merchant is|merchant:?)\s*", "", s)
        s = re.sub(r"(?:买的|消费的|那家|那里|吧|啊|呀)$", "", s)
        return _merchant_name(s)
    return None
