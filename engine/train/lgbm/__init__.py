"""Building blocks of the LightGBM trainer (`engine.train.lightgbm_trainer`): settings, features,
per-task heads, uplift learners and link ranking. Only the trainer imports them; lightgbm itself is
imported inside `engine.models.lightgbm_model`'s methods."""
