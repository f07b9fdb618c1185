"""`finbrain credit report`: protected attributes are left out and still checked for fairness."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from finbrain.cli.main import app

runner = CliRunner()


def _fairness_section(html: str) -> str:
    return html.split("7. Fairness")[1].split("8. Reason catalogue")[0]


def test_report_defaults_to_the_datasets_protected_and_monitored_columns(tmp_path: Path) -> None:
    out = tmp_path / "german.html"
    r = runner.invoke(app, ["credit", "report", "german", "--out", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    section = _fairness_section(html)
    for attribute in ("personal_status_and_sex", "age_in_years", "foreign_worker"):
        assert f"<code>{attribute}</code>" in section
    assert "Left out as protected attributes" in html
    points = html.split("5. Scorecard points")[1].split("6. Stability")[0]
    assert "personal status" not in points.lower()


def test_report_takes_an_exclusion_list_and_a_monitor_list(tmp_path: Path) -> None:
    out = tmp_path / "german.html"
    args = ["credit", "report", "german", "--out", str(out)]
    args += ["--protected", "personal_status_and_sex", "--protected", "age_in_years"]
    r = runner.invoke(app, [*args, "--monitor", "housing"])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    section = _fairness_section(html)
    for attribute in ("personal_status_and_sex", "age_in_years"):
        assert f"<code>{attribute}</code> on the hold-out sample (a protected attribute" in section
    assert "<code>housing</code> on the hold-out sample." in section
    assert "<code>foreign_worker</code>" not in section  # the monitor list replaces the default
    points = html.split("5. Scorecard points")[1].split("6. Stability")[0]
    assert "CR-AGE" not in points
