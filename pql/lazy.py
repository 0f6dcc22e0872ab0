"""Package attributes imported on first use, so ``import pql`` (and ``pql --help``) never pays for torch,
DuckDB or PyG: a package declares ``{public name: module}`` and takes `lazy_getattr` as its ``__getattr__``."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) resolving ``names``; each value is cached on the package."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
