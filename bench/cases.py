"""Benchmark cases: (database, PQL query, metric to report), and how each database is built.

A database is built once into the cache folder (``bench/results/databases`` unless ``PQL_BENCH_CACHE``
says otherwise) from the real data in ``../shared/data`` (examples/loaders) or a seeded generator
(examples/generators), and reused by later runs. The rel-f1 queries are read from
``examples/rel_f1_tasks.pql`` so the benchmark runs exactly what the examples show.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from examples.build_stamp import GENERATORS, LOADERS, code_digest
from examples.generators import cross_sell, loyalty, ltv
from examples.loaders import completejourney, f1, online_retail

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DEFAULT_CACHE = ROOT / "bench" / "results" / "databases"


@dataclass(frozen=True, kw_only=True)
class Database:
    name: str
    build: Callable[[Path], Path]  # writes the DuckDB file at the given path
    source: str  # where the data comes from, for the report
    code: Path = GENERATORS  # the package whose code builds it: a change there rebuilds the cached file


DATABASES: dict[str, Database] = {d.name: d for d in (
    Database(name="rel-f1", build=f1.load, code=LOADERS, source="Ergast F1 CSVs, RelBench's rel-f1 recipe (examples/loaders/f1.py)"),
    Database(name="online-retail", build=online_retail.load, code=LOADERS,
             source="UCI Online Retail I + II, 2009-12 .. 2011-12 (examples/loaders/online_retail.py)"),
    Database(name="complete-journey", build=completejourney.load, code=LOADERS,
             source="dunnhumby Complete Journey 2.0 (examples/loaders/completejourney.py)"),
    Database(name="loyalty", build=lambda p: loyalty.generate(p, seed=0),
             source="generated loyalty programme, 3,000 customers (examples/generators/loyalty.py)"),
    Database(name="ltv", build=lambda p: ltv.generate(p, seed=0),
             source="generated LTV shop, 3,000 customers (examples/generators/ltv.py)"),
    Database(name="ltv-20k", build=lambda p: ltv.generate(p, seed=0, n_customers=20_000),
             source="generated LTV shop, 20,000 customers (examples/generators/ltv.py)"),
    # Scale: the same shop at 200,000 and 1,000,000 customers (built in about 30 s and 7 min).
    Database(name="ltv-200k", build=lambda p: ltv.generate(p, seed=0, n_customers=200_000),
             source="generated LTV shop, 200,000 customers (examples/generators/ltv.py)"),
    Database(name="ltv-1m", build=lambda p: ltv.generate(p, seed=0, n_customers=1_000_000),
             source="generated LTV shop, 1,000,000 customers (examples/generators/ltv.py)"),
    Database(name="cross-sell", build=lambda p: cross_sell.generate(p, seed=0),
             source="generated cross-sell journeys, 3,000 customers (examples/generators/cross_sell.py)"),
)}


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    database: str  # a key of DATABASES
    query: str  # one PREDICT statement, without WITH model / seed / retrain (the runner adds them)
    metric: str  # the test metric the table reports
    extra_metrics: tuple[str, ...] = ()  # reported in the JSON (and the table) as well
    published: dict[str, float] = field(default_factory=dict)  # label -> published test value
    options: str = ""  # WITH options the case always runs with (before the runner's --with)
    default: bool = True  # in the runner's default set; the scale cases take minutes to tens of minutes a run


RELBENCH_PROTOCOL = "refit = false"  # RelBench's models never train on the validation table


def _rel_f1_queries() -> list[str]:
    """The PREDICT statements of examples/rel_f1_tasks.pql, as written (driver-dnf, -top3, -position)."""
    from pql.parser import parse

    text = (EXAMPLES / "rel_f1_tasks.pql").read_text(encoding="utf-8")
    return [text[s.span.start:s.span.end] for s in parse(text)]


def _cases() -> tuple[Case, ...]:
    dnf, top3, position = _rel_f1_queries()
    ever_bought = "COUNT(invoices.* WHERE invoices.is_cancellation = false, -INF, 0, days) > 0"
    return (
        # RelBench, Robinson et al. 2024, Table 2/3 (test): LightGBM baseline and RDL (GraphSAGE). RelBench
        # trains on the train table only, so these cases do too (`refit = false`): same protocol, comparable.
        Case(name="f1-driver-dnf", database="rel-f1", query=dnf, metric="auroc", options=RELBENCH_PROTOCOL,
             published={"RelBench LightGBM": 0.6856, "RelBench RDL": 0.7262}),
        Case(name="f1-driver-top3", database="rel-f1", query=top3, metric="auroc", options=RELBENCH_PROTOCOL,
             published={"RelBench LightGBM": 0.7392, "RelBench RDL": 0.7554}),
        Case(name="f1-driver-position", database="rel-f1", query=position, metric="mae", options=RELBENCH_PROTOCOL,
             extra_metrics=("spearman",), published={"RelBench LightGBM": 4.170, "RelBench RDL": 4.022}),
        # Online Retail: customers who bought before the anchor.
        Case(name="retail-churn-90d", database="online-retail",
             query="PREDICT COUNT(invoices.* WHERE invoices.is_cancellation = false, 0, 90, days) = 0 "
                   f"FOR EACH customers.customer_id WHERE {ever_bought}",
             metric="auroc"),
        Case(name="retail-spend-90d", database="online-retail",
             query="PREDICT SUM(invoice_lines.amount, 0, 90, days) "
                   f"FOR EACH customers.customer_id WHERE {ever_bought}",
             metric="spearman", extra_metrics=("mae",)),
        Case(name="retail-next-product-30d", database="online-retail",
             query="PREDICT LIST_DISTINCT(invoice_lines.stock_code WHERE invoice_lines.is_cancellation = false, "
                   "0, 30, days) RANK TOP 12 "
                   f"FOR EACH customers.customer_id WHERE {ever_bought}",
             metric="map"),
        Case(name="cj-coupon-redemption-30d", database="complete-journey",
             query="PREDICT COUNT(coupon_redemptions.*, 0, 30, days) > 0 FOR EACH households.household_id",
             metric="auroc"),
        # The seeds' databases, where the generators know the truth.
        Case(name="loyalty-churn-90d", database="loyalty",
             query="PREDICT churn_90d FOR customer USING customer, reward, tier, purchase, promotion",
             metric="auroc"),
        # The LTV query on the 3,000-customer shop, on one 6.7x larger (how the comparison moves with more
        # training rows), and at scale (time and peak memory; not in the default set, run them by name).
        *(Case(name=f"ltv-total-spend-12m{suffix}", database=f"ltv{suffix}", default=suffix in ("", "-20k"),
               query="PREDICT total_spend_12m FOR customer USING customer, product, category, purchase",
               metric="spearman", extra_metrics=("mae",)) for suffix in ("", "-20k", "-200k", "-1m")),
        Case(name="cross-sell-next-product", database="cross-sell",
             query="PREDICT next_product FOR customer USING customer, product, purchase, category",
             metric="map"),
    )


CASES: dict[str, Case] = {c.name: c for c in _cases()}
DEFAULT_CASES: tuple[str, ...] = tuple(name for name, case in CASES.items() if case.default)


def cache_dir() -> Path:
    return Path(os.environ.get("PQL_BENCH_CACHE") or DEFAULT_CACHE)


def database_path(name: str, *, cache: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """The DuckDB file of database ``name``, built on first use (written aside, then moved in place,
    so an interrupted build never leaves a half database behind). The file name carries a digest of the
    builder's code (examples/build_stamp.py): a changed generator or loader builds a new file."""
    spec = DATABASES[name]
    folder = cache or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{code_digest(spec.code)}.duckdb"
    if not path.exists():
        log(f"building {name} from {spec.source} …")
        partial = folder / f"{name}.partial.duckdb"
        partial.unlink(missing_ok=True)
        spec.build(partial)
        partial.replace(path)
    return path
