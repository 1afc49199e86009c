"""The runs filter, as the editor reads it: MLflow's filter_string plus `or`, `not`, parentheses
and bare words, parameters compared by meaning (`params.lr = 1e-2` matches a logged `0.01`).

Twin of src/core/runs/filter.ts, which compiles the same language to SQL over the extension's
database; this evaluates it over runs in memory (runlens.mlflow.search_runs). Both are tested
against test/vectors/run-filters.json, so a filter finds the same runs in the editor, on the
command line and in Python. Where SQL has three truth values (a time compared with a run that
has none), so does this.
"""

import calendar
import math
import re
import time

from ._canonical import canonical_param


class FilterError(ValueError):
    def __init__(self, message, position):
        super().__init__("%s (at column %d)" % (message, position + 1))
        self.position = position


KEYWORDS = {"and", "or", "not", "in", "like", "ilike", "is", "null"}
_SPACE = re.compile(r"\s")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_OP = re.compile(r"(<=|>=|!=|<>|==|=|<|>)")
_WORD = re.compile(r"""[^\s()',."`=<>!]+""")
_WORDISH = re.compile(r"""[A-Za-z0-9_)'"]""")
PREFIX = {
    "params": "param", "param": "param", "p": "param", "metrics": "metric", "metric": "metric",
    "m": "metric", "tags": "tag", "tag": "tag", "t": "tag", "attributes": "attribute",
    "attribute": "attribute", "attr": "attribute", "a": "attribute",
}
ATTRIBUTES = {
    "status": "status", "name": "name", "run_name": "name", "experiment": "experiment",
    "run_id": "run_id", "id": "run_id", "start_time": "start_time", "end_time": "end_time",
}


def _tokenize(q):
    out = []
    i = 0
    while i < len(q):
        c = q[i]
        if _SPACE.match(c):
            i += 1
            continue
        if c in "\"'`":
            j = i + 1
            text = []
            while j < len(q) and q[j] != c:
                if q[j] == "\\" and j + 1 < len(q):
                    text.append(q[j + 1])
                    j += 2
                    continue
                text.append(q[j])
                j += 1
            if j >= len(q):
                raise FilterError("a quote %s is not closed" % c, i)
            # A backquoted name is a word (a key with spaces or dots); a quoted one is a string.
            out.append(("word" if c == "`" else "string", "".join(text), i))
            i = j + 1
            continue
        number = _NUMBER.match(q, i)
        if number and (c not in "+-" or not (out and _WORDISH.match(out[-1][1][-1:] or " "))):
            out.append(("number", number.group(0), i))
            i = number.end()
            continue
        op = _OP.match(q, i)
        if op:
            out.append(("op", op.group(0), i))
            i = op.end()
            continue
        if c in "(),.":
            out.append(("punct", c, i))
            i += 1
            continue
        word = _WORD.match(q, i)
        if word:
            out.append(("word", word.group(0), i))
            i = word.end()
            continue
        raise FilterError("unexpected '%s'" % c, i)
    out.append(("end", "", len(q)))
    return out


def _describe(token):
    return "the end of the query" if token[0] == "end" else "'%s'" % token[1]


