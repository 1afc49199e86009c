"""Checks on what a user logs, with MLflow's limits so that code which works there works here."""

import math
import operator

MAX_KEY = 250  # MLflow's MAX_ENTITY_KEY_LENGTH
MAX_PARAM_VALUE = 6000  # MLflow's MAX_PARAM_VAL_LENGTH
MAX_TAG_VALUE = 8000  # MLflow's MAX_TAG_VAL_LENGTH


def check_key(key, kind):
    if not isinstance(key, str):
        raise TypeError("%s key must be a string, not %s (%r)" % (kind, type(key).__name__, key))
    if not key:
        raise ValueError("%s key must not be empty" % kind)
    if len(key) > MAX_KEY:
        raise ValueError("%s key %r... is %d characters long; MLflow's limit for keys is %d"
                         % (kind, key[:40], len(key), MAX_KEY))
    return check_unicode(key, "%s key" % kind)


def check_unicode(text, what):
    """Refuses text with no UTF-8 form: a lone surrogate, as from a file name decoded with
    surrogateescape. The run log, the database and MLflow all hold UTF-8, so such a key could be
    logged but never looked up again."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ValueError(
                "%s %r is not valid Unicode: it holds the lone surrogate %r at index %d. "
                "RunLens stores text as UTF-8, as MLflow does; decode the name without "
                "surrogateescape, or replace that character"
                % (what, text[:80], text[e.start], e.start)) from None
    return text


def text_value(key, value, kind, limit):
    """The string MLflow stores for a parameter or tag value: str() of it."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise ValueError("%s %r has a value of %d characters; MLflow's limit for %s values is %d"
                         % (kind, key, len(text), kind.lower(), limit))
    if kind == "Param":  # a combination's values are looked up again, as its keys are
        check_unicode(text, "the value of param %r" % key)
    return text


def metric_value(key, value):
    """A metric value as a float, from any numeric scalar (numpy, a one-element tensor)."""
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError("metric %r must be a number, not the %s %r"
                        % (key, type(value).__name__, value))
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (int, float)):
        try:
            value = item()  # numpy scalars and arrays, torch tensors: one element or an error
        except (TypeError, ValueError, RuntimeError) as e:  # torch raises RuntimeError
            raise ValueError("metric %r must be a single number; %s.item() failed: %s"
                             % (key, type(value).__name__, e)) from None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError("metric %r must be a number, not %s (%r): %s"
                        % (key, type(value).__name__, value, e)) from None
    return number


def metric_step(step):
    try:
        return operator.index(step)
    except TypeError:
        if isinstance(step, float) and step.is_integer():
            return int(step)
        raise TypeError("metric step must be an integer, not %s (%r)"
                        % (type(step).__name__, step)) from None


def metric_time(timestamp_ms):
    if timestamp_ms is None:
        return None
    t = float(timestamp_ms)
    if not math.isfinite(t):
        raise ValueError("metric timestamp must be finite milliseconds since the epoch")
    return t / 1000.0
