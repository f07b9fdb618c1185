"""The advisory reason catalogue is data: every code the code raises is in it, in zh and en,
with the same placeholders in both languages."""

from __future__ import annotations

import re
import string
from pathlib import Path

from finbrain.advisory.reasons import catalogue

SOURCE = Path(__file__).resolve().parents[2] / "src" / "finbrain" / "advisory"
CODE = re.compile(r'"((?:QN|SUIT|SHELF|ORD|ADV)-[A-Z0-9-]+)"')


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_raised_is_catalogued() -> None:
    used = {m for path in SOURCE.glob("*.py") for m in CODE.findall(path.read_text("utf-8"))}
    data_codes = {"QN-CAP-AGE", "QN-CAP-CONCENTRATION"}  # caps carry their own text
    missing = sorted(
        used - set(catalogue()) - data_codes - {c for c in used if c.startswith("QN-IC-")}
    )
    assert not missing, missing
    assert len(used) > 30


def test_zh_and_en_agree() -> None:
    for code, entry in catalogue().items():
        assert set(entry) == {"zh", "en"}, code
        assert entry["zh"].strip() and entry["en"].strip(), code
        assert placeholders(entry["zh"]) == placeholders(entry["en"]), code