def parse(query):
    """The filter's tree, or None for an empty query; raises FilterError saying where."""
    if not query.strip():
        return None
    tokens = _tokenize(query)
    pos = [0]

    def peek():
        return tokens[pos[0]]

    def is_word(w):
        return peek()[0] == "word" and peek()[1].lower() == w

    def expect(text):
        if peek()[1].lower() != text:
            raise FilterError("expected '%s' but found %s" % (text, _describe(peek())), peek()[2])
        pos[0] += 1

    def field():
        kind, text, at = peek()
        if kind != "word" or text.lower() in KEYWORDS:
            raise FilterError("expected a field such as params.lr, metrics.accuracy or status, "
                              "but found %s" % _describe(peek()), at)
        pos[0] += 1
        lower = text.lower()
        if peek()[0] == "punct" and peek()[1] == "." and lower in PREFIX:
            pos[0] += 1
            # A key runs to the next operator: `params.model.depth` is the key "model.depth".
            key = ""
            start = peek()
            while ((peek()[0] == "word" and peek()[1].lower() not in KEYWORDS)
                   or (peek()[0] == "punct" and peek()[1] == ".")
                   or (peek()[0] == "number" and key)):
                key += peek()[1]
                pos[0] += 1
            if not key and start[0] == "string":
                key = start[1]
                pos[0] += 1
            if not key:
                raise FilterError("expected a key after '%s.'" % text, start[2])
            kind = PREFIX[lower]
            if kind == "attribute":
                name = ATTRIBUTES.get(key.lower())
                if name is None:
                    raise FilterError("unknown attribute '%s' (known: status, name, experiment, "
                                      "run_id, start_time, end_time)" % key, start[2])
                return ("attribute", name)
            return (kind, key)
        name = ATTRIBUTES.get(lower)
        if name is None:
            raise FilterError("unknown field '%s': write params.%s, metrics.%s or tags.%s"
                              % (text, text, text, text), at)
        return ("attribute", name)

    def value():
        kind, text, at = peek()
        if kind in ("number", "string"):
            pos[0] += 1
            return (kind, text, at)
        # Bare words are strings: `status = failed`, `params.optimizer = adam`.
        if kind == "word" and text.lower() not in KEYWORDS:
            pos[0] += 1
            return ("string", text, at)
        raise FilterError("expected a value but found %s" % _describe(peek()), at)

    def comparison():
        f = field()
        negated = False
        if is_word("is"):
            pos[0] += 1
            if is_word("not"):
                pos[0] += 1
                negated = True
            expect("null")
            return ("null", f, negated)
        if is_word("not"):
            pos[0] += 1
            negated = True
        if is_word("in"):
            pos[0] += 1
            expect("(")
            values = [value()]
            while peek()[1] == ",":
                pos[0] += 1
                values.append(value())
            expect(")")
            return ("in", f, [_checked(f, "=", v) for v in values], negated)
        if is_word("like") or is_word("ilike"):
            caseless = is_word("ilike")
            pos[0] += 1
            v = value()
            if f[0] == "metric":
                raise FilterError("metrics.%s is a number: compare it with =, <, >, not like" % f[1], v[2])
            return ("like", f, v[1], caseless, negated)
        if negated:
            raise FilterError("expected 'in' or 'like' after 'not' but found %s"
                              % _describe(peek()), peek()[2])
        kind, text, at = peek()
        if kind != "op":
            raise FilterError("expected a comparison (=, !=, <, <=, >, >=, in, like) but found %s"
                              % _describe(peek()), at)
        pos[0] += 1
        op = "=" if text == "==" else "!=" if text == "<>" else text
        return _checked(f, op, value())

    def primary():
        if is_word("not"):
            pos[0] += 1
            return ("not", primary())
        if peek()[0] == "punct" and peek()[1] == "(":
            pos[0] += 1
            e = either()
            expect(")")
            return e
        return comparison()

    def both():
        left = primary()
        while is_word("and"):
            pos[0] += 1
            left = ("and", left, primary())
        return left

    def either():
        left = both()
        while is_word("or"):
            pos[0] += 1
            left = ("or", left, both())
        return left

    tree = either()
    if peek()[0] != "end":
        raise FilterError("expected 'and', 'or' or the end but found %s" % _describe(peek()),
                          peek()[2])
    return tree


