"""MLflow's entities (`from mlflow.entities import Metric, Param, RunTag, ViewType`), for what
runlens.mlflow returns and takes: the attributes MLflow's have, filled from RunLens's record.

RunLens knows experiments by name, so an experiment's id is its name, except the Default
experiment, whose id is "0" as in MLflow.
"""

import json

from .._env import experiment_id_of, experiment_name_of  # noqa: F401 (part of the module's API)
from .exceptions import MlflowException


class ViewType:
    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    @classmethod
    def from_string(cls, text):
        return {"ACTIVE_ONLY": 1, "DELETED_ONLY": 2, "ALL": 3}[text.upper()]


class RunStatus:
    RUNNING, SCHEDULED, FINISHED, FAILED, KILLED = "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"

    @staticmethod
    def to_string(status):
        return str(status).upper()

    @staticmethod
    def is_terminated(status):
        return str(status).upper() in ("FINISHED", "FAILED", "KILLED")


class LifecycleStage:
    ACTIVE = "active"
    DELETED = "deleted"


class SourceType:
    NOTEBOOK, JOB, PROJECT, LOCAL, UNKNOWN = "NOTEBOOK", "JOB", "PROJECT", "LOCAL", "UNKNOWN"


class _Entity:
    __slots__ = ()

    def __repr__(self):
        return "<%s: %s>" % (type(self).__name__, ", ".join(
            "%s=%r" % (name, getattr(self, name)) for name in self.__slots__))

    def __eq__(self, other):
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self):
        return hash(tuple(repr(getattr(self, n)) for n in self.__slots__))


class Metric(_Entity):
    __slots__ = ("key", "value", "timestamp", "step")

    def __init__(self, key, value, timestamp, step):
        self.key, self.value, self.timestamp, self.step = key, value, timestamp, step


class Param(_Entity):
    __slots__ = ("key", "value")

    def __init__(self, key, value):
        self.key, self.value = key, value


class RunTag(_Entity):
    __slots__ = ("key", "value")

    def __init__(self, key, value):
        self.key, self.value = key, value


class ExperimentTag(RunTag):
    __slots__ = ()


class InputTag(RunTag):
    __slots__ = ()


class FileInfo(_Entity):
    __slots__ = ("path", "is_dir", "file_size")

    def __init__(self, path, is_dir, file_size):
        self.path, self.is_dir, self.file_size = path, is_dir, file_size


class Experiment(_Entity):
    """experiment_id is the name (or "0" for Default): RunLens knows experiments by name."""

    __slots__ = ("experiment_id", "name", "artifact_location", "lifecycle_stage", "tags",
                 "creation_time", "last_update_time")

    def __init__(self, name, artifact_location, deleted=False):
        self.experiment_id = experiment_id_of(name)
        self.name = name
        self.artifact_location = artifact_location
        self.lifecycle_stage = LifecycleStage.DELETED if deleted else LifecycleStage.ACTIVE
        self.tags = {}
        self.creation_time = None
        self.last_update_time = None


class RunInfo(_Entity):
    __slots__ = ("run_id", "run_uuid", "run_name", "experiment_id", "user_id", "status",
                 "start_time", "end_time", "artifact_uri", "lifecycle_stage")

    def __init__(self, run_id, run_name, experiment_id, user_id, status, start_time, end_time,
                 artifact_uri, lifecycle_stage):
        self.run_id = self.run_uuid = run_id
        self.run_name, self.experiment_id, self.user_id = run_name, experiment_id, user_id
        self.status, self.start_time, self.end_time = status, start_time, end_time
        self.artifact_uri, self.lifecycle_stage = artifact_uri, lifecycle_stage


class RunData(_Entity):
    __slots__ = ("params", "metrics", "tags")

    def __init__(self, params, metrics, tags):
        self.params, self.metrics, self.tags = params, metrics, tags


class Dataset(_Entity):
    __slots__ = ("name", "digest", "source_type", "source", "schema", "profile")

    def __init__(self, name, digest, source_type, source, schema=None, profile=None):
        self.name, self.digest, self.source_type, self.source = name, digest, source_type, source
        self.schema, self.profile = schema, profile


class DatasetInput(_Entity):
    __slots__ = ("dataset", "tags")

    def __init__(self, dataset, tags=()):
        self.dataset, self.tags = dataset, list(tags)


class RunInputs(_Entity):
    __slots__ = ("dataset_inputs",)

    def __init__(self, dataset_inputs):
        self.dataset_inputs = dataset_inputs


class Run(_Entity):
    __slots__ = ("info", "data", "inputs")

    def __init__(self, info, data, inputs=None):
        self.info, self.data = info, data
        self.inputs = inputs if inputs is not None else RunInputs([])

    def to_dictionary(self):
        return {"info": {n: getattr(self.info, n) for n in RunInfo.__slots__},
                "data": {"params": self.data.params, "metrics": self.data.metrics,
                         "tags": self.data.tags}}


# ---- from RunLens's records -----------------------------------------------------------------

STATUS = {"running": "RUNNING", "finished": "FINISHED", "failed": "FAILED", "killed": "KILLED",
          # MLflow has no word for a run whose process died without ending it (it shows such a
          # run as RUNNING for ever), nor for an Optuna trial its pruner stopped: RunLens knows
          # each ended, without a result.
          "crashed": "FAILED", "pruned": "FAILED",
          # An enqueued Optuna trial (or an imported SCHEDULED MLflow run) waits to run.
          "queued": "SCHEDULED"}
DATASET_TAG = "runlens.dataset."


def run_from_record(record):
    """An MLflow Run of a runlens._catalog.Record."""
    tags = dict(record.tags)
    info = RunInfo(
        run_id=record.id, run_name=record.name or tags.get("mlflow.runName"),
        experiment_id=experiment_id_of(record.experiment), user_id=tags.get("mlflow.user", ""),
        status=STATUS.get(record.status, str(record.status).upper()),
        start_time=record.start_time, end_time=record.end_time,
        artifact_uri=record.artifact_uri,
        lifecycle_stage=LifecycleStage.DELETED if record.deleted else LifecycleStage.ACTIVE)
    data = RunData(params=dict(record.params), metrics=dict(record.metrics), tags=tags)
    return Run(info, data, RunInputs(dataset_inputs(tags)))


def dataset_inputs(tags):
    """The DatasetInputs that log_input recorded as runlens.dataset.<name> tags."""
    inputs = []
    for key in sorted(tags):
        if not key.startswith(DATASET_TAG):
            continue
        try:
            value = json.loads(tags[key])
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        dataset = Dataset(value.get("name"), value.get("digest"), value.get("source_type"),
                          value.get("source"), value.get("schema"), value.get("profile"))
        inputs.append(DatasetInput(dataset, [InputTag(k, v) for k, v in
                                             sorted((value.get("tags") or {}).items())]))
    return inputs


def not_found(run_id):
    return MlflowException("Run '%s' not found" % run_id, error_code="RESOURCE_DOES_NOT_EXIST")


__all__ = ["Dataset", "DatasetInput", "Experiment", "ExperimentTag", "FileInfo", "InputTag",
           "LifecycleStage", "Metric", "Param", "Run", "RunData", "RunInfo", "RunInputs",
           "RunStatus", "RunTag", "SourceType", "ViewType"]
