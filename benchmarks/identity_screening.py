"""Sanctions screening: recall and false positives on yente's fixtures, throughput, build time.

(a) OpenSanctions yente's candidate-generation fixtures, used as yente's own benchmark uses them:
    each row becomes a Person query with name, birth date and nationality, and a row "matches"
    when any result passes the threshold. Positives are UN-listed people (a newer UN list than
    our 2018 copy, so some are simply not in it; recall is also given on the positives whose
    exact birth date appears in the 2018 UN list); negatives are 100,000 synthetic people, none
    listed; US Congress members are not sanctioned either (a hard negative: common US names).
(b) Screenings per second on one core against the full OFAC + UK + UN index, with p50/p99 ms,
    over a realistic mix: list names with typos and reordering, random real names from the
    negatives, and Chinese names (Han and pinyin).
(c) Seconds to load the lists, to build the index, and to load a saved index.
(d) Screening recall on list-derived probes (issue 15): every listed person whose name is Hanyu
    Pinyin and who is Chinese by the list's own data (CN/HK/TW/MO), screened as the pinyin name,
    a Han form, its traditional form, Wade-Giles and Hong Kong Cantonese spellings, each with no,
    the right and a wrong birth date. A probe is found when the outcome is not "clear" and the
    entry is among the hits. The Han form takes, per syllable, the first GB 2312 character with
    that reading (the surname from surnames.tsv), and the other spellings come from the same
    tables the matcher uses: this measures the outcome policy, not the romanisation tables (the
    non-circular name measure is list_pairs in benchmarks/identity.py, and (e) below).
(e) Screening recall on probes no finbrain table wrote (benchmarks/identity_probes.py): each
    East Asian listed person's other names screened against an index of primary names only
    (the lists' own spellings, leave-one-out; rapidfuzz scan beside it), and listed pinyin names
    re-spelled in Wade-Giles (RoManTools' table) and Han (name-variants' tables).

Anchor, side by side: a brute-force rapidfuzz scan (``process.extractOne``, token_sort_ratio
>= 90, over every normalised list name), the usual first screening script. yente documents
about 4-30 match requests per second per vCPU on its Elasticsearch backend (not run here).
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, write_results
from benchmarks.identity_probes import alias_probes, independent_probes
from finbrain.core.errors import ValidationError
from finbrain.datasets.identity import load_yente_candidates
from finbrain.identity.lists import SanctionsList, load_lists
from finbrain.identity.names import prepare
from finbrain.identity.screening import SanctionsIndex

console = Console()
THRESHOLD = 0.80
SEED = 20261128
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉力志红玉兰梅鹏飞宇浩然子轩欣怡晨"


def _query(frame_row: Any) -> dict[str, Any]:
    dob = frame_row.date_of_birth if isinstance(frame_row.date_of_birth, str) else None
    nat = frame_row.nationality if isinstance(frame_row.nationality, str) else None
    return {"name": frame_row.full_name, "birth_date": dob, "nationality": nat}


def _screen(index: SanctionsIndex, query: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(any hit, a hit on the UN list, outcome "match") for one fixture row."""
    kwargs: dict[str, Any] = {"kind": "person", "threshold": THRESHOLD}
    for key in ("birth_date", "nationality"):
        if query[key]:
            kwargs[key] = query[key]
    try:
        result = index.screen(query["name"], **kwargs)
    except ValidationError:
        # A fixture value our validation refuses (e.g. an unknown nationality): screen the name
        # alone rather than drop the row.
        result = index.screen(query["name"], kind="person", threshold=THRESHOLD)
    hit = bool(result.hits)
    return hit, any(h.list_id == "un" for h in result.hits), result.outcome == "match"


