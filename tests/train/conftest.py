"""One generated shop per test session for the heuristic baseline's tests."""
from __future__ import annotations

import pytest

from tests.fixtures.shop import ShopSpec
from tests.fixtures.training import session, shop_path  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="session")
def shop_spec() -> ShopSpec:
    # no mails; customers join before the first order and carry their preferred channel
    return ShopSpec(n_customers=240, n_products=30, days=300, rate_log_mean=-3.0, max_rate=0.6, profile=True,
                    mails=False)
