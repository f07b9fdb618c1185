"""Canonical JSON (RFC 8785, JCS) and the SHA-256 digests built on it.

Two systems that hold the same input must compute the same digest, whatever their key order or
number formatting: that is what makes an ``input_digest`` (and later a ledger leaf) verifiable.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import rfc8785


def _plain(value: Any) -> Any:
    """Decimals (money) become strings: JCS numbers are IEEE doubles and would lose digits."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of ``value`` (dicts, lists, str, int, float, bool, None, Decimal)."""
    result: bytes = rfc8785.dumps(_plain(value))
    return result


def digest(value: Any) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