class BruteForce:
    """The anchor: every query scanned against every listed name with rapidfuzz."""

    def __init__(self, lists: tuple[SanctionsList, ...]) -> None:
        self.names: list[str] = []
        self.lists: list[str] = []
        for lst in lists:
            for entry in lst.entries:
                for name in (entry.name, *entry.aliases):
                    self.names.append(" ".join(sorted(_plain(name).split())))
                    self.lists.append(lst.list_id)

    def screen(self, name: str) -> tuple[bool, bool]:
        found = process.extractOne(
            " ".join(sorted(_plain(name).split())),
            self.names,
            scorer=fuzz.ratio,
            score_cutoff=90,
        )
        if found is None:
            return False, False
        return True, self.lists[found[2]] == "un"


def _plain(name: str) -> str:
    return "".join(c.lower() if c.isalnum() else " " for c in name)


def _perturb(name: str, rng: random.Random) -> str:
    tokens = name.replace(",", " ").split()
    choice = rng.random()
    if choice < 0.35 and len(tokens) > 1:
        rng.shuffle(tokens)
    elif choice < 0.7:
        word = rng.randrange(len(tokens))
        token = tokens[word]
        if len(token) > 3:
            i = rng.randrange(1, len(token) - 1)
            tokens[word] = (
                token[:i] + token[i + 1 :] if rng.random() < 0.5 else token[:i] + "a" + token[i:]
            )
    return " ".join(tokens).title()


