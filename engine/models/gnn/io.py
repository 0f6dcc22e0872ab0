"""Save and load a `RelationalGNN` without pickling code: ``config.json`` + ``weights.pt``.

The weights file holds only tensors (``torch.load(weights_only=True)``), so loading a model
from an untrusted directory cannot execute anything.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from engine.models.gnn.model import RelationalGNN
from pql.errors import EngineError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"


def save_model(model: RelationalGNN, directory: str | Path) -> Path:
    """Writes ``config.json`` and ``weights.pt`` into ``directory`` (created if needed)."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / CONFIG_FILE).write_text(json.dumps(model.config(), indent=2, sort_keys=True))
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save(state, path / WEIGHTS_FILE)
    except OSError as e:
        raise EngineError(f"cannot save the model to {path}: {e}") from e
    return path


def load_model(directory: str | Path, *, map_location: str | torch.device = "cpu") -> RelationalGNN:
    """Rebuilds the model from ``config.json`` and loads ``weights.pt``; returns it in eval mode."""
    path = Path(directory)
    try:
        config = json.loads((path / CONFIG_FILE).read_text())
        state = torch.load(path / WEIGHTS_FILE, map_location=map_location, weights_only=True)
    except (OSError, ValueError) as e:
        raise EngineError(f"cannot read a saved model from {path}: {e}") from e
    model = RelationalGNN.from_config(config)
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise EngineError(f"saved weights in {path} do not fit their config: {e}") from e
    return model.to(map_location).eval()
