"""Build ``benchmarks/data/list_name_pairs.csv``: Chinese and Korean name pairs from the lists.

Not circular: every spelling comes from the sanctions lists themselves (OFAC SDN 2022, UK FCDO
2025, UN 2018 as finbrain loads them), written by the lists' own editors, never by finbrain's
romanisation tables. Run from the repository root:

    .venv/bin/python scripts/build_list_name_pairs.py

Population: listed people whose entry is East Asian by the list's own data: a nationality or
address country CN, HK, TW, MO, KP or KR, a DPRK programme, or a name in Han or Hangul.

* Positives: two different names of one entry (primary name and aliases, weak aliases left out),
  distinct after lower-casing and dropping punctuation. ``category``: ``han_latin`` (one side in
  Han), ``variant`` (the two look alike: rapidfuzz token_sort_ratio >= 60 on the lower-cased
  names, e.g. KIM Yong Chol / KIM Young-Cheol, HAQ Abdul / HEQ Abdul: spelling and
  romanisation variants), ``same_family_name`` (same family name, otherwise unlike: mostly
  another given name or an English name, TSANG Erick / TSANG Kwok-wai), ``other_alias`` (LI
  Fangwei / LEE Karl). The last two are aliases no name matcher can link by spelling; they are
  reported apart. The categories use no finbrain table.
* Negatives: an entry's primary name against names of other entries of the same list and
  population, preferring those with the same family name (hard negatives); pairs whose entries
  share a birth date, or whose names are identical, are left out (possibly the same person).

``split``: ``test`` or ``dev`` by SHA-256 of list and entry id (a negative is ``test`` only when
both entries are). The tables were built before this set and are never tuned on ``test``.
``family``: ``korean`` (KP/KR or DPRK) or ``chinese``.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from pathlib import Path

from rapidfuzz import fuzz

from finbrain.identity.lists import ListEntry, load_lists

SEED = 20261205
OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "list_name_pairs.csv"
_HAN = re.compile(r"[\u3400-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_EAST = {"CN", "HK", "TW", "MO", "KP", "KR"}


def plain(name: str) -> str:
    return " ".join("".join(c.lower() if c.isalnum() else " " for c in name).split())


def family(entry: ListEntry) -> str | None:
    names = (entry.name, *entry.aliases)
    countries = set(entry.nationalities) | set(entry.countries)
    korean = bool(countries & {"KP", "KR"}) or any(p.upper().startswith("DPRK") for p in entry.programs)
    korean = korean or any(_HANGUL.search(n) for n in names)
    if korean:
        return "korean"
    if countries & {"CN", "HK", "TW", "MO"} or any(_HAN.search(n) for n in names):
        return "chinese"
    return None


def split_of(entry: ListEntry) -> str:
    digest = hashlib.sha256(f"{entry.list_id}:{entry.entry_id}".encode()).digest()
    return "test" if digest[0] % 2 else "dev"


def surname(name: str) -> str:
    head = name.split(",")[0] if "," in name else name.split()[0]
    return plain(head).split()[0] if plain(head) else ""


def category(a: str, b: str) -> str:
    if bool(_HAN.search(a)) != bool(_HAN.search(b)):
        return "han_latin"
    if fuzz.token_sort_ratio(plain(a), plain(b)) >= 60:
        return "variant"
    if surname(a) == surname(b):
        return "same_family_name"
    return "other_alias"


def main() -> None:
    rng = random.Random(SEED)
    rows: list[dict[str, str]] = []
    people = [
        (e, family(e))
        for lst in load_lists()
        for e in lst.entries
        if e.kind == "person" and family(e) is not None
    ]
    for entry, fam in people:
        names = list(dict.fromkeys((entry.name, *entry.aliases)))
        seen: set[str] = set()
        distinct = []
        for name in names:
            if plain(name) and plain(name) not in seen:
                seen.add(plain(name))
                distinct.append(name)
        for i, a in enumerate(distinct):
            for b in distinct[i + 1 :]:
                rows.append(
                    {"category": category(a, b), "family": str(fam), "split": split_of(entry),
                     "name1": a, "name2": b, "is_match": "1",
                     "source": f"{entry.list_id}:{entry.entry_id}"}
                )  # fmt: skip
    by_list: dict[tuple[str, str | None], list[ListEntry]] = {}
    for entry, fam in people:
        by_list.setdefault((entry.list_id, fam), []).append(entry)
    for (list_id, fam), entries in sorted(by_list.items(), key=lambda kv: str(kv[0])):
        by_surname: dict[str, list[ListEntry]] = {}
        for entry in entries:
            by_surname.setdefault(surname(entry.name), []).append(entry)
        for entry in entries:
            same = [e for e in by_surname[surname(entry.name)] if e is not entry]
            others = rng.sample(same, min(3, len(same)))
            others += rng.sample(entries, min(2, len(entries)))
            for other in others:
                if other is entry or set(other.birth_dates) & set(entry.birth_dates):
                    continue
                name2 = rng.choice((other.name, *other.aliases))
                if plain(name2) in {plain(n) for n in (entry.name, *entry.aliases)}:
                    continue
                both_test = split_of(entry) == split_of(other) == "test"
                rows.append(
                    {"category": "same_surname" if surname(name2) == surname(entry.name)
                     else "other_person", "family": str(fam),
                     "split": "test" if both_test else "dev", "name1": entry.name,
                     "name2": name2, "is_match": "0",
                     "source": f"{list_id}:{entry.entry_id}|{other.entry_id}"}
                )  # fmt: skip
    unique = {(r["name1"], r["name2"], r["is_match"]): r for r in rows}
    ordered = sorted(unique.values(), key=lambda r: (r["split"], r["source"], r["name2"]))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "# Chinese and Korean name pairs from the sanctions lists' own spellings, built by "
            f"scripts/build_list_name_pairs.py (seed {SEED}); see its docstring.\n"
        )
        fields = ["pair_id", "split", "family", "category", "name1", "name2", "is_match", "source"]
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i, r in enumerate(ordered):
            writer.writerow({"pair_id": f"lp{i:05d}", **r})
    counts: dict[tuple[str, str, str], int] = {}
    for r in ordered:
        key = (r["split"], r["family"], r["category"])
        counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts):
        print(*key, counts[key])


if __name__ == "__main__":
    main()
