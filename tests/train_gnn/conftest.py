"""One generated shop per test session and GNNs fitted once per query (fits are the slow part)."""
from __future__ import annotations

import pytest

from engine.train.gnn_trainer import GNNTrainer
from tests.fixtures.shop import ShopSpec
from tests.fixtures.training import fitted, session, shop_path  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="session")
def shop_spec() -> ShopSpec:
    return ShopSpec()  # customers with a segment, orders, and the randomised mails


@pytest.fixture(scope="session")
def trainer_class():
    return GNNTrainer
