"""Intelligent customer service (智能客服): intent accuracy, hand-off, training time, latency.

Tasks, every system in the same run:

- ``banking77``: BANKING77 test accuracy (3,080 English queries, 77 intents), trained on the
  published train split. ``scikit-learn`` is the plain anchor (word + char_wb TF-IDF into a
  linear SVM, the ≈ 91% of the data README); ``finbrain/tfidf`` is finbrain's model with no
  encoder; ``finbrain/use+e5`` adds both packaged encoders; ``finbrain/e5-only`` and
  ``finbrain/use-only`` are the encoders with a linear model and no TF-IDF. The published anchor
  is fine-tuned BERT-large, 93.66 (Casanueva et al. 2020; not run here: it needs a GPU).
- ``banking77_zh``: accuracy on finbrain's own held-out Chinese test set, from one bilingual
  model trained on the English train split plus the Chinese training set (and from a model
  trained on the Chinese training set alone, for comparison).
- ``clinc150_bank``: CLINC150's banking and credit-card domains (30 intents) are in scope; its
  out-of-scope queries are not. The threshold on the top probability is tuned on the validation
  split for the highest out-of-scope recall with in-scope accuracy ≥ 0.95, then both are
  reported on the test split. Two training sets: CLINC's 100 out-of-scope training queries as
  the ``oos`` class; and those plus the other 120 intents' training queries (travel, cooking,
  small talk…: out of scope for a bank) as ``oos`` too.
- ``train``: seconds to fit the model (embeddings of the training texts counted separately).
- ``latency``: one message at a time through ``classify``, p50/p95 ms, against the encoders'
  own time on the same messages and against the plain TF-IDF + SVM anchor.

Embeddings of the corpora are cached on disk (``benchmarks/.cache``) between runs; the latency
task always embeds afresh.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, write_results
from finbrain.assistant import load_banking77_zh
from finbrain.assistant.nlu import E5Encoder, IntentClassifier, USEEncoder
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
        if self.path.exists():
            data = np.load(self.path, allow_pickle=False)
            self.vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))

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


def _key(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]


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


def banking77_task(
    encoders: list[Any], quick: bool, results: list[dict[str, Any]]
) -> dict[str, Any]:
    frame = load_banking77()
    train = frame[frame["split"] == "train"]
    test = frame[frame["split"] == "test"]
    if quick:
        train = train.groupby("label", observed=True).head(40)
        test = test.groupby("label", observed=True).head(10)
    x_tr, y_tr = train["text"].tolist(), train["label"].astype(str).tolist()
    x_te, y_te = test["text"].tolist(), test["label"].astype(str).tolist()
    task = "banking77"
    systems: dict[str, Any] = {
        "scikit-learn": anchor_svm(),
        "finbrain/tfidf": IntentClassifier(),
    }
    for enc in encoders:
        systems[f"finbrain/{enc.name}-only"] = IntentClassifier(
            encoders=[enc], word_weight=0.0, char_weight=0.0, calibrate=False
        )
    if encoders:
        name = "+".join(e.name for e in encoders)
        systems[f"finbrain/{name}"] = IntentClassifier(encoders=encoders)
    fitted: dict[str, Any] = {}
    for system, model in systems.items():
        for enc in encoders:  # embed first, so training time is the model's own
            enc.encode(x_tr + x_te)
        model, seconds = fit_timed(model, x_tr, y_tr)
        acc = accuracy(model, x_te, y_te)
        fitted[system] = model
        results.append(row(task, system, "accuracy", acc, len(x_te)))
        results.append(
            row(
                "train_banking77",
                system,
                "seconds",
                seconds,
                len(x_tr),
                note="embeddings cached: the model's own fitting time",
            )
        )
        console.print(f"{task} {system}: accuracy {acc:.4f}, fit {seconds:.1f} s")
    for enc in encoders:
        if enc.embedded:
            results.append(
                row(
                    "embed_corpus", enc.name, "per_second", enc.embedded / enc.seconds, enc.embedded
                )
            )
    return {"train": (x_tr, y_tr), "test": (x_te, y_te), "models": fitted}


def banking77_zh_task(
    encoders: list[Any], en: dict[str, Any], quick: bool, results: list[dict[str, Any]]
) -> None:
    zh = load_banking77_zh()
    train, test = zh[zh["split"] == "train"], zh[zh["split"] == "test"]
    if train.empty or test.empty:
        console.print("[yellow]banking77_zh: no Chinese data yet[/yellow]")
        return
    zx, zy = train["text"].tolist(), train["label"].tolist()
    tx, ty = test["text"].tolist(), test["label"].tolist()
    ex, ey = en["train"]
    name = "+".join(e.name for e in encoders)
    configs = {"finbrain/tfidf": None}
    if encoders:
        configs[f"finbrain/{name}"] = encoders
    for system, encs in configs.items():
        for enc in encs or []:
            enc.encode(ex + zx + tx)
        for trained_on, (x, y) in {"zh+en": (ex + zx, ey + zy), "zh": (zx, zy)}.items():
            model, _seconds = fit_timed(IntentClassifier(encoders=encs), x, y)
            acc = accuracy(model, tx, ty)
            results.append(
                row(
                    "banking77_zh",
                    system,
                    "accuracy",
                    acc,
                    len(tx),
                    trained_on=trained_on,
                    n_train_zh=len(zx),
                )
            )
            console.print(f"banking77_zh {system} trained on {trained_on}: accuracy {acc:.4f}")
            if trained_on == "zh+en":
                en_acc = accuracy(model, *en["test"])
                results.append(
                    row(
                        "banking77",
                        system,
                        "accuracy",
                        en_acc,
                        len(en["test"][0]),
                        trained_on="zh+en",
                    )
                )
                console.print(f"  same bilingual model on the English test: {en_acc:.4f}")


def clinc_task(encoders: list[Any], quick: bool, results: list[dict[str, Any]]) -> None:
    splits = load_clinc150()

    def part(split: str, other_as_oos: bool) -> tuple[list[str], list[str]]:
        frame = splits[split]
        labels = frame["label"].astype(str)
        keep = labels.isin(IN_SCOPE) | frame["oos"] | other_as_oos
        frame, labels = frame[keep], labels[keep]
        labels = labels.where(labels.isin(IN_SCOPE), "oos")
        return frame["text"].tolist(), labels.tolist()

    x_val, y_val = part("val", False)
    x_te, y_te = part("test", False)
    name = "+".join(e.name for e in encoders)
    configs: dict[str, Any] = {"finbrain/tfidf": None}
    if encoders:
        configs[f"finbrain/{name}"] = encoders
    for system, encs in configs.items():
        for other_as_oos in (False, True):
            x_tr, y_tr = part("train", other_as_oos)
            if quick and other_as_oos:
                continue
            for enc in encs or []:
                enc.encode(x_tr + x_val + x_te)
            model, _ = fit_timed(IntentClassifier(encoders=encs), x_tr, y_tr)
            threshold = tune_threshold(model, x_val, y_val, 0.95)
            model.set_params(oos_threshold=threshold)
            pred = np.asarray(model.predict(x_te), dtype=object)
            truth = np.asarray(y_te, dtype=object)
            ins = truth != "oos"
            in_acc = float((pred[ins] == truth[ins]).mean())
            oos_recall = float((pred[~ins] == "oos").mean())
            training = "clinc_oos+other_domains" if other_as_oos else "clinc_oos"
            extra = {"oos_training": training, "threshold": round(threshold, 4)}
            results.append(
                row("clinc150_bank_in_scope", system, "accuracy", in_acc, int(ins.sum()), **extra)
            )
            results.append(
                row("clinc150_bank_oos", system, "recall", oos_recall, int((~ins).sum()), **extra)
            )
            console.print(
                f"clinc150 {system} [{training}] threshold {threshold:.3f}: "
                f"in-scope accuracy {in_acc:.4f}, OOS recall {oos_recall:.4f}"
            )


def tune_threshold(model: Any, texts: list[str], labels: list[str], min_accuracy: float) -> float:
    """The threshold with the highest out-of-scope recall on ``texts`` whose in-scope accuracy
    stays ≥ ``min_accuracy`` (the smallest threshold when none does)."""
    proba = model.predict_proba(texts)
    top = proba.max(axis=1)
    argmax = model.classes_[proba.argmax(axis=1)]
    truth = np.asarray(labels, dtype=object)
    ins = truth != "oos"
    best, best_recall = 0.0, -1.0
    for threshold in np.unique(np.concatenate([[0.0], top])):
        pred = np.where(top < threshold, "oos", argmax)
        in_acc = (pred[ins] == truth[ins]).mean()
        recall = (pred[~ins] == "oos").mean()
        if in_acc >= min_accuracy and recall > best_recall:
            best, best_recall = float(threshold), float(recall)
    return best


def latency_task(en: dict[str, Any], quick: bool, results: list[dict[str, Any]]) -> None:
    _x_tr, _y_tr = en["train"]
    x_te, _ = en["test"]
    rng = np.random.default_rng(0)
    messages = [x_te[i] for i in rng.choice(len(x_te), 100 if quick else 400, replace=False)]
    live = [USEEncoder(), E5Encoder()] if "finbrain/use+e5" in en["models"] else []
    models = {
        "finbrain/tfidf": en["models"]["finbrain/tfidf"],
        "scikit-learn": en["models"]["scikit-learn"],
    }
    if live:
        full = en["models"]["finbrain/use+e5"]
        full.features_.encoders_ = live  # fresh encoders: no cached vectors
        models["finbrain/use+e5"] = full
        for enc in live:
            enc.encode(["warm up"])
    timings: dict[str, list[float]] = {}
    for system, model in models.items():
        call = (
            model.classify if system.startswith("finbrain") else (lambda t, m=model: m.predict([t]))
        )
        call(messages[0])
        samples = []
        for text in messages:
            t0 = time.perf_counter()
            call(text)
            samples.append((time.perf_counter() - t0) * 1000)
        timings[system] = samples
    if live:
        samples = []
        for text in messages:
            t0 = time.perf_counter()
            for enc in live:
                enc.encode([text])
            samples.append((time.perf_counter() - t0) * 1000)
        timings["use+e5 (encoders alone)"] = samples
    for system, samples in timings.items():
        stats = percentiles(samples)
        for metric in ("p50_ms", "p95_ms"):
            results.append(row("latency", system, metric, stats[metric], len(samples)))
    p95 = {s: percentiles(v)["p95_ms"] for s, v in timings.items()}
    results.append(
        row(
            "latency_ratio_tfidf_vs_anchor",
            "finbrain/tfidf",
            "ratio",
            p95["finbrain/tfidf"] / p95["scikit-learn"],
            len(messages),
            goal="<= 3",
        )
    )
    if live:
        results.append(
            row(
                "latency_ratio_vs_encoders",
                "finbrain/use+e5",
                "ratio",
                p95["finbrain/use+e5"] / p95["use+e5 (encoders alone)"],
                len(messages),
                goal="<= 1.5",
            )
        )
    console.print({s: round(v, 2) for s, v in p95.items()})


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    results: list[dict[str, Any]] = []
    encoders = [DiskCachedEncoder(USEEncoder()), DiskCachedEncoder(E5Encoder())]
    en = banking77_task(encoders, args.quick, results)
    banking77_zh_task(encoders, en, args.quick, results)
    clinc_task(encoders, args.quick, results)
    latency_task(en, args.quick, results)
    path = write_results("assistant", args.quick, results)
    table = Table("task", "system", "metric", "value", "n")
    for r in results:
        table.add_row(r["task"], r["system"], r["metric"], f"{r['value']:.4g}", str(r["n"]))
    console.print(table)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
