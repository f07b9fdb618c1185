"""Keyset pagination: stable under inserts, no OFFSET scans.

The cursor is the id (a ULID) of the last item of the page. Clients must treat it as opaque;
keeping it a plain id lets the spec state its exact form, so any well-formed cursor is valid.
"""

from __future__ import annotations

import re

from finbrain.core.errors import ValidationError

MAX_PAGE = 200
CURSOR_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(last_id: str) -> str:
    return last_id


def decode_cursor(cursor: str) -> str:
    if not _CURSOR.match(cursor):
        raise ValidationError(field="cursor", rule="opaque_cursor_from_previous_page")
    return cursor


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(field="limit", rule=f"between_1_and_{MAX_PAGE}")
    return limit