def _checked(f, op, v):
    """A comparison, with what it compares worked out (and refused) as filter.ts compiles it."""
    kind, text, at = v
    if f[0] == "attribute":
        if f[1] == "status":
            if op not in ("=", "!="):
                raise FilterError("status compares only with = or !=", at)
            return ("compare", f, op, text.lower())
        if f[1] in ("start_time", "end_time"):
            t = float(text) if kind == "number" else _date_ms(text)
            if t is None or math.isnan(t):
                raise FilterError("'%s' is not a time (ms since the epoch, or a date like "
                                  "2026-11-27)" % text, at)
            return ("compare", f, op, t)
        return ("compare", f, op, text)
    if f[0] == "metric":
        n = _js_number(text)
        if math.isnan(n):
            raise FilterError("metrics.%s is a number; '%s' is not" % (f[1], text), at)
        return ("compare", f, op, n)
    if f[0] == "tag":
        return ("compare", f, op, text)
    canon = canonical_param(text)
    if op in ("=", "!="):
        return ("compare", f, op, canon)
    if not canon.startswith("n:"):
        raise FilterError("'%s' is not a number: params compare with %s only by value"
                          % (text, op), at)
    return ("compare", f, op, _js_number(text))


def _js_number(text):
    """Number(text) for what the tokenizer calls a number or a string."""
    s = text.strip()
    if s == "":
        return 0.0
    try:
        return float(s) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?Infinity", s) \
            else float("nan")
    except ValueError:
        return float("nan")


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?"
                   r"(Z|[+-]\d{2}:\d{2})?)?")


def _date_ms(text):
    """Date.parse(text) for ISO dates: a date alone is UTC midnight; a time without a zone is
    local time, as JavaScript reads it."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, ms, zone = m.groups()
    fields = (int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    millis = int((ms or "0").ljust(3, "0"))
    if h is None or zone is not None:
        t = calendar.timegm(fields + (0, 0, 0))
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            t -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    else:
        t = time.mktime(fields + (0, 0, -1))
    return t * 1000.0 + millis


# ---- evaluating: True, False, or None where SQL would say NULL --------------------------------

def matches(tree, run):
    """Whether `run` (a mapping: params, metrics, tags, status, name, experiment, run_id,
    start_time, end_time) passes the filter, as the database's WHERE clause would decide."""
    return tree is None or _eval(tree, run) is True


def _eval(node, run):
    kind = node[0]
    if kind == "and":
        left, right = _eval(node[1], run), _eval(node[2], run)
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if kind == "or":
        left, right = _eval(node[1], run), _eval(node[2], run)
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    if kind == "not":
        inner = _eval(node[1], run)
        return None if inner is None else not inner
    if kind == "null":
        present = _value(node[1], run) is not None
        return present if node[2] else not present
    if kind == "in":
        result = False
        for compare in node[2]:
            one = _eval(compare, run)
            if one is True:
                result = True
                break
            if one is None:
                result = None
        return result if not node[3] or result is None else not result
    if kind == "like":
        return _like(node, run)
    return _compare(node, run)


def _value(f, run):
    if f[0] == "attribute":
        return run.get(f[1])
    return run.get({"param": "params", "metric": "metrics", "tag": "tags"}[f[0]], {}).get(f[1])


_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _compare(node, run):
    _, f, op, wanted = node
    have = _value(f, run)
    test = _OPS[op]
    if f[0] == "attribute":
        if f[1] in ("start_time", "end_time"):
            return None if have is None else test(have, wanted)
        if f[1] == "status":
            return test(have, wanted)
        return have is not None and test(have, wanted)  # COALESCE(col op ?, 0)
    if f[0] == "metric":
        # NaN is NULL in the database: it compares with nothing.
        return have is not None and not math.isnan(have) and test(have, wanted)
    if f[0] == "tag":
        return have is not None and test(have, wanted)
    if op in ("=", "!="):
        equal = have is not None and canonical_param(have) == wanted
        return equal if op == "=" else not equal
    return (have is not None and canonical_param(have).startswith("n:")
            and test(float(have), wanted))


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def _like(node, run):
    _, f, pattern, caseless, negated = node
    have = _value(f, run)
    if have is None:
        found = False
    else:
        if caseless:  # SQLite's LOWER and LIKE fold ASCII letters only
            have, pattern = have.translate(_ASCII_LOWER), pattern.translate(_ASCII_LOWER)
        regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        found = re.fullmatch(regex, have, re.DOTALL) is not None
    return not found if negated else found
