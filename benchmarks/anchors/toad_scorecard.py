"""Runs in its own virtual environment (toad does not share ours): fit toad's chi-merge
scorecard on a training Parquet and write the test scores. Called by benchmarks/credit.py."""

import sys

import numpy as np
import pandas as pd
import toad
from toad.scorecard import ScoreCard

train_path, test_path, target, out_path = sys.argv[1:5]
train = pd.read_parquet(train_path)
test = pd.read_parquet(test_path)
for frame in (train, test):
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype) or frame[column].dtype == object:
            frame[column] = frame[column].astype(str)
selected = toad.selection.select(train, target=target, empty=0.9, iv=0.02, corr=0.7)
combiner = toad.transform.Combiner()
combiner.fit(selected, y=target, method="chi", min_samples=0.05)
transer = toad.transform.WOETransformer()
train_woe = transer.fit_transform(combiner.transform(selected), selected[target], exclude=[target])
features = [c for c in selected.columns if c != target]
card = ScoreCard(combiner=combiner, transer=transer, base_score=600, base_odds=50, pdo=20, C=1.0)
card.fit(train_woe[features], selected[target])
scores = np.asarray(card.predict(test[features]), dtype=float)
pd.DataFrame({"score": scores}).to_parquet(out_path)
