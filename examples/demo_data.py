"""The demo's databases: the three seed schemas, generated once into a cache folder and reused.

The seed queries need three schemas, not one: ``total_spend_12m`` and ``next_product`` name a
``category`` table (``USING customer, product, category, purchase``) that the loyalty schema does not
have (there a product's category is a column), and each generator knows a different truth
(uplift, future spend, future purchases). So the demo builds loyalty, LTV and cross-sell databases.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from examples.build_stamp import GENERATORS, code_digest
from examples.generators import cross_sell, loyalty, ltv

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / ".pql-demo"
DEFAULT_CUSTOMERS = 1_500


@dataclass(frozen=True, kw_only=True)
class DemoCase:
    database: str  # file stem under the cache folder
    query: str  # a seed query, verbatim
    asks: str  # what it asks, in words
    generate: Callable[..., Path]  # generate(path, n_customers=..., seed=...)


SEED_CASES: tuple[DemoCase, ...] = (
    DemoCase(database="loyalty", generate=loyalty.generate,
             query="PREDICT incremental_purchase FOR customer USING customer, reward, tier, purchase, promotion",
             asks="how much a promotion in the next 7 days raises each customer's chance to buy in the next 30"),
    DemoCase(database="ltv", generate=ltv.generate,
             query="PREDICT total_spend_12m FOR customer USING customer, product, category, purchase",
             asks="what each customer will spend over the next 12 months"),
    DemoCase(database="cross_sell", generate=cross_sell.generate,
             query="PREDICT next_product FOR customer USING customer, product, purchase, category",
             asks="the 12 products each customer is most likely to buy in the next 30 days"),
)


def database_path(case: DemoCase, *, cache: Path, n_customers: int, seed: int = 0,
                  log: Callable[[str], None] = print) -> Path:
    """The case's DuckDB file, generated on first use (written aside, then renamed into place, so an
    interrupted build never leaves half a database behind). Size, seed and a digest of the generators'
    code (examples/build_stamp.py) are part of the name, so a changed generator builds a new file."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{case.database}-{n_customers}c-seed{seed}-{code_digest(GENERATORS)}.duckdb"
    if not path.exists():
        log(f"generating the {case.database} database ({n_customers:,} customers) into {path} …")
        partial = path.with_suffix(".partial.duckdb")
        partial.unlink(missing_ok=True)
        case.generate(partial, n_customers=n_customers, seed=seed)
        partial.replace(path)
    return path