def _chinese(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _pinyin(han: str) -> str:
    prepared = prepare(han)
    spelled = dict(prepared.romanisations).get("pinyin", ())
    return " ".join(s.capitalize() for s in spelled) or han


def realistic_queries(
    lists: tuple[SanctionsList, ...], negatives: pd.DataFrame, n: int, rng: random.Random
) -> list[str]:
    listed = [e.name for lst in lists for e in lst.entries if e.kind in ("person", "entity")]
    han_listed = [a for lst in lists for e in lst.entries for a in e.aliases if a[:1] >= "\u4e00"]
    people = negatives["full_name"].dropna().tolist()
    out: list[str] = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.4:
            out.append(_perturb(rng.choice(listed), rng))
        elif pick < 0.8:
            out.append(rng.choice(people))
        elif pick < 0.9:
            out.append(rng.choice(han_listed) if rng.random() < 0.1 else _chinese(rng))
        else:
            out.append(_pinyin(_chinese(rng)))
    return out


_COLD_START = """
import json, sys, time
from finbrain.identity.lists import load_lists
from finbrain.identity.screening import SanctionsIndex
t0 = time.perf_counter(); lists = load_lists(); t1 = time.perf_counter()
SanctionsIndex.build(lists); t2 = time.perf_counter()
SanctionsIndex.load(sys.argv[1]); t3 = time.perf_counter()
print(json.dumps({"load_lists": t1 - t0, "build_index": t2 - t1, "load_saved_index": t3 - t2}))
"""


def _probe_forms(name: str) -> dict[str, str] | None:
    """The probe spellings of a listed pinyin name ("MA, Xiaohong"), or None."""
    import opencc

    from finbrain.identity.names import _han, _romanise
    from finbrain.identity.names._build_tables import _gb2312_chars

    if "," not in name:
        return None
    family_name, given = (part.strip().lower() for part in name.split(",", 1))
    if not family_name.isalpha() or " " in family_name:
        return None
    systems = _romanise._zh_table()[0]
    readings = {r for _, rs in _han.surnames().values() for r in rs[:1]}
    tokens = [family_name, *given.replace("-", " ").split()]
    if family_name not in readings and len(tokens) == 2 and tokens[1] in readings:
        # The list put the given name first ("XIANHUA, Qin" for 秦先华): probe the person's
        # own name, surname first, not a name nobody has ("Xian Huaqin").
        tokens.reverse()
    syllables: list[str] = []
    for token in tokens:
        options = [
            seg for seg in _romanise.segmentations(token, "zh")
            if all("pinyin" in systems.get(s, {}) for s in seg)
        ]  # fmt: skip
        if not options:
            return None
        syllables.extend(options[0])
    if not 2 <= len(syllables) <= 4:
        return None
    first_char = _first_chars(tuple(_gb2312_chars(level1_only=True)))
    surname = next(
        (c for c, (_, readings) in _han.surnames().items() if readings[:1] == (syllables[0],)),
        None,
    )
    chars = [surname] + [first_char.get(s) for s in syllables[1:]]
    if any(c is None for c in chars):
        return None
    han = "".join(c for c in chars if c)
    cantonese = [_han._cantonese().get(c, ("",))[0] for c in han]
    wade = [_han.wade_giles(s) for s in syllables]
    if not all(cantonese):
        return None
    return {
        "pinyin": f"{syllables[0].title()} {''.join(syllables[1:]).title()}",
        "han": han,
        "traditional": opencc.OpenCC("s2t").convert(han),
        "wade_giles": f"{wade[0].title()} {'-'.join(wade[1:]).title()}",
        "cantonese": f"{cantonese[0].title()} {'-'.join(cantonese[1:]).title()}",
    }


_FIRST_CHARS: dict[str, str] = {}


def _first_chars(chars: tuple[str, ...]) -> dict[str, str]:
    from finbrain.identity.names import _han

    if not _FIRST_CHARS:
        for char in chars:
            for reading in _han.pinyin_readings(char)[:1]:
                _FIRST_CHARS.setdefault(reading, char)
    return _FIRST_CHARS


def list_probes(index: SanctionsIndex, results: list[dict[str, Any]]) -> None:
    probes: list[tuple[str, str, str | None, tuple[str, str]]] = []
    for entry in index.entries:
        if entry.kind != "person":
            continue
        if not ({"CN", "HK", "TW", "MO"} & (set(entry.nationalities) | set(entry.countries))):
            continue
        forms = _probe_forms(entry.name)
        if forms is None:
            continue
        right = next((d for d in entry.birth_dates if len(d) == 10), None)
        wrong = "1990-01-01" if right != "1990-01-01" else "1991-02-03"
        for form, text in forms.items():
            for dob_kind, dob in (("no_dob", None), ("right_dob", right), ("wrong_dob", wrong)):
                if dob_kind == "right_dob" and right is None:
                    continue
                probes.append((f"{form}_{dob_kind}", text, dob, (entry.list_id, entry.entry_id)))
    found: dict[str, list[bool]] = {}
    clear: dict[str, int] = {}
    for label, text, dob, key in probes:
        result = index.screen(text, kind="person", birth_date=dob, limit=50)
        hit = result.outcome != "clear" and key in {(h.list_id, h.entry_id) for h in result.hits}
        found.setdefault(label, []).append(hit)
        clear[label] = clear.get(label, 0) + (result.outcome == "clear")
    for label in sorted(found):
        values = found[label]
        results.append(
            row(
                f"probe_{label}",
                "finbrain",
                "recall",
                sum(values) / len(values),
                len(values),
                clear=clear[label],
                what="listed Chinese person found (outcome not clear, entry among the hits)",
            )
        )
        console.print(
            f"probe {label}: recall {sum(values) / len(values):.3f} "
            f"(n={len(values)}, clear {clear[label]})"
        )


def interleaved_ratio(
    index: SanctionsIndex,
    brute: BruteForce,
    queries: list[str],
    results: list[dict[str, Any]],
    rounds: int,
) -> None:
    """Screenings per second, finbrain over the rapidfuzz scan, measured in alternating chunks
    (200 finbrain screenings, then 40 scans of the same queries) so that both see the same load
    on a shared machine; the median over rounds, with wall and CPU time. Each round screens
    queries no earlier round saw, with the query-side cache of prepared names emptied (a
    service meets new names); the caches a running service keeps warm stay warm."""
    from finbrain.identity.names import _core

    size = min(1500, len(queries) // rounds)
    wall: list[float] = []
    cpu: list[float] = []
    for r in range(rounds):
        sample = queries[r * size : (r + 1) * size]
        _core._prepare.cache_clear()  # list names were prepared into the index already
        times = {"fw": 0.0, "fc": 0.0, "bw": 0.0, "bc": 0.0}
        screened = scanned = 0
        for start in range(0, len(sample), 200):
            chunk = sample[start : start + 200]
            t0, c0 = time.perf_counter(), time.process_time()
            for query in chunk:
                index.screen(query)
            times["fw"] += time.perf_counter() - t0
            times["fc"] += time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            for query in chunk[:40]:
                brute.screen(query)
            times["bw"] += time.perf_counter() - t0
            times["bc"] += time.process_time() - c0
            screened, scanned = screened + len(chunk), scanned + len(chunk[:40])
        wall.append((screened / times["fw"]) / (scanned / times["bw"]))
        cpu.append((screened / times["fc"]) / (scanned / times["bc"]))
    results.append(
        row(
            "screen_mixed_vs_rapidfuzz",
            "finbrain",
            "ratio",
            statistics.median(wall),
            rounds,
            spread=max(wall) - min(wall),
            cpu_ratio=round(statistics.median(cpu), 3),
            what="screenings/s over rapidfuzz scans/s, interleaved chunks, median of rounds",
        )
    )
    console.print(
        f"throughput ratio (interleaved, median of {rounds}): wall {statistics.median(wall):.2f}x"
        f" (range {min(wall):.2f}-{max(wall):.2f}), CPU {statistics.median(cpu):.2f}x"
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    args = arguments(__doc__ or "")
    quick: bool = args.quick
    rng = random.Random(SEED)
    results: list[dict[str, Any]] = []

    # (c) build, each run in a fresh process: the name module caches prepared names, so a second
    # build in one process would be flattered; a fresh process is also what a platform start is.
    lists = load_lists()
    index = SanctionsIndex.build(lists)
    n_entries, n_variants = len(index.entries), index.size
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        saved = index.save(Path(tmp) / "index.json.gz")
        for _ in range(1 if quick else 3):
            out = subprocess.run(
                [sys.executable, "-c", _COLD_START, str(saved)],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for task in ("load_lists", "build_index", "load_saved_index"):
        values = [r[task] for r in runs]
        results.append(
            row(
                task,
                "finbrain",
                "seconds",
                statistics.median(values),
                len(values),
                spread=max(values) - min(values),
                entries=n_entries,
                names=n_variants,
            )
        )
    console.print(
        "cold start (median of "
        + str(len(runs))
        + "): "
        + ", ".join(f"{t} {statistics.median(r[t] for r in runs):.2f}s" for t in runs[0])
        + f" ({n_entries} entries, {n_variants} names)"
    )
    brute_s, brute = _timed(lambda: BruteForce(lists))
    results.append(row("build_index", "rapidfuzz", "seconds", brute_s, 1, names=len(brute.names)))

    # (d) list-derived probes -------------------------------------------------------------------
    list_probes(index, results)
    # (e) probes no finbrain table wrote: the lists' own aliases, independent published tables
    alias_probes(lists, results)
    independent_probes(index, results)

    # (a) yente fixtures ----------------------------------------------------------------------
    fixtures = load_yente_candidates()
    un_dates = {
        d for lst in lists if lst.list_id == "un" for e in lst.entries for d in e.birth_dates
    }
    for name, frame in sorted(fixtures.items()):
        positive = name.startswith("positives_un")
        sample = frame
        limit = 2000 if quick else len(frame)
        if len(frame) > limit:
            sample = frame.sample(limit, random_state=SEED)
        queries = [_query(r) for r in sample.itertuples(index=False)]
        start = time.perf_counter()
        outcomes = [_screen(index, q) for q in queries]
        seconds = time.perf_counter() - start
        hits = [o[0] for o in outcomes]
        metric = "recall" if positive else "ratio"
        what = "rows with a hit" if positive else "false-positive rate (rows with a hit)"
        results.append(
            row(f"yente_{name}", "finbrain", metric, sum(hits) / len(hits), len(hits), what=what)
        )
        if positive:
            un_hits = [o[1] for o in outcomes]
            results.append(
                row(
                    f"yente_{name}_on_un",
                    "finbrain",
                    "recall",
                    sum(un_hits) / len(un_hits),
                    len(un_hits),
                    what="rows with a hit on the UN list",
                )
            )
            listed = [i for i, q in enumerate(queries) if q["birth_date"] in un_dates]
            results.append(
                row(
                    f"yente_{name}_dob_in_un_2018",
                    "finbrain",
                    "recall",
                    sum(hits[i] for i in listed) / max(1, len(listed)),
                    len(listed),
                    what="rows whose exact birth date is in the 2018 UN list",
                )
            )
        else:
            # Without birth date and nationality: the name matcher alone.
            bare = [bool(index.screen(q["name"], kind="person").hits) for q in queries]
            results.append(
                row(
                    f"yente_{name}_name_only",
                    "finbrain",
                    "ratio",
                    sum(bare) / len(bare),
                    len(bare),
                    what="false-positive rate screening the name alone",
                )
            )
            confirmed = [o[2] for o in outcomes]
            results.append(
                row(
                    f"yente_{name}_confirmed",
                    "finbrain",
                    "ratio",
                    sum(confirmed) / len(confirmed),
                    len(confirmed),
                    what="rows with outcome 'match'",
                )
            )
        # The anchor on a smaller sample: a full scan costs milliseconds per row.
        anchor_n = min(len(queries), 300 if quick else 2000)
        anchor = [brute.screen(q["name"])[0] for q in queries[:anchor_n]]
        results.append(
            row(f"yente_{name}", "rapidfuzz", metric, sum(anchor) / anchor_n, anchor_n, what=what)
        )
        console.print(
            f"{name}: finbrain {sum(hits) / len(hits):.3f} (n={len(hits)}, "
            f"{len(hits) / seconds:.0f}/s), rapidfuzz {sum(anchor) / anchor_n:.3f} (n={anchor_n})"
        )

    # (b) throughput --------------------------------------------------------------------------
    negatives = pd.concat([fixtures["negatives_global"], fixtures["negatives_us"]])
    queries = realistic_queries(lists, negatives, 2000 if quick else 10000, rng)
    for query in queries[:200]:
        index.screen(query)  # warm the caches the way a running service has them
    samples: list[float] = []
    considered: list[int] = []
    start = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        result = index.screen(query)
        samples.append((time.perf_counter() - t0) * 1000)
        considered.append(result.candidates_considered)
    total = time.perf_counter() - start
    pct = percentiles(samples)
    results.append(
        row("screen_mixed", "finbrain", "per_second", len(queries) / total, len(queries))
    )
    for metric in ("p50_ms", "p95_ms", "p99_ms"):
        results.append(row("screen_mixed", "finbrain", metric, pct[metric], len(queries)))
    results.append(
        row(
            "candidates_per_screen",
            "finbrain",
            "ratio",
            statistics.mean(considered) / n_entries,
            len(queries),
            what="mean entries compared / entries indexed",
            mean_entries=statistics.mean(considered),
        )
    )
    anchor_queries = queries[: 300 if quick else 1000]
    anchor_samples = []
    start = time.perf_counter()
    for query in anchor_queries:
        t0 = time.perf_counter()
        brute.screen(query)
        anchor_samples.append((time.perf_counter() - t0) * 1000)
    anchor_total = time.perf_counter() - start
    apct = percentiles(anchor_samples)
    results.append(
        row(
            "screen_mixed",
            "rapidfuzz",
            "per_second",
            len(anchor_queries) / anchor_total,
            len(anchor_queries),
        )
    )
    for metric in ("p50_ms", "p99_ms"):
        results.append(row("screen_mixed", "rapidfuzz", metric, apct[metric], len(anchor_queries)))
    console.print(
        f"throughput: finbrain {len(queries) / total:.0f}/s p50 {pct['p50_ms']:.2f} ms "
        f"p99 {pct['p99_ms']:.2f} ms; rapidfuzz scan {len(anchor_queries) / anchor_total:.0f}/s"
    )
    # Fresh queries (another seed): the ones above are prepared and cached by now.
    rounds = 3 if quick else 7
    fresh = realistic_queries(lists, negatives, rounds * 1500, random.Random(SEED + 1))
    interleaved_ratio(index, brute, fresh, results, rounds=rounds)
    path = write_results("identity_screening", quick, results)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
