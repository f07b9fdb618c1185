"""``pip install finbrain`` then ``finbrain demo``, outside the repository, with no data folder.

The wheel is built from this source tree (copied, so the shared checkout gets no build/ folder),
installed into a fresh virtual environment without its dependencies, which are made visible by
a ``.pth`` line pointing at this environment's site-packages (an honest stand-in for installing
them from PyPI: the same versions, none of this checkout's files). The demo's set-up then runs
from an empty folder whose parents hold no ``shared/data``: the sanctions lists and the German
credit data must come from the package itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = ("pyproject.toml", "README.md", "src")

pytestmark = pytest.mark.slow


def _copy_source(target: Path) -> None:
    for name in SOURCE:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(
                path, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(path, target / name)
    for licence in REPO.glob("LICENSE*"):
        shutil.copy2(licence, target / licence.name)


def _build_wheel(tmp: Path) -> Path:
    source, dist = tmp / "source", tmp / "dist"
    source.mkdir()
    _copy_source(source)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--quiet", "--wheel-dir", str(dist), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = dist.glob("finbrain-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"),
            *("--no-deps", "--no-index", str(wheel)),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies, from this environment (its own finbrain is an editable path hook that a
    # .pth line does not activate: the installed wheel is the only finbrain there).
    Path(purelib, "_finbrain_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_installed_wheel_runs_the_demo_setup_without_the_data_folder(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    bundled = [n for n in names if n.startswith("finbrain/datasets/bundled/")]
    assert "finbrain/datasets/bundled/un_2018_consolidated.xml.gz" in bundled
    assert "finbrain/datasets/bundled/ATTRIBUTION.md" in bundled

    venv = _fresh_venv(tmp_path, wheel)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FINBRAIN_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(FINBRAIN_HOME=str(tmp_path / "home"), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    # On a machine shared with other work, LightGBM's OpenMP threads spin while they wait and
    # training takes 4-10 times longer; waiting passively changes no result.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import finbrain; from finbrain.core.settings import get_settings; "
            "print(finbrain.__file__); print(get_settings().data_dir)",
        ],
        cwd=empty,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert where[0].startswith(str(venv)) and where[1] == "None", where

    demo = subprocess.run(
        [str(venv / "bin" / "finbrain"), "demo", "--no-serve"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "fbk_" in demo.stdout and "german-scorecard" in demo.stdout
    assert "simulated-gbm" in demo.stdout
    # the assistant learns from the data shipped in the wheel, and says that is all it had
    assert "shipped data only" in " ".join(demo.stdout.replace("│", " ").split())
    assert list(empty.iterdir()) == []  # everything went to FINBRAIN_HOME
