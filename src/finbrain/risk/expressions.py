"""A small, safe expression language for risk rules: one AST, two backends.

Rules are data written by risk analysts and changed without a deploy, so the text is never handed
to ``eval``/``exec``/``compile``: our own tokenizer and Pratt parser build an AST, a type checker
validates it against a declared schema, and the AST is compiled either into nested Python closures
(one event, a few hundred nanoseconds) or evaluated over numpy columns (a frame of history for
backtests). Both backends implement the same semantics and are tested to agree.

Grammar, lowest precedence first::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := sum [("==" | "!=" | "<" | "<=" | ">" | ">=") sum | ["not"] "in" list]
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")" | "(" expr ")"
    list    := "[" literal ("," literal)* [","] "]"      (literal: NUMBER, -NUMBER, STRING, bool)

``NUMBER`` is ``12``, ``0.5``, ``1e6``; ``STRING`` is single- or double-quoted with ``\\\\``,
``\\'``, ``\\"``, ``\\n``, ``\\t`` escapes; ``NAME`` is dotted ASCII (``event.amount``,
``features.cust_count_1h``, ``amount``); no part may start with ``_``. A bare name ``x`` that is
not in the schema resolves to ``features.x`` when that is. Comparisons do not chain
(``a < b < c`` is refused: write ``a < b and b < c``).

Functions: ``abs(n)``, ``min(n, n, ...)``, ``max(n, n, ...)``, ``coalesce(x, y, ...)`` (first
non-missing, all one type), ``is_missing(x)`` (the only way to test for a missing value) and
``hour(epoch_seconds)`` (UTC hour of day, 0-23).

Semantics: types are ``number`` (IEEE double), ``string`` and ``bool``. A value is *missing*
when its key is absent or holds ``None``/NaN/``pd.NA``. Missing propagates through arithmetic,
comparisons, ``in``, ``not``, ``min``/``max``; ``and``/``or`` use Kleene (SQL) three-valued
logic, so ``false and missing`` is false and ``true or missing`` is true. Division by zero and
NaN results (``inf - inf``) are missing, never an exception. A rule fires only when its
condition is *true*: missing counts as not firing, also under ``not``.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypeAlias, cast

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

__all__ = [
    "FIELD_TYPES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_LIST_SIZE",
    "Expression",
    "FieldType",
    "Node",
    "Schema",
    "check",
    "compile_expression",
    "frame_columns",
    "parse",
    "resolve_name",
    "validate_schema",
]

FieldType: TypeAlias = Literal["number", "string", "bool"]
Schema: TypeAlias = Mapping[str, FieldType]
FIELD_TYPES: Final[tuple[FieldType, ...]] = ("number", "string", "bool")

MAX_EXPRESSION_LENGTH: Final = 2000
MAX_DEPTH: Final = 32
MAX_LIST_SIZE: Final = 256
MAX_ARGS: Final = 16
FUNCTIONS: Final = ("abs", "coalesce", "hour", "is_missing", "max", "min")

Context: TypeAlias = Mapping[str, Any]
Fn: TypeAlias = Callable[[Context], Any]
Columns: TypeAlias = Mapping[str, tuple[np.ndarray, np.ndarray]]

_NA: Final = pd.NA
_KEYWORDS: Final = frozenset({"and", "or", "not", "in", "true", "false"})
_NAME_PART = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME_RE: Final = re.compile(rf"{_NAME_PART}(?:\.{_NAME_PART})*")
_SCHEMA_NAME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")
_NUMBER_RE: Final = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ESCAPES: Final = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_OPERATORS: Final = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_HINTS: Final = {
    "=": "use == to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' or !=",
}


def _error(message: str, field: str, rule: str, offset: int, token: str) -> ValidationError:
    """A ValidationError naming the 1-based column and the offending token."""
    detail = f"{message} at column {offset + 1}"
    if token:
        detail += f" near {token!r}"
    return ValidationError(detail, field=field, rule=rule, column=offset + 1, token=token)


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["num", "str", "name", "kw", "op", "eof"]
    text: str
    pos: int
    value: Any = None


def _tokenize(text: str, fld: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER_RE.match(text, i)
            assert m is not None  # the first character is a digit, so a number matches
            value = float(m.group())
            if not math.isfinite(value):
                raise _error("number out of range", fld, "syntax", i, m.group())
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "._"):
                raise _error("malformed number", fld, "syntax", i, text[i : end + 1])
            tokens.append(_Token("num", m.group(), i, value))
            i = end
            continue
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME_RE.match(text, i)
            assert m is not None
            word = m.group()
            if any(part.startswith("_") for part in word.split(".")):
                # Refused outright: no path to dunders even as an unknown name.
                raise _error("names may not start with '_'", fld, "syntax", i, word)
            tokens.append(_Token("kw" if word in _KEYWORDS else "name", word, i))
            i = m.end()
            continue
        if ch in "'\"":
            i = _string(text, i, fld, tokens)
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(_Token("op", op, i))
                i += len(op)
                break
        else:
            hint = _HINTS.get(ch)
            message = f"unexpected character ({hint})" if hint else "unexpected character"
            raise _error(message, fld, "syntax", i, ch)
    tokens.append(_Token("eof", "", n))
    return tokens


def _string(text: str, start: int, fld: str, tokens: list[_Token]) -> int:
    quote, i = text[start], start + 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == quote:
            tokens.append(_Token("str", text[start : i + 1], start, "".join(out)))
            return i + 1
        if ch == "\\":
            esc = text[i + 1 : i + 2]
            if esc not in _ESCAPES:
                raise _error("unknown escape in string", fld, "syntax", i, "\\" + esc)
            out.append(_ESCAPES[esc])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise _error("unterminated string", fld, "syntax", start, text[start : start + 10])


# --- AST --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """Base of the AST; ``pos`` is the 0-based offset of ``token`` in the source."""

    pos: int
    token: str


@dataclass(frozen=True, slots=True)
class Lit(Node):
    value: Any  # float, str, bool, or None for a missing constant (e.g. folded ``1 / 0``)
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Name(Node):
    key: str
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Arith(Node):
    op: str
    left: Node
    right: Node
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: Node
    right: Node
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Logical(Node):
    op: str  # "and" | "or", n-ary: chains are flattened so evaluation is one loop, not a tower
    operands: tuple[Node, ...]
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class InList(Node):
    operand: Node
    values: tuple[Lit, ...]
    negate: bool
    type: FieldType | None = None


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]
    type: FieldType | None = None


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg | Not):
        return (node.operand,)
    if isinstance(node, Arith | Compare):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, InList):
        return (node.operand, *node.values)
    if isinstance(node, Call):
        return node.args
    return ()


def _type_of(node: Node) -> FieldType:
    t: FieldType | None = cast(Any, node).type  # every concrete node has one
    assert t is not None, "only checked nodes carry a type"
    return t


# --- parser (Pratt) ---------------------------------------------------------------------------

_CMP_BP: Final = 40
_NOT_BP: Final = 30
_NEG_BP: Final = 70
_INFIX_BP: Final = {
    "or": 10,
    "and": 20,
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">=", "in", "not in"), _CMP_BP),
    "+": 50,
    "-": 50,
    "*": 60,
    "/": 60,
}


class _Parser:
    def __init__(self, text: str, fld: str) -> None:
        self.fld = fld
        self.tokens = _tokenize(text, fld)
        self.i = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def fail(self, message: str, tok: _Token, rule: str = "syntax") -> ValidationError:
        return _error(message, self.fld, rule, tok.pos, tok.text)

    def expect(self, text: str) -> _Token:
        tok = self.take()
        if tok.text != text or tok.kind not in ("op", "kw"):
            found = "end of expression" if tok.kind == "eof" else repr(tok.text)
            raise self.fail(f"expected {text!r}, found {found}", tok)
        return tok

    def infix(self) -> str | None:
        tok = self.peek()
        if tok.kind == "kw" and tok.text == "not" and self.peek(1).text == "in":
            return "not in"
        if tok.kind in ("op", "kw") and tok.text in _INFIX_BP:
            return tok.text
        return None

    def expression(self, min_bp: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested deeper than {MAX_DEPTH}", self.peek(), "limit")
        left = self.prefix()
        compared = False
        while (op := self.infix()) is not None:
            bp = _INFIX_BP[op]
            if bp <= min_bp:
                break
            tok = self.take()
            if op == "not in":
                self.take()
            if bp == _CMP_BP:
                if compared:
                    raise self.fail("comparisons cannot be chained; join them with 'and'", tok)
                compared = True
            if op in ("in", "not in"):
                left = InList(tok.pos, op, left, self.literal_list(), op == "not in")
            elif op in ("and", "or"):
                right = self.expression(bp)
                parts = [left, right]
                # Kleene and/or are associative, so (a and b) and c == a and (b and c).
                flat = [
                    q
                    for p in parts
                    for q in (p.operands if isinstance(p, Logical) and p.op == op else (p,))
                ]
                left = Logical(tok.pos, op, op, tuple(flat))
            elif bp == _CMP_BP:
                left = Compare(tok.pos, op, op, left, self.expression(bp))
            else:
                left = Arith(tok.pos, op, op, left, self.expression(bp))
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Lit(tok.pos, tok.text, tok.value)
        if tok.kind == "str":
            return Lit(tok.pos, tok.text, tok.value)
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Lit(tok.pos, tok.text, tok.text == "true")
        if tok.kind == "kw" and tok.text == "not":
            return Not(tok.pos, tok.text, self.expression(_NOT_BP))
        if tok.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.call(tok)
            return Name(tok.pos, tok.text, tok.text)
        if tok.kind == "op" and tok.text == "-":
            return Neg(tok.pos, tok.text, self.expression(_NEG_BP))
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.text == "[":
            raise self.fail("a list is only allowed after 'in'", tok)
        if tok.kind == "eof":
            raise self.fail("expected an expression, found the end", tok)
        raise self.fail(f"expected an expression, found {tok.text!r}", tok)

    def call(self, name: _Token) -> Node:
        self.expect("(")
        args: list[Node] = []
        if self.peek().text != ")":
            while True:
                args.append(self.expression(0))
                if len(args) > MAX_ARGS:
                    raise self.fail(f"more than {MAX_ARGS} arguments", self.peek(), "limit")
                if self.peek().text != ",":
                    break
                self.take()
        self.expect(")")
        return Call(name.pos, name.text, name.text, tuple(args))

    def literal_list(self) -> tuple[Lit, ...]:
        self.expect("[")
        values: list[Lit] = []
        while self.peek().text != "]" or self.peek().kind != "op":
            tok = self.take()
            if tok.kind == "op" and tok.text == "-" and self.peek().kind == "num":
                num = self.take()
                values.append(Lit(tok.pos, "-" + num.text, -num.value))
            elif tok.kind in ("num", "str"):
                values.append(Lit(tok.pos, tok.text, tok.value))
            elif tok.kind == "kw" and tok.text in ("true", "false"):
                values.append(Lit(tok.pos, tok.text, tok.text == "true"))
            else:
                raise self.fail("list items must be literal numbers, strings or booleans", tok)
            if len(values) > MAX_LIST_SIZE:
                raise self.fail(f"list longer than {MAX_LIST_SIZE} items", tok, "limit")
            if self.peek().text == ",":
                self.take()
            elif self.peek().text != "]":
                raise self.fail("expected ',' or ']'", self.peek())
        if not values:
            raise self.fail("empty list", self.peek())
        self.take()
        return tuple(values)


def parse(text: str, *, field: str = "when") -> Node:
    """Parse ``text`` into an untyped AST; syntax and size limits are checked here.

    Raises ``ValidationError(field=field, rule="syntax" | "limit")`` naming column and token.
    """
    if not isinstance(text, str):
        raise ValidationError("must be a string", field=field, rule="type")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise _error(
            f"expression longer than {MAX_EXPRESSION_LENGTH} characters",
            field,
            "limit",
            MAX_EXPRESSION_LENGTH,
            "",
        )
    parser = _Parser(text, field)
    node = parser.expression(0)
    tail = parser.peek()
    if tail.kind != "eof":
        raise parser.fail(f"unexpected {tail.text!r} after a complete expression", tail)
    # Left-leaning chains (a + b + c ...) are built by the loop, not by recursion, so the depth
    # of the tree is checked here, iteratively, before anything recurses over it.
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        if level > MAX_DEPTH:
            raise _error(
                f"expression nested deeper than {MAX_DEPTH}",
                field,
                "limit",
                current.pos,
                current.token,
            )
        stack.extend((child, level + 1) for child in _children(current))
    return node


# --- schema and type checking -----------------------------------------------------------------


def validate_schema(schema: Mapping[str, Any], *, field: str = "schema") -> dict[str, FieldType]:
    """Check a schema (name -> "number" | "string" | "bool") and return it as a plain dict."""
    if not isinstance(schema, Mapping):
        raise ValidationError("must be an object", field=field, rule="type")
    out: dict[str, FieldType] = {}
    for name, kind in schema.items():
        where = f"{field}.{name}"
        if not isinstance(name, str) or not _SCHEMA_NAME_RE.fullmatch(name):
            raise ValidationError(
                "field names are dotted ASCII words, none starting with '_'",
                field=where,
                rule="pattern",
            )
        if set(name.split(".")) & _KEYWORDS:
            raise ValidationError("reserved word", field=where, rule="reserved")
        if kind not in FIELD_TYPES:
            raise ValidationError(
                f"type must be one of {list(FIELD_TYPES)}, got {kind!r}",
                field=where,
                rule="type",
            )
        out[name] = cast(FieldType, kind)
    return out


def resolve_name(name: str, schema: Schema) -> str | None:
    """The schema key ``name`` refers to: itself, or ``features.<name>`` for a bare name."""
    if name in schema:
        return name
    if "." not in name and f"features.{name}" in schema:
        return f"features.{name}"
    return None


_TYPE_WORDS: Final = {"number": "a number", "string": "a string", "bool": "true/false"}


class _Checker:
    def __init__(self, schema: Schema, fld: str) -> None:
        self.schema = schema
        self.fld = fld

    def fail(self, message: str, node: Node, rule: str = "type") -> ValidationError:
        return _error(message, self.fld, rule, node.pos, node.token)

    def want(self, node: Node, kind: FieldType, what: str, at: Node) -> None:
        got = _type_of(node)
        if got != kind:
            raise self.fail(f"{what} needs {_TYPE_WORDS[kind]}, got {_TYPE_WORDS[got]}", at)

    def check(self, node: Node) -> Node:
        if isinstance(node, Lit):
            kind: FieldType = (
                "bool"
                if isinstance(node.value, bool)
                else "string"
                if isinstance(node.value, str)
                else "number"
            )
            return replace(node, type=kind)
        if isinstance(node, Name):
            key = resolve_name(node.key, self.schema)
            if key is None:
                close = difflib.get_close_matches(node.key, list(self.schema), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                if node.key in ("True", "False"):
                    hint = "; booleans are written true/false"
                raise self.fail(f"unknown name {node.key!r}{hint}", node, "unknown_identifier")
            return replace(node, key=key, type=self.schema[key])
        if isinstance(node, Neg):
            operand = self.check(node.operand)
            self.want(operand, "number", "unary '-'", node)
            return replace(node, operand=operand, type="number")
        if isinstance(node, Not):
            operand = self.check(node.operand)
            self.want(operand, "bool", "'not'", node)
            return replace(node, operand=operand, type="bool")
        if isinstance(node, Arith):
            left, right = self.check(node.left), self.check(node.right)
            self.want(left, "number", f"'{node.op}'", node)
            self.want(right, "number", f"'{node.op}'", node)
            return replace(node, left=left, right=right, type="number")
        if isinstance(node, Compare):
            left, right = self.check(node.left), self.check(node.right)
            lt, rt = _type_of(left), _type_of(right)
            if lt != rt:
                raise self.fail(
                    f"cannot compare {_TYPE_WORDS[lt]} with {_TYPE_WORDS[rt]} using '{node.op}'",
                    node,
                )
            if node.op not in ("==", "!=") and lt == "bool":
                raise self.fail(f"'{node.op}' does not order true/false", node)
            return replace(node, left=left, right=right, type="bool")
        if isinstance(node, Logical):
            operands = tuple(self.check(o) for o in node.operands)
            for o in operands:
                self.want(o, "bool", f"'{node.op}'", node)
            return replace(node, operands=operands, type="bool")
        if isinstance(node, InList):
            operand = self.check(node.operand)
            values = tuple(cast(Lit, self.check(v)) for v in node.values)
            kind = _type_of(operand)
            for v in values:
                if v.type != kind:
                    raise self.fail(
                        f"'{node.token}' list item is {_TYPE_WORDS[_type_of(v)]}, the value is "
                        f"{_TYPE_WORDS[kind]}",
                        v,
                    )
            return replace(node, operand=operand, values=values, type="bool")
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def call(self, node: Call) -> Node:
        if node.func not in FUNCTIONS:
            raise self.fail(
                f"unknown function {node.func!r}; known: {', '.join(FUNCTIONS)}",
                node,
                "unknown_identifier",
            )
        args = tuple(self.check(a) for a in node.args)
        arity = {"abs": (1, 1), "hour": (1, 1), "is_missing": (1, 1)}.get(node.func, (2, MAX_ARGS))
        if not arity[0] <= len(args) <= arity[1]:
            count = f"{arity[0]}" if arity[0] == arity[1] else f"at least {arity[0]}"
            raise self.fail(f"{node.func}() takes {count} argument(s), got {len(args)}", node)
        kind: FieldType
        if node.func == "is_missing":
            kind = "bool"
        elif node.func == "coalesce":
            kind = _type_of(args[0])
            for a in args[1:]:
                self.want(a, kind, "coalesce() argument", a)
        else:
            for a in args:
                self.want(a, "number", f"{node.func}()", a)
            kind = "number"
        return replace(node, args=args, type=kind)


def _fold(node: Node) -> Node:
    """Replace constant sub-expressions with their value (computed by the closure backend)."""
    if isinstance(node, Lit | Name):
        return node
    kids = _children(node)
    folded = tuple(_fold(k) for k in kids)
    if isinstance(node, Neg | Not):
        node = replace(node, operand=folded[0])
    elif isinstance(node, Arith | Compare):
        node = replace(node, left=folded[0], right=folded[1])
    elif isinstance(node, Logical):
        node = replace(node, operands=folded)
    elif isinstance(node, InList):
        node = replace(node, operand=folded[0])
    elif isinstance(node, Call):
        node = replace(node, args=folded)
    if all(isinstance(k, Lit) for k in folded):
        value = _closure(node)({})
        return Lit(node.pos, node.token, value, _type_of(node))
    return node


def check(
    node: Node, schema: Schema, *, field: str = "when", expect: FieldType | None = "bool"
) -> Node:
    """Resolve names against ``schema``, type the AST and fold constants.

    Raises ``ValidationError(field=field, rule="unknown_identifier" | "type")``.
    """
    typed = _Checker(schema, field).check(node)
    if expect is not None and _type_of(typed) != expect:
        raise _error(
            f"must be {_TYPE_WORDS[expect]}, got {_TYPE_WORDS[_type_of(typed)]}",
            field,
            "type",
            typed.pos,
            typed.token,
        )
    return _fold(typed)


# --- backend 1: closures (one event) ----------------------------------------------------------


def _load(key: str) -> Fn:
    na = _NA  # a closure cell is read faster than a module global

    def load(ctx: Context) -> Any:
        v = ctx.get(key)
        if v is None or v is na:
            return None
        return v if v == v else None  # NaN is pandas' missing marker; only NaN != itself

    return load


def _cmp_name_number(op: str, key: str, c: float) -> Fn:
    """``number_field <op> constant`` in one closure: the hot path of most rules."""
    na = _NA
    if op == ">":

        def gt(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v > c:
                return True
            return False if v == v else None

        return gt
    if op == ">=":

        def ge(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v >= c:
                return True
            return False if v == v else None

        return ge
    if op == "<":

        def lt(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v < c:
                return True
            return False if v == v else None

        return lt
    if op == "<=":

        def le(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v <= c:
                return True
            return False if v == v else None

        return le
    if op == "==":

        def eq(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v == c:
                return True
            return False if v == v else None

        return eq

    def ne(ctx: Context) -> Any:
        v = ctx.get(key)
        if v is None or v is na or v != v:
            return None
        return v != c

    return ne


_FLIP: Final = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
_CMP_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITH_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _compile_compare(node: Compare) -> Fn:
    left, right, op = node.left, node.right, node.op
    if isinstance(left, Lit) and not isinstance(right, Lit):
        left, right, op = right, left, _FLIP[op]
    if (
        isinstance(left, Name)
        and left.type == "number"
        and isinstance(right, Lit)
        and right.value is not None
    ):
        return _cmp_name_number(op, left.key, right.value)
    fl, fr, fop = _closure(left), _closure(right), _CMP_OPS[op]

    def compare(ctx: Context) -> Any:
        a = fl(ctx)
        if a is None:
            return None
        b = fr(ctx)
        if b is None:
            return None
        return fop(a, b)

    return compare


def _compile_logical(node: Logical) -> Fn:
    fns = tuple(_closure(o) for o in node.operands)
    if node.op == "and":
        if len(fns) == 2:
            f0, f1 = fns

            def and2(ctx: Context) -> Any:
                a = f0(ctx)
                if a is not None and not a:
                    return False
                b = f1(ctx)
                if b is not None and not b:
                    return False
                return None if a is None or b is None else True

            return and2
        if len(fns) == 3:
            f0, f1, f2 = fns

            def and3(ctx: Context) -> Any:
                a = f0(ctx)
                if a is not None and not a:
                    return False
                b = f1(ctx)
                if b is not None and not b:
                    return False
                c = f2(ctx)
                if c is not None and not c:
                    return False
                return None if a is None or b is None or c is None else True

            return and3

        def and_n(ctx: Context) -> Any:
            unknown = False
            for f in fns:
                v = f(ctx)
                if v is None:
                    unknown = True
                elif not v:
                    return False
            return None if unknown else True

        return and_n
    if len(fns) == 2:
        g0, g1 = fns

        def or2(ctx: Context) -> Any:
            a = g0(ctx)
            if a:
                return True
            b = g1(ctx)
            if b:
                return True
            return None if a is None or b is None else False

        return or2

    def or_n(ctx: Context) -> Any:
        unknown = False
        for f in fns:
            v = f(ctx)
            if v is None:
                unknown = True
            elif v:
                return True
        return None if unknown else False

    return or_n


def _compile_arith(node: Arith) -> Fn:
    fl, fr = _closure(node.left), _closure(node.right)
    if node.op == "/":

        def divide(ctx: Context) -> Any:
            a = fl(ctx)
            if a is None:
                return None
            b = fr(ctx)
            if b is None or b == 0:
                return None  # division by zero is missing, never an exception
            try:
                r = a / b
            except OverflowError:  # huge ints only; floats overflow to inf
                return None
            return r if r == r else None

        return divide
    fop = _ARITH_OPS[node.op]
    if isinstance(node.left, Lit) and node.left.value is not None and node.op != "-":
        # constant * x and constant + x: one closure call fewer (both commute)
        k, fx = node.left.value, fr
    elif isinstance(node.right, Lit) and node.right.value is not None:
        k, fx = node.right.value, fl
        if node.op == "-":
            k, fop = -k, operator.add
    else:
        k = None
    if k is not None:
        if fop is operator.mul:

            def scale(ctx: Context) -> Any:
                a = fx(ctx)
                if a is None:
                    return None
                r = a * k
                return r if r == r else None

            return scale

        def shift(ctx: Context) -> Any:
            a = fx(ctx)
            if a is None:
                return None
            r = a + k
            return r if r == r else None

        return shift

    def arith(ctx: Context) -> Any:
        a = fl(ctx)
        if a is None:
            return None
        b = fr(ctx)
        if b is None:
            return None
        r = fop(a, b)
        return r if r == r else None  # inf - inf is NaN: missing, as in the numpy backend

    return arith


def _compile_in(node: InList) -> Fn:
    members = frozenset(v.value for v in node.values)
    na = _NA
    negate = node.negate
    inner = node.operand
    if isinstance(inner, Name) and inner.type == "number" and not negate:
        key = inner.key

        def in_number(ctx: Context) -> Any:
            v = ctx.get(key)
            if v is None or v is na:
                return None
            if v in members:
                return True
            return False if v == v else None

        return in_number
    f = _closure(inner)

    def in_list(ctx: Context) -> Any:
        v = f(ctx)
        if v is None:
            return None
        return (v in members) is not negate

    return in_list


def _compile_call(node: Call) -> Fn:
    fns = tuple(_closure(a) for a in node.args)
    if node.func == "is_missing":
        f = fns[0]
        return lambda ctx: f(ctx) is None
    if node.func == "coalesce":

        def coalesce(ctx: Context) -> Any:
            for g in fns:
                v = g(ctx)
                if v is not None:
                    return v
            return None

        return coalesce
    if node.func == "abs":
        h = fns[0]

        def absolute(ctx: Context) -> Any:
            v = h(ctx)
            return None if v is None else abs(v)

        return absolute
    if node.func == "hour":
        t = fns[0]

        def hour(ctx: Context) -> Any:
            v = t(ctx)
            if v is None:
                return None
            r = (v // 3600) % 24
            return r if r == r else None

        return hour
    pick = min if node.func == "min" else max

    def extreme(ctx: Context) -> Any:
        values = []
        for g in fns:
            v = g(ctx)
            if v is None:
                return None
            values.append(v)
        return pick(values)

    return extreme


def _closure(node: Node) -> Fn:
    if isinstance(node, Lit):
        value = node.value
        return lambda ctx: value
    if isinstance(node, Name):
        return _load(node.key)
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, Logical):
        return _compile_logical(node)
    if isinstance(node, Arith):
        return _compile_arith(node)
    if isinstance(node, InList):
        return _compile_in(node)
    if isinstance(node, Call):
        return _compile_call(node)
    f = _closure(cast(Neg | Not, node).operand)
    if isinstance(node, Not):
        return lambda ctx: None if (v := f(ctx)) is None else not v
    return lambda ctx: None if (v := f(ctx)) is None else -v


# --- backend 2: numpy (a frame of events) -----------------------------------------------------

_DUMMY: Final[dict[FieldType, Any]] = {"number": 0.0, "string": "", "bool": False}


def _vector(node: Node, cols: Columns) -> tuple[Any, Any]:
    """(values, valid) for every row: values are arbitrary where valid is false."""
    if isinstance(node, Lit):
        # Masks are numpy booleans throughout: ~ on a Python bool is integer negation.
        if node.value is None:
            return _DUMMY[_type_of(node)], np.False_
        return node.value, np.True_
    if isinstance(node, Name):
        return cols[node.key]
    if isinstance(node, Neg):
        v, m = _vector(node.operand, cols)
        return np.negative(v), m
    if isinstance(node, Not):
        v, m = _vector(node.operand, cols)
        return np.logical_not(v), m
    if isinstance(node, Arith):
        a, ma = _vector(node.left, cols)
        b, mb = _vector(node.right, cols)
        mask = ma & mb
        if node.op == "/":
            r = np.divide(a, b)
            mask = mask & (b != 0)
        else:
            r = _ARITH_OPS[node.op](a, b)
        return r, mask & ~np.isnan(r)
    if isinstance(node, Compare):
        a, ma = _vector(node.left, cols)
        b, mb = _vector(node.right, cols)
        return np.asarray(_CMP_OPS[node.op](a, b), dtype=bool), ma & mb
    if isinstance(node, Logical):
        is_and = node.op == "and"
        decided: Any = False  # rows already decided: a false operand for and, true for or
        unknown: Any = False
        for operand in node.operands:
            v, m = _vector(operand, cols)
            v = np.asarray(v, dtype=bool)
            decided = decided | (m & (~v if is_and else v))
            unknown = unknown | ~m
        if is_and:
            return ~decided, decided | ~unknown
        return decided, decided | ~unknown
    if isinstance(node, InList):
        v, m = _vector(node.operand, cols)
        members = [x.value for x in node.values]
        hit = np.isin(v, members)
        return (~hit if node.negate else hit), m
    return _vector_call(cast(Call, node), cols)


def _vector_call(node: Call, cols: Columns) -> tuple[Any, Any]:
    parts = [_vector(a, cols) for a in node.args]
    if node.func == "is_missing":
        return np.logical_not(parts[0][1]), np.True_
    if node.func == "coalesce":
        values, valid = parts[-1]
        for v, m in reversed(parts[:-1]):
            values = np.where(m, v, values)
            valid = m | valid
        return values, valid
    if node.func == "abs":
        return np.abs(parts[0][0]), parts[0][1]
    if node.func == "hour":
        v, m = parts[0]
        r = np.remainder(np.floor_divide(v, 3600), 24)
        return r, m & ~np.isnan(r)
    ufunc = np.minimum if node.func == "min" else np.maximum
    values, valid = parts[0]
    for v, m in parts[1:]:
        values = ufunc(values, v)
        valid = valid & m
    return values, valid


# --- compiled expression ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Expression:
    """A checked expression with both backends ready: ``expr(ctx)`` and ``expr.columns(...)``."""

    text: str
    ast: Node
    type: FieldType
    names: tuple[str, ...]
    fn: Fn = field(repr=False)

    def __call__(self, context: Context) -> Any:
        """Evaluate on one event (flat mapping of dotted name -> value); None means missing."""
        return self.fn(context)

    def evaluate_columns(self, columns: Columns, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate on ``n`` rows given as ``{key: (values, valid)}`` (see ``frame_columns``)."""
        with np.errstate(all="ignore"):
            values, valid = _vector(self.ast, columns)
        return (
            np.broadcast_to(np.asarray(values), (n,)),
            np.broadcast_to(np.asarray(valid, dtype=bool), (n,)),
        )


