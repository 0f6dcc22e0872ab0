"""CSV numbers written with a decimal comma (``117,79`` in a ';'-separated European export) are read as numbers."""
from __future__ import annotations

import connectors


def _types(source, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in source.connection.sql(f'DESCRIBE "{table}"').fetchall()}


def _open_csv(tmp_path, text: str):
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8-sig")
    return connectors.open(tmp_path)


def test_decimal_commas_in_a_semicolon_file_become_numbers_with_a_note(tmp_path):
    text = "order_id;placed;amount;items\n1;29.10.2024;117,79;3\n2;03.01.2024;5;1\n3;13.07.2024;1,5;2\n"
    with _open_csv(tmp_path, text) as source:
        types = _types(source, "orders")
        assert types["amount"] == "DOUBLE" and types["items"] == "BIGINT" and types["placed"] == "TIMESTAMP"
        assert source.connection.sql("SELECT amount FROM orders ORDER BY order_id").fetchall() == [(117.79,), (5.0,), (1.5,)]
        assert source.connection.sql("SELECT CAST(placed AS DATE) FROM orders WHERE order_id = 3").fetchall()[0][0] \
            .isoformat() == "2024-07-13"
        assert "orders.amount: numbers with a decimal comma, read as numbers" in source.notes


def test_text_with_commas_in_a_semicolon_file_stays_text(tmp_path):
    with _open_csv(tmp_path, "order_id;tags\n1;red,blue\n2;green\n") as source:
        assert _types(source, "orders")["tags"] == "VARCHAR"
        assert not any("decimal comma" in n for n in source.notes)


def test_a_comma_separated_file_keeps_quoted_commas_as_text(tmp_path):
    with _open_csv(tmp_path, 'order_id,code\n1,"1,5"\n2,"2,25"\n') as source:
        assert _types(source, "orders")["code"] == "VARCHAR"
        assert source.connection.sql("SELECT code FROM orders ORDER BY order_id").fetchall() == [("1,5",), ("2,25",)]


def test_thousands_points_with_decimal_commas_become_numbers_with_a_note(tmp_path):
    text = "order_id;placed;amount\n1;29.10.2024;135,10\n2;03.01.2024;2.888,98\n3;13.07.2024;-1.234.567,5\n4;14.07.2024;\n"
    with _open_csv(tmp_path, text) as source:
        assert _types(source, "orders")["amount"] == "DOUBLE"
        assert source.connection.sql("SELECT amount FROM orders ORDER BY order_id").fetchall() == [
            (135.1,), (2888.98,), (-1234567.5,), (None,)]
        assert any(n.startswith("orders.amount: numbers with a decimal comma and '.' between thousands")
                   for n in source.notes)


def test_points_that_are_not_thousands_groups_stay_text(tmp_path):
    with _open_csv(tmp_path, "order_id;version\n1;1.2,5\n2;10.20,1\n") as source:
        assert _types(source, "orders")["version"] == "VARCHAR"
