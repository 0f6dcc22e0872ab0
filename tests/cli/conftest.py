"""The CLI tests use the API tests' tiny shop and per-test registry."""
from tests.api.conftest import pql_home, shop_db, shop_master  # noqa: F401  (pytest fixtures)
