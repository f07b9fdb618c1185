"""The rule language of tags: comparisons of features, joined by ``and`` / ``or`` / ``not``.

A rule is data a marketing analyst writes (``monetary_365d >= 20000 and share_digital_365d
>= 0.6``), so it is never handed to ``eval``: Python's own parser reads it into a syntax tree
and only the node types below are accepted; anything else is refused naming the rule.

Grammar (Python's precedence): ``or``, ``and``, ``not``; one comparison (``<``, ``<=``, ``>``,
``>=``, ``==``, ``!=``; chains such as ``a < b < c`` are refused) between arithmetic terms
(``+``, ``-``, ``*``, ``/``, unary ``-``) of feature names and numbers.

Missing values (NaN: a customer with no balance history has no balance trend) follow SQL's
three-valued logic: a comparison with a missing side is *unknown*; ``false and unknown`` is
false, ``true or unknown`` is true, ``not unknown`` is unknown; a tag holds only when its rule
is *true*. Division by zero is missing, never an error.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from finbrain.core.decision import BilingualText
from finbrain.profile.errors import ProfileInputError

__all__ = ["MAX_RULE_LENGTH", "Rule", "parse_rule"]

MAX_RULE_LENGTH: Final = 1000
MAX_DEPTH: Final = 24
_COMPARE: Final[dict[type, tuple[str, Callable[[Any, Any], Any]]]] = {
    ast.Lt: ("<", np.less),
    ast.LtE: ("≤", np.less_equal),
    ast.Gt: (">", np.greater),
    ast.GtE: ("≥", np.greater_equal),
    ast.Eq: ("=", np.equal),
    ast.NotEq: ("≠", np.not_equal),
}
_ARITH: Final[dict[type, str]] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "×", ast.Div: "÷"}
Truth = tuple[np.ndarray, np.ndarray]  # (true, known) per row


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text, the features it reads, and its syntax tree."""

    text: str
    features: frozenset[str]
    tree: ast.expr

    def evaluate(self, columns: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
        """True where the rule holds for each of ``rows`` rows (unknown: not holding)."""
        true, _ = _truth(self.tree, columns)
        return np.broadcast_to(np.asarray(true, dtype=bool), (rows,)).copy()

    def explain(
        self, values: Mapping[str, float], labels: Callable[[str], BilingualText]
    ) -> BilingualText:
        """Why the rule holds for one customer: the comparisons that make it true, with the
        customer's values (``labels``: a feature's zh/en name)."""
        columns = {k: np.array([v], dtype=float) for k, v in values.items()}
        parts = _support(self.tree, columns, labels)
        return BilingualText(zh="；".join(p[0] for p in parts), en="; ".join(p[1] for p in parts))


def _fail(field: str, rule: str, detail: str) -> ProfileInputError:
    return ProfileInputError(detail, field=field, rule=rule)


def _check(node: ast.AST, known: Collection[str], field: str, depth: int = 0) -> str:
    """The type of ``node`` (``bool`` or ``number``), or an error naming what is refused."""
    if depth > MAX_DEPTH:
        raise _fail(field, "max_depth", f"{field}: nested deeper than {MAX_DEPTH}")
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            if _check(value, known, field, depth + 1) != "bool":
                raise _fail(field, "boolean_operands", f"{field}: and/or join comparisons")
        return "bool"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        if _check(node.operand, known, field, depth + 1) != "bool":
            raise _fail(field, "boolean_operands", f"{field}: not applies to a comparison")
        return "bool"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _number(node.operand, known, field, depth)
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            raise _fail(field, "one_comparison", f"{field}: one comparison at a time (a < b)")
        _number(node.left, known, field, depth)
        _number(node.comparators[0], known, field, depth)
        return "bool"
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        _number(node.left, known, field, depth)
        return _number(node.right, known, field, depth)
    if isinstance(node, ast.Name):
        if node.id not in known:
            close = difflib.get_close_matches(node.id, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise _fail(field, "known_feature", f"{field}: unknown feature {node.id!r}{hint}")
        return "number"
    if isinstance(node, ast.Constant) and type(node.value) in {int, float}:
        return "number"
    shown = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
    raise _fail(field, "allowed_syntax", f"{field}: {shown!r} is not allowed in a rule")


def _number(node: ast.AST, known: Collection[str], field: str, depth: int) -> str:
    if _check(node, known, field, depth + 1) != "number":
        raise _fail(field, "numeric_operands", f"{field}: arithmetic and comparisons take numbers")
    return "number"


def parse_rule(text: Any, known: Collection[str], field: str = "rule") -> Rule:
    """``text`` as a :class:`Rule` over the features ``known``; a mistake is a
    :class:`~finbrain.profile.errors.ProfileInputError` naming ``field`` and the rule broken."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(field, "required", f"{field}: a rule is a non-empty text")
    if len(text) > MAX_RULE_LENGTH:
        raise _fail(field, "max_length", f"{field}: at most {MAX_RULE_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _fail(field, "syntax", f"{field}: {exc.msg} at column {exc.offset}") from None
    if _check(tree, known, field) != "bool":
        raise _fail(field, "boolean_rule", f"{field}: a rule must be a comparison, not a number")
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return Rule(text=text.strip(), features=names, tree=tree)


def _const(node: ast.Constant) -> float:
    value: Any = node.value  # an int or a float: _check refused anything else
    return float(value)


def _value(node: ast.expr, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, ast.Name):
        return np.asarray(columns[node.id], dtype=float)
    if isinstance(node, ast.Constant):
        return np.asarray(_const(node))
    if isinstance(node, ast.UnaryOp):
        inner = _value(node.operand, columns)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.BinOp)
    left, right = _value(node.left, columns), _value(node.right, columns)
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(node.op, ast.Div):
            out = np.where(right == 0, np.nan, left / np.where(right == 0, 1.0, right))
        else:
            out = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[type(node.op)](
                left, right
            )
    return np.asarray(out, dtype=float)


def _truth(node: ast.expr, columns: Mapping[str, np.ndarray]) -> Truth:
    if isinstance(node, ast.Compare):
        left, right = _value(node.left, columns), _value(node.comparators[0], columns)
        known = ~(np.isnan(left) | np.isnan(right))
        with np.errstate(invalid="ignore"):
            true = np.asarray(_COMPARE[type(node.ops[0])][1](left, right)) & known
        return true, known
    if isinstance(node, ast.UnaryOp):  # not
        true, known = _truth(node.operand, columns)
        return ~true & known, known
    assert isinstance(node, ast.BoolOp)
    parts = [_truth(v, columns) for v in node.values]
    if isinstance(node.op, ast.And):
        true = np.logical_and.reduce([t for t, _ in parts])
        false = np.logical_or.reduce([k & ~t for t, k in parts])
    else:
        true = np.logical_or.reduce([t for t, _ in parts])
        false = np.logical_and.reduce([k & ~t for t, k in parts])
    return true, true | false


def fmt(value: float) -> str:
    """A number as a person reads it: thousands separated, at most two decimals."""
    if not np.isfinite(value):
        return "—"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.2f}"


def _side(
    node: ast.expr, columns: Mapping[str, np.ndarray], labels: Callable[[str], BilingualText]
) -> tuple[str, str]:
    if isinstance(node, ast.Constant):
        return fmt(_const(node)), fmt(_const(node))
    shown = fmt(float(_value(node, columns).ravel()[0]))
    if isinstance(node, ast.Name):
        label = labels(node.id)
        return f"{label.zh} {shown}", f"{label.en} {shown}"
    zh, en = _expression(node, labels)
    return f"{zh}（{shown}）", f"{en} ({shown})"


def _expression(node: ast.expr, labels: Callable[[str], BilingualText]) -> tuple[str, str]:
    if isinstance(node, ast.Name):
        return labels(node.id).zh, labels(node.id).en
    if isinstance(node, ast.Constant):
        return fmt(_const(node)), fmt(_const(node))
    if isinstance(node, ast.UnaryOp):
        zh, en = _expression(node.operand, labels)
        return f"-{zh}", f"-{en}"
    assert isinstance(node, ast.BinOp)
    (lz, le), (rz, re_) = _expression(node.left, labels), _expression(node.right, labels)
    op = _ARITH[type(node.op)]
    return f"({lz} {op} {rz})", f"({le} {op} {re_})"


def _support(
    node: ast.expr, columns: Mapping[str, np.ndarray], labels: Callable[[str], BilingualText]
) -> list[tuple[str, str]]:
    """The comparisons that make ``node`` what it is for the one row in ``columns``."""
    if isinstance(node, ast.Compare):
        (lz, le), (rz, re_) = (
            _side(node.left, columns, labels),
            _side(node.comparators[0], columns, labels),
        )
        op = _COMPARE[type(node.ops[0])][0]
        return [(f"{lz} {op} {rz}", f"{le} {op} {re_}")]
    if isinstance(node, ast.UnaryOp):
        inner = _support(node.operand, columns, labels)
        return [(f"并非（{zh}）", f"not ({en})") for zh, en in inner]
    assert isinstance(node, ast.BoolOp)
    if isinstance(node.op, ast.And):
        return [p for v in node.values for p in _support(v, columns, labels)]
    held = [v for v in node.values if bool(_truth(v, columns)[0].ravel()[0])]
    return [p for v in held or node.values for p in _support(v, columns, labels)]
