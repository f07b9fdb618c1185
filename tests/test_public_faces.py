"""The capability packages' public faces: every name in ``__all__`` resolves to the object its
module defines, no public name hides a submodule, and importing the package stays light."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = [
    "finbrain.credit",
    "finbrain.risk",
    "finbrain.ledger",
    "finbrain.identity",
    "finbrain.advisory",
    "finbrain.marketing",
    "finbrain.match",
    "finbrain.assistant",
    "finbrain.assistant.nlu",
    "finbrain.profile",
]
HEAVY = ("pandas", "sklearn", "lightgbm")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__all__ == sorted(package.__all__, key=lambda n: (not n.isupper(), n))
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    for public in package.__all__:
        value = getattr(package, public)
        assert public not in submodules, f"{name}.{public} would be hidden by the submodule"
        if hasattr(value, "__module__") and not isinstance(value, dict | tuple):
            assert value.__module__.startswith(f"{name}."), (public, value.__module__)
        assert public in dir(package)
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    "name",
    [
        "finbrain.credit",
        "finbrain.risk",
        "finbrain.identity",
        "finbrain.advisory",
        "finbrain.marketing",
        "finbrain.match",
        "finbrain.assistant",
        "finbrain.assistant.nlu",
        "finbrain.profile",
    ],
)
def test_importing_the_package_loads_no_heavy_library(name: str) -> None:
    code = f"import sys, {name}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_name_is_the_module_object() -> None:
    from finbrain import credit
    from finbrain.credit import Scorecard, decide
    from finbrain.credit.policy import decide as decide_in_module
    from finbrain.credit.scorecard import Scorecard as InModule

    assert Scorecard is InModule and decide is decide_in_module
    assert credit.Scorecard is InModule
