"""The assistant on the platform: what ``POST /v1/assistant/messages`` adds to the library's
``Assistant.reply``, and training the intent model as the ``assistant.train`` job does.

Tasks (one process; the platform in-process through Starlette's test client on SQLite;
sequential requests):

- ``message_api``: the route with the TF-IDF model trained on the shipped data and the demo
  FAQ, answering the demo customer (cards, balances, FAQ questions, a task put to
  confirmation), beside ``Assistant.reply`` on the same model, FAQ, messages and the tenant's
  own bank (``TenantBank``, the same SQLite tables), interleaved message by message so the
  shared machine's load falls on both alike. The route's time adds authentication, the
  session's state read and written, the ledger appends (checkpoint signature, inclusion
  proofs) and the JSON.
- ``train``: the intent model on the shipped data (1,809 messages) and, when the data folder
  has them, with BANKING77 and CLINC150 (~14,600 messages), TF-IDF alone; seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import make_platform

from benchmarks._harness import arguments, percentiles, row, write_results

MESSAGES = [
    "我的信用卡丢了", "取消", "查一下余额", "储蓄账户", "信用卡年费多少",
    "What is the annual fee?", "how long does a transfer take", "转账多久到账",
    "怎么开通手机银行", "can I change my PIN",
]  # fmt: skip


def message_api(quick: bool, results: list[dict[str, Any]]) -> None:
    from tests.platform.assistant_seed import CUSTOMER, seed_assistant, trained

    from finbrain.assistant import Assistant, ConversationState, load_demo_faq
    from finbrain.platform.assistant import artifact
    from finbrain.platform.assistant.bank import TenantBank

    platform = make_platform("sqlite", Path(tempfile.mkdtemp()), None)
    tenant_id, key = platform.new_tenant("Bench Bank")
    seed_assistant(platform, tenant_id)
    headers = {"Authorization": f"Bearer {key}"}
    library = Assistant.build(artifact.load(trained()[0]), load_demo_faq())
    api_ms: list[float] = []
    lib_ms: list[float] = []
    rounds = 4 if quick else 12
    for n in range(rounds + 1):  # the first round warms both caches
        for i, text in enumerate(MESSAGES):
            body = {"session_id": f"b{n}-{i // 2}", "customer_id": CUSTOMER, "text": text}
            start = time.perf_counter()
            answered = platform.client.post("/v1/assistant/messages", json=body, headers=headers)
            took = (time.perf_counter() - start) * 1000
            assert answered.status_code == 200, answered.text
            with platform.db.tenant(tenant_id) as session:
                state = ConversationState.new(f"l{n}-{i}", CUSTOMER)
                start = time.perf_counter()
                library.reply(state, text, TenantBank(session, tenant_id))
                direct = (time.perf_counter() - start) * 1000
                session.rollback()
            if n:
                api_ms.append(took)
                lib_ms.append(direct)
    api, lib = percentiles(api_ms), percentiles(lib_ms)
    for metric in ("p50_ms", "p95_ms"):
        results.append(row("message_api", "finbrain-api", metric, api[metric], len(api_ms)))
        results.append(row("message_api", "finbrain", metric, lib[metric], len(lib_ms),
                           what="Assistant.reply on the same bank tables"))  # fmt: skip
    results.append(row("message_api_vs_library_p50", "finbrain-api", "ratio",
                       api["p50_ms"] / lib["p50_ms"], len(api_ms)))  # fmt: skip
    platform.client.close()
    platform.db.dispose()


def train(quick: bool, results: list[dict[str, Any]]) -> None:
    from finbrain.platform.assistant import training
    from finbrain.platform.assistant.demo import _has_public_data

    for public in (False, True):
        if public and (quick or not _has_public_data()):
            continue
        _, metrics = training.train("none", public=public)
        task = "train_public" if public else "train_shipped"
        results.append(row(task, "finbrain", "seconds", metrics["seconds"], metrics["n_train"]))
        results.append(row(f"{task}_zh_test", "finbrain", "accuracy",
                           metrics["accuracy_zh_test"], metrics["n_train"]))  # fmt: skip


def main() -> None:
    args = arguments(__doc__ or "")
    quick = bool(args.quick)
    results: list[dict[str, Any]] = []
    message_api(quick, results)
    train(quick, results)
    path = write_results("assistant_platform", quick, results)
    for r in results:
        print(f"{r['task']:28} {r['system']:14} {r['metric']:8} {r['value']:10.3f}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
