"""ruff (lint + format) and mypy are part of the suite, so CI keeps the code clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> None:
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_ruff_lint_and_format() -> None:
    _run(str(BIN / "ruff"), "check", "src", "tests", "benchmarks")
    _run(str(BIN / "ruff"), "format", "--check", "src", "tests", "benchmarks")


@pytest.mark.slow
def test_mypy_strict() -> None:
    _run(str(BIN / "mypy"))
