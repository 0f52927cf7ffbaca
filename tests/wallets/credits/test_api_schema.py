"""The credit API's schemas keep their own names beside the wallet's (a clash would
silently replace one component with the other in /api/openapi.json)."""

import re

from config.api import api
from wallets.credits.schemas import AMOUNT_PATTERN


def components() -> dict:
    return api.get_openapi_schema()["components"]["schemas"]


def test_credit_and_wallet_ledger_inputs_are_separate_components():
    schemas = components()
    assert "currency" in schemas["LedgerEntryIn"]["properties"]
    credit = schemas["CreditLedgerEntryIn"]["properties"]
    assert credit["amount"]["pattern"] == AMOUNT_PATTERN and "currency" not in credit


def test_the_amount_pattern_states_the_server_rule():
    accepted = ["1", "12.5", "0.001", "9999999999.999"]
    refused = ["0", "0.000", "-1", "1.2345", "10000000000", "1e3", " 1", "01"]
    assert all(re.fullmatch(AMOUNT_PATTERN, a) for a in accepted)
    assert not any(re.fullmatch(AMOUNT_PATTERN, r) for r in refused)
