"""`pql schema` output: the tree for people, the pql.schema/v1 JSON for machines, and CLI errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import pql
from engine.schema.render import format_tree, to_dict
from pql.cli import main
from tests.fixtures.databases import write_shop_csvs


@pytest.fixture(scope="module")
def shop_folder(tmp_path_factory):
    return write_shop_csvs(tmp_path_factory.mktemp("data") / "shop")


@pytest.fixture(scope="module")
def shop(shop_folder):
    return pql.schema(shop_folder)


def test_tree_shows_keys_links_time_types_and_notes(shop):
    text = format_tree(shop, width=120)
    order_lines = text[text.index("├── order_lines"):text.index("├── referrals")]
    assert order_lines.splitlines() == [
        "├── order_lines  12 rows",
        "│   ├── key: none",
        "│   ├── time: order.order_date inherited through order_id",
        "│   ├── links",
        "│   │   ├── order_id → order.order_id  inferred, score 1.00, 100% of values found",
        "│   │   └── product_id → Product.ProductId  inferred, score 1.00, 100% of values found",
        "│   └── columns",
        "│       ├── order_id  BIGINT  id",
        "│       ├── line_no  BIGINT  categorical",  # two values: 1 and 2
        "│       ├── product_id  BIGINT  id",
        "│       └── quantity  BIGINT  numerical",
    ]
    assert "│   ├── key: CustomerID  inferred" in text
    assert "│   ├── time: SignupDate  inferred" in text
    assert "└── notes" in text and "stock.warehouse_id: ambiguous link" in text


def test_json_document(shop):
    doc = to_dict(shop)
    assert doc["format"] == "pql.schema/v1"
    assert list(doc) == ["format", "source", "tables", "foreign_keys", "notes"]
    order = next(t for t in doc["tables"] if t["name"] == "order")
    assert {k: order[k] for k in ("primary_key", "primary_key_inferred", "time_column", "inherited_time")} == {
        "primary_key": ["order_id"], "primary_key_inferred": True, "time_column": "order_date", "inherited_time": None}
    assert order["columns"][1] == {"name": "customerId", "dtype": "BIGINT", "stype": "id", "stype_inferred": True,
                                   "nullable": True, "num_distinct": 7, "null_fraction": 0.0}
    lines = next(t for t in doc["tables"] if t["name"] == "order_lines")
    assert lines["inherited_time"] == {"via": "order_lines.order_id->order", "parent_table": "order",
                                       "parent_column": "order_date"}
    assert doc["foreign_keys"][0] == {"name": "order.customerId->Customers", "table": "order",
                                      "columns": ["customerId"], "ref_table": "Customers",
                                      "ref_columns": ["CustomerID"], "inferred": True, "score": 0.857,
                                      "containment": 0.857}
    json.dumps(doc)  # serialisable as is


def test_cli_json_and_tree(shop_folder, shop):
    runner = CliRunner()
    result = runner.invoke(main, ["schema", str(shop_folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == to_dict(shop)
    result = runner.invoke(main, ["schema", str(shop_folder), "--override", "fk stock.warehouse_id -> warehouse"])
    assert result.exit_code == 0, result.output
    assert "warehouse_id → warehouse.warehouse_id  declared" in result.output


def test_cli_output_writes_the_tree_or_the_json_to_a_file(shop_folder, shop, tmp_path):
    """-o is --output, as for every other command (--override is long only)."""
    runner = CliRunner()
    tree = tmp_path / "schema.txt"
    result = runner.invoke(main, ["schema", str(shop_folder), "-o", str(tree)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"wrote the schema tree ({len(shop.tables)} tables) to {tree}" in result.stderr
    text = tree.read_text(encoding="utf-8")
    assert "├── order_lines  12 rows" in text and "\x1b[" not in text  # plain text, no colour codes
    doc = tmp_path / "schema.json"
    result = runner.invoke(main, ["schema", str(shop_folder), "--json", "--output", str(doc)])
    assert result.exit_code == 0, result.output
    assert json.loads(doc.read_text()) == to_dict(shop)
    missing = runner.invoke(main, ["schema", str(shop_folder), "-o", str(tmp_path / "no" / "x.json")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert "-o, --output FILE" in runner.invoke(main, ["schema", "--help"]).output
    assert "--override TEXT" in runner.invoke(main, ["schema", "--help"]).output


def test_the_header_counts_in_the_singular(shop):
    """`pql schema` and the REPL's `.schema TABLE`: "1 table, 1 link", not "1 tables"."""
    import dataclasses

    single = dataclasses.replace(shop, tables=shop.tables[:1], foreign_keys=shop.foreign_keys[:1], notes=())
    assert "  1 table, 1 link\n" in format_tree(single)
    assert f"  {len(shop.tables)} tables, {len(shop.foreign_keys)} links\n" in format_tree(shop)


@pytest.mark.parametrize(("args", "message"), [
    (["/definitely/not/here"], "Error: no such file or folder: /definitely/not/here"),
    (["{shop}", "--override", "pk ordr = order_id"],
     "Error: primary key override ordr: unknown table 'ordr'; did you mean 'order'?"),
])
def test_cli_errors(shop_folder, args, message):
    result = CliRunner().invoke(main, ["schema", *(a.format(shop=shop_folder) for a in args)])
    assert result.exit_code == 1
    assert result.output.strip() == message
