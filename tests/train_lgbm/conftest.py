"""One generated shop per test session and LightGBM trainers fitted once per query."""
from __future__ import annotations

import os

import pytest

from engine.train.lightgbm_trainer import LightGBMTrainer
from tests.fixtures.shop import ShopSpec
from tests.fixtures.training import fitted, session, shop_path  # noqa: F401  (pytest fixtures)

os.environ.setdefault("PQL_LGBM_THREADS", "1")


@pytest.fixture(scope="session")
def shop_spec() -> ShopSpec:
    return ShopSpec(age=True)  # the GNN tests' shop plus customers.age, a static target the orders predict


@pytest.fixture(scope="session")
def trainer_class():
    return LightGBMTrainer
