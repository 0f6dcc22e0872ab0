"""Everything that runs a predictive query: schema, training tables, graph, models, uplift.

Heavy dependencies (torch, torch_geometric, lightgbm) are imported lazily inside the modules that
need them so that parsing and `--help` stay instant.
"""
