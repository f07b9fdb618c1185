"""Runs in its own virtual environment (causalml brings xgboost with CUDA libraries, numba and
shap: kept out of ours): fit causalml's T- and X-learners (LightGBM inside) on a training
Parquet and write their uplift for the test Parquet. Called by benchmarks/marketing.py."""

import sys

import numpy as np
import pandas as pd
from causalml.inference.meta import BaseTClassifier, BaseXClassifier
from lightgbm import LGBMClassifier, LGBMRegressor

train_path, test_path, out_path = sys.argv[1:4]
train, test = pd.read_parquet(train_path), pd.read_parquet(test_path)
features = [c for c in train.columns if c not in ("y", "treatment")]
X, Xt = pd.get_dummies(train[features]).astype(float), pd.get_dummies(test[features]).astype(float)
Xt = Xt.reindex(columns=X.columns, fill_value=0.0)
t, y = train["treatment"].astype(str).to_numpy(), train["y"].to_numpy()
out = {}
learner = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 50,
    "verbose": -1,
    "n_jobs": 2,
}
tl = BaseTClassifier(learner=LGBMClassifier(**learner), control_name="control")
tl.fit(X.to_numpy(), treatment=t, y=y)
out["t_learner"] = np.asarray(tl.predict(Xt.to_numpy()))[:, 0]
share = (t != "control").mean()
xl = BaseXClassifier(
    outcome_learner=LGBMClassifier(**learner),
    effect_learner=LGBMRegressor(**learner),
    control_name="control",
)
xl.fit(X.to_numpy(), treatment=t, y=y, p=np.full(len(y), share))
out["x_learner"] = np.asarray(xl.predict(Xt.to_numpy(), p=np.full(len(Xt), share)))[:, 0]
pd.DataFrame(out).to_parquet(out_path)
