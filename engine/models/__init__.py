"""Models that turn a sampled relational graph (or a feature table) into predictions.

- `engine.models.task_spec`: `TaskSpec`, what a model predicts and how it is scored (torch-free).
- `engine.models.heads`: per-task output layer, loss, activation and label transform.
- `engine.models.gnn`: the relational GNN (row encoders, relative-time encoder, heterogeneous
  GraphSAGE, link-ranking head) following RelBench's RDL baseline.
- `engine.models.lightgbm_model`: `LightGBMModel` over `engine.features` tables (lightgbm is
  imported lazily inside its methods).

Nothing here imports torch at package import time; `engine.models.heads` and `engine.models.gnn`
do, and only the engine imports them.
"""
