"""Opaque cursors for keyset pagination: stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import binascii
import json

from finbrain.core.errors import ValidationError

MAX_PAGE = 200


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["k"]
        if not isinstance(value, str) or len(value) != 26:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError(field="cursor", rule="opaque_cursor_from_previous_page") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(field="limit", rule=f"between_1_and_{MAX_PAGE}")
    return limit
