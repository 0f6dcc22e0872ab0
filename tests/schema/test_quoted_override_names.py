"""The one-line override form takes quoted names, as PQL does: reserved words, spaces, other letters."""
from engine.schema.overrides import SchemaOverrides


def test_quoted_names_are_unquoted():
    o = SchemaOverrides.parse('pk "order" = "order id"; time `order` = "placed at"; type "order"."total €" = numerical; '
                              'fk "order".customer -> "Customers"; entity buyer = "order".customer')
    assert o.primary_keys == {"order": ("order id",)}
    assert o.time_columns == {"order": "placed at"}
    assert list(o.semantic_types) == ["order.total €"]
    (fk,) = o.foreign_keys
    assert (fk.table, fk.columns, fk.ref_table) == ("order", ("customer",), "Customers")
    assert o.entities == {"buyer": "order.customer"}


def test_bare_names_are_unchanged():
    o = SchemaOverrides.parse("pk customers = customer_id; time orders = none")
    assert o.primary_keys == {"customers": ("customer_id",)} and o.time_columns == {"orders": None}


def test_no_time_column_reads_alike_in_every_form():
    assert SchemaOverrides.from_mapping({"time_columns": {"a": "", "b": "none"}}).time_columns == {"a": None, "b": None}
