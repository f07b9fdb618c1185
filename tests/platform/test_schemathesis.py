"""Property-based API fuzzing with schemathesis against the live OpenAPI spec (bounded).

Every operation gets generated valid and invalid requests; no response may be a 5xx, and each
must match the documented status codes, content types and schemas. (The operations are walked
through schemathesis' Python API rather than its pytest plugin, which does not load lazily
under pytest 9.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import IN_CI, make_platform

EXAMPLES = 20
# Operations whose every accepted request trains a model (seconds each): a few cases check their
# schema as well as twenty would, and twenty made one shard run for minutes.
TRAINING = {"/v1/assistant/models": 4, "/v1/credit/models": 4}


# Operations whose valid inputs depend on stored state the spec cannot describe (a proof for a
# tree size the log has not reached, a witness key whose id must match its name). For them a
# well-formed request may rightly be refused with 422, so "valid data must be accepted" is not
# checked; every other check (no 5xx, documented status, schema, content type) still is.
STATEFUL = {
    "/v1/ledger/proof/inclusion",
    "/v1/ledger/proof/consistency",
    "/v1/ledger/entries",
    "/v1/ledger/witnesses",
    "/v1/ledger/cosignatures",
    "/v1/credit/score",
    "/v1/credit/score/batch",
    "/v1/credit/models/{model_id}/promote",
    "/v1/credit/models",
    "/v1/identity/screen",  # a name of punctuation only is refused, by design
    "/v1/applications/credit-card",  # needs a champion model and a real resident ID
    "/v1/applications/{application_id}",
    "/v1/applications/{application_id}/review",
    "/v1/risk/events",  # the amount and the timestamp are checked beyond their JSON type
    "/v1/risk/events/batch",
    "/v1/risk/rules",  # a rule must compile against the engine's features
    "/v1/risk/rules/backtest",  # needs scored history
    "/v1/risk/cases/{case_id}",
    "/v1/risk/cases/{case_id}/assign",
    "/v1/risk/cases/{case_id}/comments",
    "/v1/risk/cases/{case_id}/close",
    "/v1/risk/models/{model_id}/promote",
    # the answers must complete the questionnaire in use (GET /v1/advisory/questionnaire lists
    # its questions and options; the schema of the body cannot)
    "/v1/advisory/assessments",
    # money is a decimal string or an integer, never a float; the selection needs a stored
    # campaign and an uplift for each of its offers
    "/v1/marketing/campaigns",
    "/v1/marketing/campaigns/{campaign_id}/select",
    "/v1/marketing/campaigns/{campaign_id}/selections",  # profiled customers and an uplift model
    "/v1/marketing/campaigns/{campaign_id}/outcomes",  # customers the campaign chose
    "/v1/marketing/consents",  # each customer once per request
    "/v1/marketing/models",  # enough recorded outcomes in every arm
    # the library's rules beyond the schema: a fee up to 10%, a positive lot, sell-fee tiers in
    # increasing days, sale windows that close after they open, one currency per shelf
    "/v1/advisory/products",
    "/v1/advisory/prices",  # a product on the shelf, a day not in the future
    "/v1/advisory/proposals",  # an assessed client and a shelf with something suitable
    "/v1/advisory/proposals/{proposal_id}",
    "/v1/advisory/proposals/{proposal_id}/outlook",
    "/v1/advisory/products/withdrawals",  # codes on the shelf
    "/v1/advisory/insistences",  # an assessed client and a product on the shelf
    "/v1/advisory/reviews",  # an assessed client whose answers wait for an adviser
    "/v1/match/interactions",  # products on the shelf
    "/v1/match/recommendations",  # an assessed client
    # a trained intent model (409 without one), stored entries, tickets and a stored session
    "/v1/assistant/messages",
    "/v1/assistant/knowledge",  # the library's rules beyond the schema (blank questions)
    "/v1/assistant/knowledge/delete",
    "/v1/assistant/customers",  # ids unique within the request
    "/v1/assistant/tickets/{ticket_id}",
    "/v1/assistant/tickets/{ticket_id}/take",
    "/v1/assistant/tickets/{ticket_id}/close",
}


def _fuzzer(
    strategy: Any, headers: dict[str, str], stateful: bool, examples: int = EXAMPLES
) -> Callable[[], None]:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # Reproducible under CI; exploring new inputs on every local run.
        derandomize=IN_CI,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        excluded = [positive_data_acceptance] if stateful else None
        # A case whose headers were made invalid (the Authorization header dropped or mangled)
        # is sent as generated: adding the tenant's key back made it valid, and the server's
        # accepting it then failed "invalid data must be rejected" (seen on GET
        # /v1/risk/events and GET /v1/applications, one run in two or three).
        spoilt = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        case.call_and_validate(headers=None if spoilt else headers, excluded_checks=excluded)

    return run  # type: ignore[no-any-return]


SHARDS = 4  # the operations split four ways: the workers share the fuzzing, none runs long


def _shard(schema: Any, shard: int) -> list[Any]:
    """This shard's operations: each training operation alone in a shard of its own, the rest
    dealt round-robin over the shards after them (so no shard holds two slow ones)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    slow = [op for op in operations if op.path in TRAINING and op.method.lower() == "post"]
    rest = [op for op in operations if op not in slow]
    mine = [op for index, op in enumerate(slow) if index % SHARDS == shard]
    mine += [op for index, op in enumerate(rest) if (index + len(slow)) % SHARDS == shard]
    return mine


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_conforms_to_its_spec(tmp_path: Path, shard: int) -> None:
    platform = make_platform("sqlite", tmp_path, None)
    try:
        _, tenant_secret = platform.new_tenant("Fuzz Bank")
        schema = schemathesis.openapi.from_asgi("/openapi.json", platform.client.app)
        # A body over the 1 MiB limit (a list far past its maxItems) is refused before it is
        # read, with 413: a rejection too.
        rejection = schema.config.checks.negative_data_rejection
        rejection.expected_statuses = [*rejection.expected_statuses, "413"]
        failures: list[str] = []
        operations = 0
        for operation in _shard(schema, shard):
            operations += 1
            operator = operation.path.startswith("/v1/tenants")
            secret = platform.operator_secret if operator else tenant_secret
            headers = {"Authorization": f"Bearer {secret}"}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run = _fuzzer(
                    operation.as_strategy(generation_mode=mode),
                    headers,
                    operation.path in STATEFUL,
                    TRAINING.get(operation.path, EXAMPLES),
                )
                try:
                    run()
                except Unsatisfiable:
                    # Nothing to make invalid (no parameters, no body): only positive cases.
                    assert mode is GenerationMode.NEGATIVE, operation.path
                except Exception as exc:  # collect all, report together
                    failures.append(
                        f"{operation.method.upper()} {operation.path} [{mode.value}]:"
                        f" {str(exc)[:1500]}"
                    )
        assert operations >= 5
        assert not failures, "\n\n".join(failures)
    finally:
        platform.client.close()
        platform.db.dispose()
