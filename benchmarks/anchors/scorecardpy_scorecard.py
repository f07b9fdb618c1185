"""Runs in its own virtual environment (scorecardpy breaks on pandas 3): chi-merge WoE bins,
logistic regression, a points scorecard; writes the test scores. Called by benchmarks/credit.py."""

import sys
import warnings

import pandas as pd
import scorecardpy as sc
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")
train_path, test_path, target, out_path = sys.argv[1:5]
train = pd.read_parquet(train_path)
test = pd.read_parquet(test_path)
for frame in (train, test):
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype) or frame[column].dtype == object:
            frame[column] = frame[column].astype(str)
selected = sc.var_filter(train, y=target, iv_limit=0.02)
bins = sc.woebin(selected, y=target, method="chimerge")
for name, table in bins.items():  # newer numpy leaves nested arrays in "variable": unwrap
    table["variable"] = name
train_woe = sc.woebin_ply(selected, bins)
features = [c for c in train_woe.columns if c != target]
model = LogisticRegression(max_iter=2000).fit(train_woe[features], train_woe[target])
card = sc.scorecard(bins, model, features, points0=600, odds0=1 / 50, pdo=20)
scores = sc.scorecard_ply(test, card, only_total_score=True)["score"]
pd.DataFrame({"score": scores.to_numpy(dtype=float)}).to_parquet(out_path)
