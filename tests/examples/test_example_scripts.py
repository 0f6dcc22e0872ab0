"""Every ``examples/*.pql`` script parses, and binds against the database it was written for.

Generated databases are built tiny (binding needs the schema, not the volume); the real-data
loaders run on ../shared/data and their scripts are skipped, with the reason, where it is absent.
Scripts written for schemas that do not exist (the dialect tour, Kumo's documentation) only parse.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import pql
from pql import ast
from pql.binder import Defines, bind
from pql.bound_render import expr_text
from pql.parser import parse

from examples.generators import cross_sell, loyalty, ltv
from examples.loaders import completejourney, f1, hillstrom, online_retail

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GENERATED = {
    "loyalty": lambda p: loyalty.generate(p, n_customers=80, days=150, n_products=20, seed=0),
    "ltv": lambda p: ltv.generate(p, n_customers=40, days=150, n_products=20, seed=0),
    "cross_sell": lambda p: cross_sell.generate(p, n_customers=40, days=90, n_lines=5, n_accessories=5, seed=0),
}
LOADED = {
    "f1": (f1, lambda p: f1.load(p)),
    "online_retail": (online_retail, lambda p: online_retail.load(p, start="2011-11-01")),
    "completejourney": (completejourney, lambda p: completejourney.load(p)),
    "hillstrom": (hillstrom, lambda p: hillstrom.load(p)),
}
# script -> the database of each statement (one name: all of them)
SCRIPT_DATABASES: dict[str, str | tuple[str, ...]] = {
    "loyalty.pql": "loyalty",
    "ltv.pql": "ltv",
    "cross_sell.pql": "cross_sell",
    "seeds.pql": ("loyalty", "ltv", "cross_sell"),
    "rel_f1_tasks.pql": "f1",
    "online_retail.pql": "online_retail",
    "completejourney.pql": "completejourney",
    "hillstrom.pql": "hillstrom",
}
PARSE_ONLY = {"dialect.pql", "kumo_docs.pql"}  # written for illustrative schemas, not a database here
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.pql"))


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """name -> path, built on first use."""
    folder = tmp_path_factory.mktemp("example_dbs")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            if name in LOADED:
                module, load = LOADED[name]
                if not module.DEFAULT_DATA_DIR.is_dir():
                    pytest.skip(f"real data not present at {module.DEFAULT_DATA_DIR}")
                built[name] = load(folder / f"{name}.duckdb")
            else:
                built[name] = GENERATED[name](folder / f"{name}.duckdb")
        return built[name]

    return get


def test_every_script_is_classified():
    """A new script must say which database it binds against (or that it only parses)."""
    assert set(SCRIPTS) == set(SCRIPT_DATABASES) | PARSE_ONLY


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_parses(script):
    statements = parse((EXAMPLES / script).read_text(encoding="utf-8"))
    assert any(isinstance(s, ast.PredictStatement) for s in statements)


def _bind_script(script: str, databases) -> list:
    """Bind every PREDICT of ``script`` in order (DEFINEs apply to what follows); returns the bound queries."""
    text = (EXAMPLES / script).read_text(encoding="utf-8")
    statements = parse(text)
    predicts = [s for s in statements if isinstance(s, ast.PredictStatement)]
    target = SCRIPT_DATABASES[script]
    names = target if isinstance(target, tuple) else (target,) * len(predicts)
    assert len(names) == len(predicts), f"{script}: one database per PREDICT statement"
    schemas = {}
    defines, bound, k = Defines(), [], 0
    for statement in statements:
        if isinstance(statement, ast.DefineStatement):
            defines.add(statement)
            continue
        name = names[k]
        k += 1
        if name not in schemas:
            with pql.connect(databases(name)) as session:
                schemas[name] = session.db
        bound.append((text[statement.span.start:statement.span.end], bind(statement, schemas[name], defines=defines)))
    return bound


@pytest.mark.parametrize("script", sorted(SCRIPT_DATABASES))
def test_script_binds_against_its_database(script, databases):
    bound = _bind_script(script, databases)
    assert all(bq.task is not None for _, bq in bound)


def _meaning(bq) -> tuple:
    return (bq.task, bq.entity.table, bq.entity.key, expr_text(bq.target),
            None if bq.assuming is None else expr_text(bq.assuming),
            None if bq.where is None else expr_text(bq.where), bq.rank_top, bq.item_table, frozenset(bq.using))


@pytest.mark.parametrize("script", ["loyalty.pql", "ltv.pql", "cross_sell.pql"])
def test_seed_query_and_its_plain_pql_mean_the_same(script, databases):
    """Each schema's script opens with the seed query verbatim, then the plain PQL it expands to."""
    (seed_text, seed), (_, plain), *_ = _bind_script(script, databases)
    seeds = [s.strip() for s in (EXAMPLES / "seeds.pql").read_text(encoding="utf-8").splitlines()
             if s.startswith("PREDICT")]
    assert f"{seed_text.strip()};" in seeds
    assert seed.expansion is not None and plain.expansion is None
    assert _meaning(seed) == _meaning(plain)
