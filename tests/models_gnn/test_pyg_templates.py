"""PyG writes a generated ``propagate`` per conv class to the temporary folder; pql removes them."""
import os
import sys
import tempfile
import types

from engine.models.gnn import HeteroGraphSAGE
from engine.models.gnn.pyg_templates import remove_generated_sources
from _gnn_batches import EDGE_TYPES


def _generated_files() -> list[str]:
    return [m.__file__ for name, m in sys.modules.items()
            if name.startswith("torch_geometric.") and name.endswith("_propagate") and getattr(m, "__file__", None)]


def test_building_the_model_leaves_no_generated_file_behind():
    HeteroGraphSAGE(("customer", "order", "product"), EDGE_TYPES, 8)
    files = _generated_files()
    assert files  # PyG generated a propagate for SAGEConv in this process
    assert not [f for f in files if os.path.exists(f)]


def test_only_generated_modules_in_the_temporary_folder_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ours = tmp_path / "torch_geometric.nn.conv.x_X_propagate_abc123.py"
    other = tmp_path / "mine.py"
    elsewhere = tmp_path / "sub" / "torch_geometric.nn.conv.y_Y_propagate_abc.py"
    elsewhere.parent.mkdir()
    for path in (ours, other, elsewhere):
        path.write_text("")
    modules = {"torch_geometric.nn.conv.x_X_propagate": ours, "mine": other,
               "torch_geometric.nn.conv.y_Y_propagate": elsewhere}
    for name, path in modules.items():
        module = types.ModuleType(name)
        module.__file__ = str(path)
        monkeypatch.setitem(sys.modules, name, module)
    assert remove_generated_sources() == 1
    assert not ours.exists() and other.exists() and elsewhere.exists()
