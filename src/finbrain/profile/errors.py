"""The one error the profiling library raises for bad input.

It is the project's :class:`~finbrain.core.errors.ValidationError` (a stable code, the field and
the rule, a 422 on the API) and also a ``ValueError``, so code that knows only the standard
library catches it where it catches other bad values.
"""

from __future__ import annotations

from finbrain.core.errors import ValidationError


class ProfileInputError(ValidationError, ValueError):
    """Input that breaks a rule of the profiling library; ``field`` and ``rule`` say which."""
