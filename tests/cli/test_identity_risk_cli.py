"""``finbrain validate``, ``finbrain screen`` and ``finbrain risk replay|backtest`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from finbrain.cli.main import app
from finbrain.datasets import load_fraud_handbook

runner = CliRunner()


def test_validate_names_the_failed_rule() -> None:
    ok = runner.invoke(app, ["validate", "id", "11010519491231002X"])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output and "1949-12-31" in ok.output
    bad = runner.invoke(app, ["validate", "id", "110105194912310021", "--json"])
    assert bad.exit_code == 1
    payload = json.loads(bad.output)
    assert payload["valid"] is False and payload["rule"] == "check_digit"
    assert payload["messages"]["zh"] and payload["messages"]["en"]
    assert "110105194912310021" not in bad.output  # never echoed in full
    card = runner.invoke(app, ["validate", "card", "6222020200112345678", "--json"])
    assert "issuer" in card.output or "bin" in card.output


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_screen_explains_its_hits_and_refuses_bad_input() -> None:
    hit = runner.invoke(app, ["screen", "Kim Jong Un", "--dob", "1984-01-08", "--json"])
    assert hit.exit_code == 0, hit.output
    payload = json.loads(hit.output)
    assert payload["outcome"] in ("potential_match", "match")
    assert payload["hits"][0]["explanation"]["en"]
    bad = runner.invoke(app, ["screen", "Kim Jong Un", "--dob", "1984-13-08"])
    assert bad.exit_code == 2 and "dob" in bad.output
    empty = runner.invoke(app, ["screen", "!!!"])
    assert empty.exit_code == 2 and "no_letters" in empty.output


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_risk_replay_and_backtest_on_real_history(tmp_path: Path) -> None:
    frame = load_fraud_handbook()
    week = frame[(frame["TX_DATETIME"] >= "2018-05-01") & (frame["TX_DATETIME"] < "2018-05-04")]
    path = tmp_path / "history.parquet"
    week.to_parquet(path)
    decisions = tmp_path / "decisions.parquet"
    out = runner.invoke(
        app, ["risk", "replay", str(path), "--limit", "3000", "--out", str(decisions)]
    )
    assert out.exit_code == 0, out.output
    assert "3,000 events" in out.output and "precision" in out.output
    written = pd.read_parquet(decisions)
    assert len(written) == 3000 and set(written["action"]) <= {"allow", "review", "block"}
    report = runner.invoke(app, ["risk", "backtest", str(path), "--json"])
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert data["events"] == len(week[week["TX_AMOUNT"] > 0])
    assert {r["rule_id"] for r in data["rules"]} >= {"R-TERM-COMPROMISED", "R-AMT-SPIKE"}
    # A broken rule set is refused with the rule named, nothing is measured.
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "version": 1,
                "rules": [
                    {
                        "id": "R-X",
                        "when": "amont > 1",
                        "score": 1,
                        "action": None,
                        "tags": [],
                        "reason": {"zh": "x", "en": "x"},
                    }
                ],
            }
        )
    )
    broken = runner.invoke(app, ["risk", "backtest", str(path), "--rules", str(rules)])
    assert broken.exit_code == 2 and "rules[0].when" in broken.output
