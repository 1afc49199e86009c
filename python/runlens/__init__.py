"""RunLens: log ML experiments from Python, and skip the combinations that already have a result.

Standard library only. The fluent API has MLflow's names and meanings (`import runlens.mlflow as
mlflow` gives MLflow's module layout); exists(), find(), failed(), grid() and sweep() answer
"has this been run?" from the .runlens folder.
"""

from . import _tracking
from ._errors import RunLensError
from ._tracking import set_tracking_uri
from ._fluent import (active_run, end_run, log_artifact, log_artifacts, log_dict, log_figure,
                      log_image, log_metric, log_metrics, log_param, log_params, log_table,
                      log_text, set_experiment, set_tag, set_tags, start_run)
from ._lookup import Found, exists, failed, find
from ._sweep import Sweep, grid, sweep
from ._run import Run
from ._uploads import wait as _wait_for_upload

__version__ = "0.1.0"


def get_tracking_uri():
    """The tracking server's URI this process uploads to and asks (no credentials), or None."""
    found = _tracking.server()
    return found.uri if found is not None else None


def wait_for_upload(timeout=None):
    """Waits until the runs this process logged are on the tracking server (MLflow's
    flush_async_logging). True if they all are; False when `timeout` seconds passed first (the
    server is down, say: they stay in .runlens and are uploaded later)."""
    return _wait_for_upload(timeout)

__all__ = [
    "Found", "Run", "RunLensError", "Sweep", "active_run", "end_run", "exists", "failed", "find",
    "get_tracking_uri", "grid", "log_artifact", "log_artifacts", "log_dict", "log_figure",
    "log_image", "log_metric", "log_metrics", "log_param", "log_params", "log_table", "log_text",
    "set_experiment", "set_tag", "set_tags", "set_tracking_uri", "start_run", "sweep",
    "wait_for_upload",
]