def _names(node: Node) -> Iterator[str]:
    if isinstance(node, Name):
        yield node.key
    for child in _children(node):
        yield from _names(child)


def compile_expression(
    text: str, schema: Schema, *, field: str = "when", expect: FieldType | None = "bool"
) -> Expression:
    """Parse, check and compile ``text`` against ``schema`` (raises ``ValidationError``)."""
    ast = check(parse(text, field=field), schema, field=field, expect=expect)
    names = tuple(dict.fromkeys(_names(ast)))
    return Expression(text, ast, _type_of(ast), names, _closure(ast))


def frame_columns(
    frame: pd.DataFrame, schema: Schema, names: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The numpy columns (values, valid) the vector backend reads, checked against the schema."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in names:
        where = f"frame.{key}"
        if key not in frame.columns:
            raise ValidationError("column missing", field=where, rule="missing_column")
        series = frame[key]
        kind = schema[key]
        valid = series.notna().to_numpy(dtype=bool)
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if kind == "number":
            numeric = ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty")
            if inferred not in numeric:
                raise ValidationError(
                    f"expected numbers, found {inferred}", field=where, rule="type"
                )
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            valid = valid & ~np.isnan(values)
        elif kind == "string":
            if inferred not in ("string", "empty"):
                raise ValidationError(
                    f"expected strings, found {inferred}", field=where, rule="type"
                )
            values = series.to_numpy(dtype=object, na_value="", copy=True)
            values[~valid] = ""
        else:
            if inferred not in ("boolean", "empty"):
                raise ValidationError(
                    f"expected booleans, found {inferred}", field=where, rule="type"
                )
            raw = series.to_numpy(dtype=object, na_value=False)
            values = np.where(valid, raw, False).astype(bool)
        out[key] = (values, valid)
    return out
