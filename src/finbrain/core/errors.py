"""The error hierarchy shared by every layer.

Each error carries a stable ``code`` (never renamed once released: clients switch on it), an HTTP
status for the API, and optionally the ``field`` and the ``rule`` that failed, so that a user is
told exactly what to fix. Messages come from the zh/en catalogue (``finbrain.core.i18n``) keyed by
the code; ``params`` fill its placeholders.
"""

from __future__ import annotations

from typing import Any


class FinbrainError(Exception):
    """Base of every error finbrain raises on purpose."""

    code: str = "FB-INTERNAL"
    status: int = 500

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        rule: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        if code is not None:
            self.code = code
        self.field = field
        self.rule = rule
        self.params: dict[str, Any] = dict(params)
        if field is not None:
            self.params.setdefault("field", field)
        if rule is not None:
            self.params.setdefault("rule", rule)
        self.detail = detail
        super().__init__(detail or self.code)

    def __str__(self) -> str:
        parts = [self.detail or self.code]
        if self.field:
            parts.append(f"field={self.field}")
        if self.rule:
            parts.append(f"rule={self.rule}")
        return " ".join(parts) if len(parts) > 1 else parts[0]


class ValidationError(FinbrainError):
    """Input that breaks a rule: the field and the rule are named."""

    code = "FB-VALIDATION"
    status = 422


class NotFoundError(FinbrainError):
    """The object does not exist, or belongs to another tenant (never say which)."""

    code = "FB-NOT-FOUND"
    status = 404


class ConflictError(FinbrainError):
    """The request conflicts with the current state (e.g. an idempotency key reused)."""

    code = "FB-CONFLICT"
    status = 409


class AuthenticationError(FinbrainError):
    """No credentials, unknown credentials or revoked credentials."""

    code = "FB-UNAUTHENTICATED"
    status = 401


class PermissionDeniedError(FinbrainError):
    """The caller is known but lacks the scope the operation needs."""

    code = "FB-FORBIDDEN"
    status = 403


class PayloadTooLargeError(FinbrainError):
    code = "FB-PAYLOAD-TOO-LARGE"
    status = 413


class UnsupportedMediaTypeError(FinbrainError):
    """A body sent with a media type the endpoint does not read (JSON endpoints: 415)."""

    code = "FB-UNSUPPORTED-MEDIA-TYPE"
    status = 415


class RateLimitedError(FinbrainError):
    code = "FB-RATE-LIMITED"
    status = 429

    def __init__(self, retry_after: float, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)


class CurrencyMismatchError(ValidationError):
    code = "FB-MONEY-CURRENCY-MISMATCH"


class DatasetError(FinbrainError):
    """A real dataset is missing or does not match its published checksum."""

    code = "FB-DATASET"
    status = 500


class DatasetMissingError(DatasetError):
    code = "FB-DATASET-MISSING"


class DatasetChecksumError(DatasetError):
    code = "FB-DATASET-CHECKSUM"


class ConfigurationError(FinbrainError):
    code = "FB-CONFIG"
    status = 500


class ServiceUnavailableError(FinbrainError):
    code = "FB-UNAVAILABLE"
    status = 503


class OverloadedError(ServiceUnavailableError):
    """Too many requests at work at once (the tenant's share, or the platform's): retry after
    ``retry_after`` seconds. Nothing of the request was done."""

    code = "FB-OVERLOADED"

    def __init__(self, retry_after: float, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)
        self.params.setdefault("retry_after", max(1, round(retry_after)))  # as in Retry-After
