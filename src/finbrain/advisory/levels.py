"""Client risk categories C1-C5 and product risk levels R1-R5 (风险承受能力等级 / 产品风险等级).

Both scales run from 1 (most conservative) to 5; a category and a level compare by their number
(the China rule "Ck may be sold Rj only when j <= k" is ``level <= category``). They parse from
their labels (``"C3"``, ``"r2"``) or numbers, and refuse anything else with the field named.
"""

from __future__ import annotations

from enum import IntEnum

from finbrain.core.errors import ValidationError

__all__ = ["RiskCategory", "RiskLevel"]


class _Scale(IntEnum):
    @classmethod
    def parse(cls, value: object, field: str) -> _Scale:
        """From an instance, 1-5, or a label such as ``"C3"``; else a ValidationError."""
        prefix = cls._prefix()
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            return cls(value)
        if isinstance(value, str):
            text = value.strip().upper()
            if len(text) == 2 and text[0] == prefix and text[1] in "12345":
                return cls(int(text[1]))
        raise ValidationError(field=field, rule=f"{prefix}1_to_{prefix}5", value=repr(value))

    @classmethod
    def _prefix(cls) -> str:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return f"{self._prefix()}{int(self)}"

    def __str__(self) -> str:
        return self.label


class RiskCategory(_Scale):
    """A client's risk tolerance: C1 conservative (保守型) .. C5 aggressive (激进型)."""

    C1 = 1
    C2 = 2
    C3 = 3
    C4 = 4
    C5 = 5

    @classmethod
    def _prefix(cls) -> str:
        return "C"


class RiskLevel(_Scale):
    """A product's risk: R1 low (低风险) .. R5 high (高风险)."""

    R1 = 1
    R2 = 2
    R3 = 3
    R4 = 4
    R5 = 5

    @classmethod
    def _prefix(cls) -> str:
        return "R"
