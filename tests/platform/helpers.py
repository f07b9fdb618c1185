from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from finbrain.core.decision import BilingualText, Decision, Reason, Subject
from finbrain.platform import decisions
from finbrain.platform.store.database import Database


def add_decisions(db: Database, tenant_id: str, n: int, **over: object) -> list[Decision]:
    made = []
    with db.tenant(tenant_id) as session:
        for i in range(n):
            fields: dict[str, object] = {
                "tenant_id": tenant_id,
                "capability": "credit",
                "action": "score",
                "subject": Subject(type="applicant", id=f"A{i}"),
                "outcome": ("approve", "refer", "decline")[i % 3],
                "score": i / max(n, 1),
                "reasons": [
                    Reason(
                        code="CR-TEST",
                        text=BilingualText(zh="测试原因", en="test reason"),
                        feature="f",
                        value=i,
                        contribution=-1.0 * i,
                    )
                ],
            }
            fields.update(over)
            made.append(
                decisions.record(
                    session, Decision.for_input({"i": i}, **fields), settings=db.settings
                )
            )
    return made


def kill_mid_write(
    platform: Any, tenant_id: str, script: str, want: int, seconds: float
) -> list[str]:
    """Run ``script`` (``python -c``, argv: home, database URL, tenant) in its own process; it
    prints one id per acknowledged write. Once ``want`` are acknowledged (or ``seconds`` pass),
    SIGKILL it mid-write, with no clean shutdown; returns every id it acknowledged."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            script,
            str(platform.settings.home),
            platform.settings.effective_database_url,
            tenant_id,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    acknowledged: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + seconds
    while len(acknowledged) < want and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    acknowledged += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert len(acknowledged) >= want, "the writer did not get going"
    return acknowledged
