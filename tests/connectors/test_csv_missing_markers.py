"""Missing-value markers in CSV exports ('NA' from R, 'N/A', 'NULL', MySQL's '0000-00-00'): read as NULL
when every other value of the column is a number or a date, with a note; genuine text is kept."""
from __future__ import annotations

import connectors


def _open(tmp_path, text: str):
    (tmp_path / "orders.csv").write_text(text)
    return connectors.open(tmp_path)


def test_markers_in_numeric_and_date_columns_read_as_null(tmp_path):
    text = ("order_id,customer_id,amount,ship_date,country,zip\n"
            "1,17850,22.20,2010-12-03,NA,01234\n"
            "2,NA,N/A,0000-00-00,DE,NA\n"
            "3,13047,null,NULL,NA,02345\n")
    with _open(tmp_path, text) as source:
        con = source.connection
        types = dict(zip(con.table("orders").columns, map(str, con.table("orders").types)))
        assert types["customer_id"] == "BIGINT"
        assert types["amount"] == "DOUBLE"
        assert types["ship_date"] == "DATE"
        assert types["country"] == "VARCHAR"  # 'NA' is Namibia here: the column is text anyway
        assert types["zip"] == "VARCHAR"  # leading zeros: codes, not numbers
        rows = con.sql('SELECT customer_id, amount, ship_date, country FROM orders ORDER BY order_id').fetchall()
        assert [r[0] for r in rows] == [17850, None, 13047]
        assert [r[1] for r in rows] == [22.2, None, None]
        assert rows[1][2] is None and rows[2][2] is None
        assert [r[3] for r in rows] == ["NA", "DE", "NA"]
        notes = " ".join(source.notes)
        assert "orders.customer_id: 1 missing-value marker(s) ('NA') read as NULL" in notes
        assert "read as BIGINT" in notes
        assert "orders.country" not in notes


def test_text_with_a_marker_and_words_stays_text(tmp_path):
    with _open(tmp_path, "id,amount\n1,unknown\n2,NA\n3,5\n") as source:
        assert str(dict(zip(source.connection.table("orders").columns,
                            source.connection.table("orders").types))["amount"]) == "VARCHAR"
        assert not any("marker" in n for n in source.notes)
