"""`from mlflow.tracking import MlflowClient` as MLflow scripts write it."""

from ..client import MlflowClient

__all__ = ["MlflowClient"]
