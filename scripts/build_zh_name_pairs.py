"""Build ``benchmarks/data/zh_name_pairs.csv``: labelled Chinese name pairs for the name matcher.

Deterministic (``random.Random(20240611)``), no network. Run from the repository root:

    .venv/bin/python scripts/build_zh_name_pairs.py

Name material: surnames from ``src/finbrain/identity/data/surnames.tsv`` (the 100 most common
surnames in the 2007 Ministry of Public Security ranking, drawn with frequency weights 1/rank,
plus polyphonic and compound surnames) and ``GIVEN_CHARACTERS`` below, common characters of
given names; a name is a surname plus one or two given characters. Romanisations come from the
package itself only for the Han form; the Latin spellings are produced here from pypinyin
(Hanyu Pinyin, with tone marks or tone numbers), pypinyin's Wade-Giles style and the Hong Kong
Government Cantonese table shipped with finbrain.

Ground truth is by construction: a pair is a match when both sides write the same underlying Han
name. Han ↔ Latin pairs are labelled by "the Latin form is a correct spelling of this Han name"
(homophones cannot be told apart across scripts); Han ↔ Han homophones (different characters,
same pinyin) are non-matches.

Columns: ``pair_id, category, name1, name2, is_match``. Categories: han_exact,
traditional_simplified, pinyin_plain, pinyin_reordered, pinyin_hyphen, pinyin_spaced,
pinyin_upper, pinyin_tones, pinyin_tone_numbers, polyphonic_surname, compound_surname,
wade_giles, cantonese (matches); homophone_han, same_surname_han, same_surname_pinyin,
near_pinyin (one given syllable changed), wrong_surname_reading (e.g. 单 spelled Dan),
different_name (non-matches).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import opencc
from pypinyin import Style, lazy_pinyin

from finbrain.identity.names import _han

SEED = 20240611
OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "zh_name_pairs.csv"
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文红玉海春晓燕林斌鹏辉宇浩欣怡婷雪梅"
    "琳晨阳飞鑫波宁丹玲萍健亮成志新俊峰龙凤云莉倩颖慧佳嘉子梓涵轩博睿思雨诗琪瑶璐婧晶彬昊然天翔"
    "旭东荣福德永庆胜利兵立良安正清雅佩琴岚淑珍小金家宏泽毅帆凯铭悦蕾薇越彤妍楠菲蓉茜莹洁玮炜维"
    "威靖菁莉力捷涓鸣桦鸿虹凌灵方屏亭庭霆雁彦朋韬馨心羽语毓辰琛宸皓颢萱宣仪宜艺逸骏峻君锋丰枫琦"
    "淇祺奇遥尧紫晗寒柏伯斯丝滨冰"
)
_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


def _surnames() -> tuple[list[str], list[float], list[str], list[str]]:
    table = _han.surnames()
    common = [s for s, (rank, _) in table.items() if rank is not None]
    weights = [1.0 / (table[s][0] or 1) for s in common]
    polyphonic = [s for s, (rank, readings) in table.items() if len(s) == 1 and rank is None]
    polyphonic += ["曾", "覃", "任", "沈", "单", "解", "朴", "仇", "区", "查", "盖"]
    compound = [s for s in table if len(s) == 2]
    return common, weights, sorted(set(polyphonic)), compound


def _reading(surname: str) -> str:
    return "".join(_han.surnames()[surname][1][:1]) or "".join(lazy_pinyin(surname))


def _given_pinyin(given: str, style: Style = Style.NORMAL) -> list[str]:
    return [p.replace("ü", "u").replace("v", "u") for p in lazy_pinyin(given, style=style)]


def _latin(surname: str, given: str, variant: str) -> str:
    s = _reading(surname).replace("v", "u")
    g = _given_pinyin(given)
    if variant == "plain":
        return f"{s.title()} {''.join(g)}".replace(f" {''.join(g)}", f" {''.join(g).title()}")
    if variant == "reordered":
        return f"{''.join(g).title()} {s.title()}"
    if variant == "hyphen":
        return f"{s.upper()} {'-'.join(x.title() for x in g)}"
    if variant == "spaced":
        return " ".join([s.title(), *(x.title() for x in g)])
    if variant == "upper":
        return f"{s.upper()}, {''.join(g).upper()}"
    if variant == "tones":
        toned_s = lazy_pinyin(surname, style=Style.TONE)
        toned_g = lazy_pinyin(given, style=Style.TONE)
        if toned_s and "".join(lazy_pinyin(surname)) != s:
            toned_s = [s]  # pypinyin's everyday reading is not the surname one: write it bare
        return f"{''.join(toned_s).title()} {''.join(toned_g).title()}"
    if variant == "tone_numbers":
        g3 = lazy_pinyin(given, style=Style.TONE3, neutral_tone_with_five=True)
        return f"{s.title()}1 {''.join(g3).title()}"
    raise ValueError(variant)


def _wade_giles(surname: str, given: str) -> str:
    s = "".join(_han.wade_giles(r) for r in [_reading(surname)])
    g = [_han.wade_giles(p) for p in lazy_pinyin(given, v_to_u=False)]
    return f"{s.title()} {'-'.join(g).capitalize()}"


def _cantonese(surname: str, given: str) -> str | None:
    table = _han._cantonese()
    parts = []
    for char in surname + given:
        spellings = table.get(char)
        if not spellings:
            return None
        parts.append(spellings[0])
    n = len(surname)
    return f"{''.join(parts[:n]).title()} {' '.join(p.title() for p in parts[n:])}"


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    common, weights, polyphonic, compound = _surnames()
    by_sound: dict[str, list[str]] = {}
    for char in GIVEN_CHARACTERS:
        by_sound.setdefault("".join(lazy_pinyin(char)), []).append(char)
    homophone_groups = [chars for chars in by_sound.values() if len(chars) > 1]
    rows: list[dict[str, object]] = []

    def given(k: int | None = None) -> str:
        return "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(k or rng.choice((1, 2, 2))))

    def add(category: str, a: str, b: str, is_match: bool) -> None:
        if rng.random() < 0.5:
            a, b = b, a
        rows.append({"category": category, "name1": a, "name2": b, "is_match": int(is_match)})

    def surname() -> str:
        return rng.choices(common, weights)[0]

    for _ in range(60):
        s, g = surname(), given()
        add("han_exact", s + g, s + g, True)
    for _ in range(80):
        s, g = surname(), given()
        trad = _S2T.convert(s + g)
        if trad == s + g:
            continue
        add("traditional_simplified", trad, s + g, True)
    for variant in ("plain", "reordered", "hyphen", "spaced", "upper", "tones", "tone_numbers"):
        for _ in range(60):
            s, g = surname(), given(2)
            add(f"pinyin_{variant}", s + g, _latin(s, g, variant), True)
    for _ in range(60):
        s, g = rng.choice(polyphonic), given()
        add("polyphonic_surname", s + g, _latin(s, g, rng.choice(("plain", "reordered"))), True)
        wrong = [r for r in lazy_pinyin(s) if r not in _han.surnames()[s][1]]
        if wrong:
            add(
                "wrong_surname_reading",
                s + g,
                f"{wrong[0].title()} {''.join(_given_pinyin(g)).title()}",
                False,
            )
    for _ in range(60):
        s, g = rng.choice(compound), given()
        add(
            "compound_surname",
            s + g,
            _latin(s, g, rng.choice(("plain", "reordered", "spaced"))),
            True,
        )
    for _ in range(80):
        s, g = surname(), given(2)
        add("wade_giles", s + g, _wade_giles(s, g), True)
    for _ in range(80):
        s, g = surname(), given(2)
        spelled = _cantonese(s, g)
        if spelled:
            add("cantonese", _S2T.convert(s + g), spelled, True)
    # Non-matches.
    for _ in range(150):
        s = surname()
        group = rng.choice(homophone_groups)
        a, b = rng.sample(group, 2)
        prefix = given(1) if rng.random() < 0.5 else ""
        add("homophone_han", s + prefix + a, s + prefix + b, False)
    for _ in range(120):
        s, g1, g2 = surname(), given(), given()
        if g1 == g2 or "".join(lazy_pinyin(g1)) == "".join(lazy_pinyin(g2)):
            continue
        add("same_surname_han", s + g1, s + g2, False)
    for _ in range(100):
        s, g1, g2 = surname(), given(2), given(2)
        if "".join(lazy_pinyin(g1)) == "".join(lazy_pinyin(g2)):
            continue
        add("same_surname_pinyin", s + g1, _latin(s, g2, "plain"), False)
    for _ in range(100):
        s, g = surname(), given(2)
        other = g[0] + rng.choice(GIVEN_CHARACTERS)
        if "".join(lazy_pinyin(other)) == "".join(lazy_pinyin(g)):
            continue
        add("near_pinyin", s + g, _latin(s, other, "plain"), False)
    for _ in range(80):
        s1, s2 = surname(), surname()
        if _reading(s1) == _reading(s2):
            continue
        g = given()
        add("different_name", s1 + g, s2 + given(), False)
    for index, row in enumerate(rows):
        row["pair_id"] = f"zh{index:05d}"
    return rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "# Chinese name pairs, built by scripts/build_zh_name_pairs.py (seed "
            f"{SEED}); see its docstring. Ground truth by construction.\n"
        )
        writer = csv.DictWriter(handle, ["pair_id", "category", "name1", "name2", "is_match"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} pairs to {OUT}")


if __name__ == "__main__":
    main()
