"""What the extension's launcher tells a process, and where the .runlens folder is."""

import json
import os
import re

DEFAULT_EXPERIMENT = "Default"
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def experiment_id_of(name):
    """An experiment's MLflow id: RunLens knows experiments by name, and Default is "0" as in MLflow."""
    return "0" if name == DEFAULT_EXPERIMENT else name


def experiment_name_of(experiment_id):
    experiment_id = str(experiment_id)
    return DEFAULT_EXPERIMENT if experiment_id == "0" else experiment_id


def runlens_dir():
    """RUNLENS_DIR, else the nearest .runlens/ above the working directory, else ./.runlens/."""
    explicit = os.environ.get("RUNLENS_DIR")
    if explicit:
        return os.path.abspath(explicit)
    here = os.getcwd()
    while True:
        candidate = os.path.join(here, ".runlens")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.join(os.getcwd(), ".runlens")
        here = parent


def default_experiment():
    return os.environ.get("RUNLENS_EXPERIMENT") or DEFAULT_EXPERIMENT


def launcher_params():
    """RUNLENS_PARAMS: the combination the launcher started this process for, or {}."""
    text = os.environ.get("RUNLENS_PARAMS")
    if not text:
        return {}
    try:
        params = json.loads(text)
    except ValueError as e:
        raise ValueError("RUNLENS_PARAMS is not valid JSON: %s" % e) from None
    if not isinstance(params, dict):
        raise ValueError("RUNLENS_PARAMS must be a JSON object of parameter names to values")
    return params


def take_launcher_run_id():
    """RUNLENS_RUN_ID, removed from the environment as it is taken (checked where it is used)."""
    return os.environ.pop("RUNLENS_RUN_ID", None)
