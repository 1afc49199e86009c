"""RunLens: log ML experiments from Python, and skip the combinations that already have a result.

Standard library only. The fluent API has MLflow's names and meanings (`import runlens.mlflow as
mlflow` gives MLflow's module layout); exists(), find(), failed(), grid() and sweep() answer
"has this been run?" from the .runlens folder.
"""

from ._errors import RunLensError
from ._fluent import (active_run, end_run, log_artifact, log_artifacts, log_dict, log_figure,
                      log_image, log_metric, log_metrics, log_param, log_params, log_table,
                      log_text, set_experiment, set_tag, set_tags, start_run)
from ._lookup import Found, exists, failed, find
from ._sweep import Sweep, grid, sweep
from ._run import Run

__version__ = "0.1.0"

__all__ = [
    "Found", "Run", "RunLensError", "Sweep", "active_run", "end_run", "exists", "failed", "find",
    "grid", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image", "log_metric",
    "log_metrics", "log_param", "log_params", "log_table", "log_text", "set_experiment",
    "set_tag", "set_tags", "start_run", "sweep",
]
