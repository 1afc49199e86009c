"""The part of mlflow.models that logging a scikit-learn model uses: infer_signature."""

import json


class ModelSignature:
    """The columns (or array shape) a model takes and gives, as MLflow writes them in MLmodel."""

    def __init__(self, inputs, outputs=None):
        self.inputs, self.outputs = inputs, outputs

    def to_dict(self):
        out = {"inputs": json.dumps(self.inputs)}
        if self.outputs is not None:
            out["outputs"] = json.dumps(self.outputs)
        return out

    def __repr__(self):
        return "inputs: %r\noutputs: %r" % (self.inputs, self.outputs)


_TYPES = {"f": "double", "i": "long", "u": "long", "b": "boolean", "O": "string", "U": "string",
          "S": "binary"}


def _schema(data):
    columns = getattr(data, "columns", None)
    dtypes = getattr(data, "dtypes", None)
    if columns is not None and dtypes is not None:  # a pandas DataFrame
        return [{"type": _TYPES.get(getattr(dtypes[c], "kind", "O"), "string"), "name": str(c),
                 "required": True} for c in columns]
    shape = getattr(data, "shape", None)
    dtype = getattr(data, "dtype", None)
    if shape is not None and dtype is not None:  # a numpy array or a pandas Series
        return [{"type": "tensor", "tensor-spec": {"dtype": str(dtype),
                                                   "shape": [-1] + list(shape[1:])}}]
    raise TypeError("infer_signature takes a pandas DataFrame or Series, or a numpy array, "
                    "not %s" % type(data).__name__)


def infer_signature(model_input, model_output=None, params=None):
    if params is not None:
        from .exceptions import UnsupportedByRunLens  # noqa: PLC0415
        raise UnsupportedByRunLens("infer_signature(params=...): RunLens records no inference "
                                   "params in a signature; leave them out")
    return ModelSignature(_schema(model_input),
                          None if model_output is None else _schema(model_output))
