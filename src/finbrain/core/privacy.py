"""Masking of personal data and secrets before anything reaches a log.

The filter runs on every log record of the process (``configure_logging``), so a careless
``log.info(payload)`` still cannot leak a resident ID, a phone or card number, or an API key.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

# Tenant and operator API keys: fbk_<26-char id>_<secret>.
_API_KEY = re.compile(r"\bfb[ko]_[0-9A-Za-z]{26}_[0-9A-Za-z_\-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+")
# Resident ID (18 or 15 digits, last may be X), unified social credit codes are not personal.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_RESIDENT_ID_15 = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{3})(?!\d)")
# Bank cards: 13-19 digits, optionally grouped by spaces or dashes.
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# Mainland mobiles, optionally +86.
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)\d{4}(\d{4})(?!\d)")


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return f"{digits[:4]}******{digits[-4:]}"


def mask_text(text: str) -> str:
    """Replace personal data and secrets in free text with masked forms."""
    text = _API_KEY.sub(lambda m: m.group(0)[:8] + "…[redacted]", text)
    text = _BEARER.sub(lambda m: m.group(1) + " [redacted]", text)
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _CARD.sub(_mask_card, text)
    text = _RESIDENT_ID_15.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)
    return text


def mask_name(name: str) -> str:
    """A person's name as a list shows it: the first character and three asterisks, whatever
    the name's length (the length is not shown either, and a 500-character name stays short)."""
    name = name.strip()
    return (name[:1] + "***") if name else "***"


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask_value(v) for v in value)
    return value


class MaskingFilter(logging.Filter):
    """Masks the message, its arguments and any ``extra`` string fields of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            rendered = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            rendered = str(record.msg)
        record.msg = mask_text(rendered)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key.startswith("fb_"):
                setattr(record, key, _mask_value(value))
        return True


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {k[3:]: v for k, v in record.__dict__.items() if k.startswith("fb_")}
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        # Exceptions can carry request data: mask the whole rendered line too.
        return mask_text(base)


def install_masking(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
        handler.setFormatter(_Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))


def configure_logging(level: str = "INFO") -> None:
    """One handler on stderr for the whole process, masking every record."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    root.setLevel(level.upper())
    install_masking(root)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
