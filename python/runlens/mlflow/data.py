"""Datasets for log_input, as MLflow's mlflow.data makes them: a name, a digest of the data, and
where it came from. The digest is RunLens's own (an 8-character hash of the data's first 10,000
rows), not MLflow's; it tells two datasets apart the same way."""

import hashlib
import json

MAX_ROWS = 10000


class Dataset:
    """What log_input records: name, digest, source, source_type; schema as column names."""

    def __init__(self, name, digest, source, source_type, schema=None):
        self.name, self.digest, self.source, self.source_type = name, digest, source, source_type
        self.schema = schema

    def to_dict(self):
        return {"name": self.name, "digest": self.digest, "source": self.source,
                "source_type": self.source_type, "schema": self.schema}

    def __repr__(self):
        return "<Dataset %s digest=%s source=%r>" % (self.name, self.digest, self.source)


def _source(source):
    if source is None:
        return None, "code"
    text = str(source)
    kind = text.split("://", 1)[0] if "://" in text else "local"
    return text, kind


def from_pandas(df, source=None, targets=None, name=None, digest=None):
    text, kind = _source(source)
    if digest is None:
        sample = df.head(MAX_ROWS)
        digest = hashlib.sha256(sample.to_csv(index=False).encode("utf-8")).hexdigest()[:8]
    schema = [str(c) for c in df.columns]
    return Dataset(name or "dataset", digest, text, kind, json.dumps({"columns": schema,
                                                                      "targets": targets}))


def from_numpy(features, source=None, targets=None, name=None, digest=None):
    text, kind = _source(source)
    if digest is None:
        h = hashlib.sha256()
        for array in (features, targets):
            if array is not None:
                h.update(str((array.shape, str(array.dtype))).encode())
                h.update(array[:MAX_ROWS].tobytes())
        digest = h.hexdigest()[:8]
    return Dataset(name or "dataset", digest, text, kind,
                   json.dumps({"shape": list(features.shape), "dtype": str(features.dtype)}))


def from_dict(data, source=None, name=None, digest=None):
    text, kind = _source(source)
    if digest is None:
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return Dataset(name or "dataset", digest, text, kind, json.dumps({"columns": list(data)}))
