"""MLflow's exception (`from mlflow.exceptions import MlflowException`), raised where MLflow raises it."""

from .._errors import RunLensError


class MlflowException(RunLensError):
    """What MLflow raises for a request it refuses; a RunLensError too."""

    def __init__(self, message, error_code="INVALID_PARAMETER_VALUE", **_kwargs):
        super().__init__(message)
        self.message = str(message)
        self.error_code = error_code


class UnsupportedByRunLens(NotImplementedError):
    """A part of MLflow's API that RunLens does not record: says which, and what to do instead."""
