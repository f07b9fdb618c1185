"""A simulated campaign whose true effects are known (模拟营销活动), to test arbitration where
real data cannot: which customers would have responded anyway is never observed in reality.

Customers have six features (``x0``…``x3`` numeric, ``segment`` a category, ``risk`` 1-5),
``opted_out`` (5%) and ``recent_contacts``. The response without an offer rises with ``x0`` and
``x1``; each offer's uplift is largest where ``x2``/``x3`` say so and *falls* for the customers
most likely to respond anyway (``x0`` high: the "sure things", some of them "sleeping dogs"
whom an offer puts off) — the case where targeting by propensity wastes the budget.
:meth:`SimulatedCampaign.pilot` draws a randomised test (each offer and a control, equal
shares) to learn from; ``true_uplift`` is the exact effect for the target customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

__all__ = ["SimulatedCampaign", "simulate_campaign"]

CONTROL = "control"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


@dataclass(frozen=True)
class SimulatedCampaign:
    """Target ``customers`` with their exact ``base`` response probability and
    ``true_uplift`` (customers × offers), the campaign ``definition`` and the generator's
    ``offers`` (labels) for :meth:`pilot`."""

    customers: pd.DataFrame
    base: np.ndarray
    true_uplift: np.ndarray
    definition: dict[str, Any]
    offers: tuple[str, ...]
    seed: int

    def pilot(self, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """A randomised test on ``n`` fresh customers: features, arm labels, responses."""
        rng = np.random.default_rng(self.seed + 1)
        customers, base, uplift = _draw(rng, n, len(self.offers))
        arm = rng.integers(0, len(self.offers) + 1, n)
        labels = np.array([CONTROL, *self.offers], dtype=object)[arm]
        p = base + np.where(arm > 0, uplift[np.arange(n), np.maximum(arm - 1, 0)], 0.0)
        y = (rng.random(n) < np.clip(p, 0, 1)).astype(np.int64)
        return customers, labels, y


def _draw(rng: np.random.Generator, n: int, k: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, 4))
    segment = rng.choice(["mass", "affluent", "young", "senior"], size=n, p=[0.5, 0.2, 0.2, 0.1])
    customers = pd.DataFrame(
        {
            "customer_id": [f"s{i:07d}" for i in rng.integers(0, 10**7, n)],
            "x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "x3": x[:, 3],
            "segment": pd.Categorical(segment),
            "risk": rng.integers(1, 6, n),
            "opted_out": rng.random(n) < 0.05,
            "recent_contacts": rng.poisson(0.8, n),
        }
    )  # fmt: skip
    base = _sigmoid(-2.0 + 0.9 * x[:, 0] + 0.4 * x[:, 1])
    uplift = np.empty((n, k))
    for j in range(k):
        angle = np.pi * j / max(k, 1)
        direction = np.cos(angle) * x[:, 2] + np.sin(angle) * x[:, 3]
        uplift[:, j] = (
            (0.04 + 0.01 * j)
            + 0.06 * _sigmoid(2 * direction)
            - 0.12 * _sigmoid(3 * (x[:, 0] - 1.0))
        )
    uplift[segment == "senior", k - 1] -= 0.05  # the last offer does not suit seniors
    return customers, base, np.clip(uplift, -base[:, None], 1 - base[:, None])


def simulate_campaign(
    n: int = 100_000, offers: int = 5, *, budget: str = "50000", seed: int = 0
) -> SimulatedCampaign:
    """``n`` target customers and a campaign of ``offers`` offers (value rising, cost rising
    with the offer's number), a contact cap of 3 in 30 days and a 10% control group."""
    if n < 1 or not 1 <= offers <= 26:
        raise ValidationError(field="n" if n < 1 else "offers", rule="positive_n_1_to_26_offers")
    rng = np.random.default_rng(seed)
    customers, base, uplift = _draw(rng, n, offers)
    customers["customer_id"] = [f"c{i:07d}" for i in range(n)]
    labels = tuple(f"offer_{chr(97 + j)}" for j in range(offers))
    definition = {
        "id": "simulated",
        "name": {"zh": "模拟活动", "en": "Simulated campaign"},
        "offers": [
            {
                "code": label,
                "name": {"zh": f"权益{chr(65 + j)}", "en": f"Offer {chr(65 + j)}"},
                "value": str(40 + 10 * j),
                "cost": str(1 + j),
                "eligibility": [{"column": "risk", "op": "ge", "value": 1 + (j % 3)}],
                "suitability": (
                    [{"column": "segment", "op": "ne", "value": "senior"}]
                    if j == offers - 1
                    else []
                ),
            }
            for j, label in enumerate(labels)
        ],
        "budget": budget,
        "contact_cap": {"max_contacts": 3, "window_days": 30},
        "control_share": 0.1,
        "seed": seed,
    }
    return SimulatedCampaign(customers, base, uplift, definition, labels, seed)
