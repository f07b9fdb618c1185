"""API key scopes: what a tenant key may do. Later capabilities add theirs here.

``admin`` implies every scope. Scope names are ``<capability>:<verb>`` so a bank can hand its
marketing team a key that scores propensity but cannot read credit decisions.
"""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "admin": "everything the tenant can do, including managing its own keys",
    "decisions:read": "read decisions and their reasons",
    "credit:score": "score applicants",
    "credit:train": "train and promote credit models",
    "risk:score": "score transactions in real time",
    "risk:cases": "work alerts and cases",
    "identity:screen": "validate identities and screen names",
    "identity:review": "clear a screening hit as a false positive (a person's recorded decision)",
    "applications:submit": "submit online credit-card applications",
    "applications:review": "review referred applications (the human in PIPL art. 24)",
    "risk:rules": "publish risk rules and run backtests",
    "profile:read": "read customer profiles and segments",
    "profile:build": "rebuild customer profiles from the transaction log",
    "marketing:decide": "choose offers for customers",
    "marketing:manage": "define marketing campaigns (offers, budget, rules, control share); record "
    "consents and outcomes; train the uplift model",
    "advisory:advise": "risk profiling and portfolio advice",
    "advisory:shelf": "put products and their prices on the advisory shelf",
    "match:recommend": "recommend products to customers",
    "assistant:chat": "talk to the customer-service assistant",
    "assistant:manage": "edit the assistant's knowledge base and customer data; train its model",
    "assistant:tickets": "work the assistant's hand-off queue (take and close tickets)",
    "ledger:read": "read checkpoints, proofs and entries",
    "ledger:witness": "hand back witness cosignatures of checkpoints",
}

DEFAULT_SCOPES: tuple[str, ...] = ("decisions:read",)


def grants(held: list[str] | tuple[str, ...], needed: str) -> bool:
    return "admin" in held or needed in held
