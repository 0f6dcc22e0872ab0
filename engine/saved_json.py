"""JSON for a saved model's state, whose class lists and item keys are values from the user's data.

Those are mostly ints and strings, but a NUMERIC/DECIMAL key (common for ids in PostgreSQL and Oracle
exports) reads as ``Decimal`` and a DATE or TIMESTAMP class as ``date``/``datetime``, which plain JSON
refuses. They are written as one-key objects (``{"__decimal__": "12"}``) and read back as the same type,
so a reloaded model matches them against the data exactly as the trained one did.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_TAGS = {"__decimal__": Decimal, "__datetime__": datetime.fromisoformat, "__date__": date.fromisoformat}


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, text),) = obj.items()
        if key in _TAGS and isinstance(text, str):
            return _TAGS[key](text)
    return obj


def dumps(state: Any) -> str:
    """``state`` as indented JSON; TypeError for a value of any other type JSON cannot hold."""
    return json.dumps(state, indent=1, default=_encode)


def loads(text: str) -> Any:
    """The state `dumps` wrote, with its tagged values restored; ValueError for text that is not JSON."""
    return json.loads(text, object_hook=_decode)
