"""Remove the source files PyG writes to the temporary folder for its generated ``propagate`` methods.

PyG renders a ``propagate`` per conv class from a Jinja template into ``NamedTemporaryFile(delete=False)``
and imports it (`torch_geometric.template.module_from_template`), once per process and class; nothing
removes the files, so every training or prediction process left one more ``torch_geometric.nn.conv.*.py``
in /tmp. Once imported the module no longer needs its file (pql neither scripts nor compiles models),
so the files this process generated are deleted right after the model that caused them is built.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_GENERATED = ("_propagate", "_edge_updater")


def remove_generated_sources() -> int:
    """Delete this process's PyG template files in the temporary folder; returns how many went."""
    folder = Path(tempfile.gettempdir()).resolve()
    removed = 0
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not (name.startswith("torch_geometric.") and name.endswith(_GENERATED) and path):
            continue
        file = Path(path)
        if file.parent.resolve() == folder and file.name.startswith(f"{name}_") and file.suffix == ".py":
            try:
                os.remove(file)
                removed += 1
            except FileNotFoundError:
                pass
    return removed
