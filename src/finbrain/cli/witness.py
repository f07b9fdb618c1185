"""``finbrain witness``: the process another bank or a regulator runs beside a finbrain log.

It polls the log over HTTPS (outbound only, so it can sit behind the regulator's firewall),
checks that every new checkpoint extends the last one it co-signed, co-signs it and hands the
cosignature back. On a fork it refuses, writes the two signed checkpoints as evidence and
exits with status 3 (with --once) or keeps refusing.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

out = Console(stderr=True)


class PollError(ValueError):
    """The log answered with an error (its problem+json's detail, field and rule)."""


def _problem_text(error: urllib.error.HTTPError) -> str:
    try:
        problem = json.loads(error.read())
    except (ValueError, OSError):
        return f"HTTP {error.code}"
    if not isinstance(problem, dict):
        return f"HTTP {error.code}"
    parts = [f"HTTP {error.code}", str(problem.get("detail") or problem.get("title") or "")]
    named = [f"{k}={problem[k]}" for k in ("code", "field", "rule") if problem.get(k)]
    return ": ".join(p for p in parts if p) + (f" ({', '.join(named)})" if named else "")


def _request(base: str, key: str, path: str, body: dict[str, Any] | None = None) -> Any:
    try:
        return _send(base, key, path, body)
    except urllib.error.HTTPError as error:
        raise PollError(f"{path.split('?')[0]}: {_problem_text(error)}") from None


def _send(base: str, key: str, path: str, body: dict[str, Any] | None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - the operator chooses the log URL
        base.rstrip("/") + path,
        data=data,
        method="POST" if data else "GET",
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _load_signer(path: Path, name: str) -> Any:
    from finbrain.ledger.note import Signer

    if path.is_file():
        return Signer.from_seed(name, base64.b64decode(path.read_text().strip()))
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = os.urandom(32)
    path.touch(mode=0o600)
    path.write_text(base64.b64encode(seed).decode())
    return Signer.from_seed(name, seed)


def witness_once(base: str, api_key: str, witness: Any, evidence_dir: Path) -> str:
    """One poll: returns what happened (cosigned / up to date / empty); raises on a fork."""
    from finbrain.ledger.note import Verifier
    from finbrain.ledger.witness import ForkDetectedError, StaleSizeError

    cp = _request(base, api_key, "/v1/ledger/checkpoint")
    if not cp.get("note"):
        return "empty"
    origin = cp["origin"]
    if origin not in witness.logs:
        witness.logs[origin] = Verifier.parse(cp["vkey"])  # trust on first use, then pinned
    held = witness.state.get(origin)
    held_size = held[0] if held else 0
    if held_size == cp["size"] and held and held[1].split("\n\n")[0] == cp["note"].split("\n\n")[0]:
        return "up to date"
    proof: list[bytes] = []
    if held_size and cp["size"] > held_size:
        got = _request(
            base, api_key, f"/v1/ledger/proof/consistency?from={held_size}&to={cp['size']}"
        )
        proof = [base64.b64decode(p) for p in got["proof"]]
    try:
        cosignature = witness.cosign(cp["note"], held_size, proof)
    except StaleSizeError:
        return "stale"
    except ForkDetectedError as fork:
        evidence_dir.mkdir(parents=True, exist_ok=True)
        path = evidence_dir / f"fork-{int(time.time())}.json"
        path.write_text(json.dumps(fork.evidence.__dict__, indent=2))
        out.print(f"[red]FORK[/red] {fork} — evidence in {path}", highlight=False)
        raise
    # Recorded only once the log took the cosignature: a refusal (this witness not yet trusted,
    # a network error) leaves the state as it was, and the next poll co-signs again.
    _request(
        base,
        api_key,
        "/v1/ledger/cosignatures",
        {"size": cp["size"], "cosignature": cosignature.line},
    )
    witness.record(cosignature)
    return f"cosigned size {cp['size']}"


def run(
    name: Annotated[str, typer.Option(help="This witness's key name, e.g. pbc.example/witness.")],
    log: Annotated[str | None, typer.Option(help="Base URL of the finbrain platform.")] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="FINBRAIN_WITNESS_API_KEY", help="Tenant key with ledger:read + ledger:witness."
        ),
    ] = None,
    key_file: Annotated[Path, typer.Option(help="Ed25519 seed (created on first run).")] = Path(
        "witness.key"
    ),
    state: Annotated[Path, typer.Option(help="What this witness co-signed.")] = Path(
        "witness-state.json"
    ),
    log_vkey: Annotated[str | None, typer.Option(help="Pin the log's key.")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    show_key: Annotated[
        bool,
        typer.Option(
            "--show-key",
            help="Create the key file if needed, print this witness's verifier key (for the "
            "bank to trust) and exit; needs no --log.",
        ),
    ] = False,
) -> None:
    """Co-sign a finbrain log's checkpoints after checking consistency (fork detection)."""
    from finbrain.ledger.note import Verifier
    from finbrain.ledger.witness import ForkDetectedError, Witness, WitnessState

    if not show_key and (not log or not api_key):
        missing = "--log" if not log else "--api-key (or FINBRAIN_WITNESS_API_KEY)"
        raise typer.BadParameter(f"{missing} is needed to poll a log", param_hint=missing)
    signer = _load_signer(key_file, name)
    if show_key:
        print(signer.verifier().vkey)
        return
    assert log is not None and api_key is not None
    out.print(f"witness key: {signer.verifier().vkey}", highlight=False, soft_wrap=True)
    logs: dict[str, Verifier] = {}
    if log_vkey:
        pinned = Verifier.parse(log_vkey)
        logs[pinned.name] = pinned
    witness = Witness(signer, logs, WitnessState(state))
    evidence = state.parent / "forks"
    while True:
        try:
            outcome = witness_once(log, api_key, witness, evidence)
            out.print(outcome)
        except ForkDetectedError:
            if once:
                raise typer.Exit(code=3) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            out.print(f"[yellow]poll failed[/yellow]: {exc}", highlight=False)
            if once:
                raise typer.Exit(code=1) from None
        if once:
            return
        time.sleep(interval)
