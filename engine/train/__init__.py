"""Training orchestration: one `Trainer` per model family behind a common fit / predict / save / load."""
