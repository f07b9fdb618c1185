"""Where the real data lives, and proof that each file is the one the project was built on.

Every file under the data folder is pinned by its SHA-256 digest in ``SHA256SUMS`` (one
``<digest>  ./relative/path`` line per file). Before a loader reads a file, :func:`verified_path`
checks that the file is there and that its digest matches: a damaged, truncated or edited file is
refused rather than silently producing different numbers.

The digest list is read once per process, and each file is hashed once per process (the result is
remembered against the file's path, size and modification time, so an edit is noticed).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from finbrain.core.errors import DatasetChecksumError, DatasetMissingError, ValidationError
from finbrain.core.settings import get_settings

__all__ = [
    "SUMS_FILE",
    "checksums",
    "clear_caches",
    "data_dir",
    "expand",
    "normalise_relpath",
    "optional_data_dir",
    "sha256_bytes",
    "sha256_file",
    "verified_path",
]

SUMS_FILE = "SHA256SUMS"
_CHUNK = 1 << 20  # 1 MiB: large files are streamed, never read whole into memory
_HINT = "set FINBRAIN_DATA_DIR to a folder containing it (and the SHA256SUMS that pins it)"

_StatKey = tuple[str, int, int]
_lock = threading.Lock()
_sums_cache: dict[_StatKey, Mapping[str, str]] = {}
_digest_cache: dict[_StatKey, str] = {}


def optional_data_dir() -> Path | None:
    """The configured data folder, or ``None`` when none is configured or it does not exist."""
    configured = get_settings().data_dir
    if configured is None or not configured.is_dir():
        return None
    return configured


def data_dir() -> Path:
    """The folder holding the real public data (``FINBRAIN_DATA_DIR``, else ``../shared/data``).

    Raises :class:`DatasetMissingError` when no such folder is configured or it does not exist.
    """
    configured = get_settings().data_dir
    if configured is None:
        raise DatasetMissingError(
            "No data folder is configured: set FINBRAIN_DATA_DIR to the folder holding the "
            "real public data and its SHA256SUMS."
        )
    if not configured.is_dir():
        raise DatasetMissingError(
            f"The data folder {configured} does not exist: set FINBRAIN_DATA_DIR to the folder "
            "holding the real public data and its SHA256SUMS.",
            path=str(configured),
        )
    return configured


def normalise_relpath(relpath: str | PurePosixPath) -> str:
    """``./credit/x.csv`` and ``credit/x.csv`` name the same file; nothing may leave the folder."""
    text = str(relpath).replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    pure = PurePosixPath(text)
    # A path that climbs out of the data folder could read any file on the machine.
    if not text or pure.is_absolute() or ".." in pure.parts:
        raise ValidationError(
            f"Dataset path {relpath!r} must be relative to the data folder and stay inside it.",
            field="relpath",
            rule="inside_data_dir",
        )
    return pure.as_posix()


def _stat_key(path: Path) -> _StatKey:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _parse_sums(text: str, source: Path) -> Mapping[str, str]:
    digests: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        digest = parts[0].lower()
        if len(parts) != 2 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise DatasetChecksumError(
                f"{source} line {lineno} is not '<sha256>  <path>': {raw!r}",
                path=str(source),
            )
        # sha256sum writes '*path' for binary mode; the star is not part of the name.
        name = parts[1].strip().removeprefix("*")
        digests[normalise_relpath(name)] = digest
    return MappingProxyType(digests)


def checksums(root: Path | None = None) -> Mapping[str, str]:
    """The pinned digests of the data folder: relative path (no ``./``) -> lowercase sha256."""
    folder = data_dir() if root is None else root
    sums_path = folder / SUMS_FILE
    if not sums_path.is_file():
        raise DatasetMissingError(
            f"{SUMS_FILE} not found in {folder}: every data file must be pinned by it. Set "
            f"FINBRAIN_DATA_DIR to a folder containing the data and its {SUMS_FILE}.",
            path=str(sums_path),
        )
    key = _stat_key(sums_path)
    with _lock:
        cached = _sums_cache.get(key)
    if cached is not None:
        return cached
    parsed = _parse_sums(sums_path.read_text(encoding="utf-8"), sums_path)
    with _lock:
        _sums_cache[key] = parsed
    return parsed


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already in memory (the bundled copies)."""
    return hashlib.sha256(data).hexdigest()


def _digest_of(path: Path) -> str:
    key = _stat_key(path)
    with _lock:
        cached = _digest_cache.get(key)
    if cached is not None:
        return cached
    actual = sha256_file(path)
    with _lock:
        _digest_cache[key] = actual
    return actual


def verified_path(relpath: str | PurePosixPath) -> Path:
    """The absolute path of a data file, after proving it matches its pinned SHA-256.

    Raises :class:`DatasetMissingError` if the file (or ``SHA256SUMS``) is absent and
    :class:`DatasetChecksumError` if the file is not pinned or its digest differs.
    """
    name = normalise_relpath(relpath)
    root = data_dir()
    path = root / name
    if not path.is_file():
        raise DatasetMissingError(
            f"Dataset file {name} not found in {root}: {_HINT}.",
            path=name,
        )
    expected = checksums(root).get(name)
    if expected is None:
        raise DatasetChecksumError(
            f"Dataset file {name} has no entry in {root / SUMS_FILE}: refusing to read a file "
            "whose content is not pinned.",
            path=name,
        )
    actual = _digest_of(path)
    if actual != expected:
        raise DatasetChecksumError(
            f"Dataset file {name} does not match its pinned checksum: expected sha256 {expected}, "
            f"got {actual}. The copy is damaged or was edited; restore the original file.",
            path=name,
            expected=expected,
            actual=actual,
        )
    return path


def expand(pattern: str) -> list[str]:
    """The pinned files matching a glob (``*`` crosses folders), sorted; plain paths pass through.

    Patterns are matched against ``SHA256SUMS`` rather than the disk, so a file deleted from the
    folder is reported as missing instead of being skipped quietly.
    """
    name = normalise_relpath(pattern)
    if not any(ch in name for ch in "*?["):
        return [name]
    matches = sorted(path for path in checksums() if fnmatchcase(path, name))
    if not matches:
        raise DatasetMissingError(
            f"No file in {data_dir() / SUMS_FILE} matches {name}: {_HINT}.",
            path=name,
        )
    return matches


def clear_caches() -> None:
    """Forget remembered digests (tests that rewrite files in place)."""
    with _lock:
        _sums_cache.clear()
        _digest_cache.clear()
