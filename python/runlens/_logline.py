"""The lines of a run log, read by the rules the extension's store keeps (docs/run-log.md).

Twin of src/core/runlog/lines.ts (splitting, the size cap, UTF-8) and events.ts (what a line
means). Both are tested against test/vectors/runlog-lines.json: a line one side skips, the other
skips too, with the same reason, so exists() and the editor never disagree about a run.
JavaScript's JSON.parse is the reference, so where Python's json module differs (it accepts NaN,
it recurses, its str.strip() knows other spaces) this module does what JSON.parse does.
"""

import json
import math
import re
from json.decoder import scanstring

from ._canonical import js_number

MAX_LINE_BYTES = 64 * 1024 * 1024  # lines.ts MAX_LINE_BYTES
CHUNK = 4 * 1024 * 1024
END_STATUSES = ("finished", "failed", "killed")
TOO_LONG = "line longer than %d bytes, skipped" % MAX_LINE_BYTES
NOT_UTF8 = "the line is not valid UTF-8"
# What JavaScript's String.prototype.trim() removes: a line of only these is blank.
_JS_SPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
_SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_EXACT = 2 ** 53  # integers up to this are the same in a JavaScript double
MAX_ARTIFACT_PATH = 1024  # events.ts MAX_ARTIFACT_PATH
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Lines:
    """The complete lines of an open binary file from `offset` up to `size`, as lines.ts reads them.

    Iterating yields (byte offset, bytes) per line, without its newline; the bytes are None for a
    line longer than MAX_LINE_BYTES. Afterwards `offset` is just past the last complete line: a
    partial last line is waited for.
    """

    def __init__(self, f, offset, size):
        self._f = f
        self.offset = offset
        self._size = size

    def __iter__(self):
        f, pos, size = self._f, self.offset, self._size
        f.seek(pos)
        carry, carry_len, skipping = [], 0, False
        line_start = pos
        while pos < size:
            buf = f.read(min(CHUNK, size - pos))
            if not buf:
                break
            start = 0
            while True:
                nl = buf.find(b"\n", start)
                if nl < 0:
                    break
                if skipping or carry_len + nl - start > MAX_LINE_BYTES:
                    yield line_start, None
                else:
                    yield line_start, b"".join(carry) + buf[start:nl] if carry else buf[start:nl]
                carry, carry_len, skipping = [], 0, False
                start = nl + 1
                line_start = pos + start
                self.offset = line_start
            if start < len(buf) and not skipping:
                carry.append(buf[start:])
                carry_len += len(buf) - start
                if carry_len > MAX_LINE_BYTES:
                    skipping, carry, carry_len = True, [], 0
            pos += len(buf)


# What a line is: ("event", event), ("blank",), ("unknown", type, reason) or ("problem", reason).
BLANK = ("blank",)


def read_line(data):
    """What one line's bytes (from Lines) say, as the store reads them."""
    if data is None:
        return ("problem", TOO_LONG)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ("problem", NOT_UTF8)
    if text.startswith("\ufeff"):
        text = text[1:]  # as JavaScript's TextDecoder does
    if text.endswith("\r"):
        text = text[:-1]
    if not text.strip(_JS_SPACE):
        return BLANK
    try:
        raw = loads(text)
    except ValueError as e:
        return ("problem", "not JSON (%s)" % e)
    return parse_event(raw)


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


def loads(text):
    """JSON.parse(text): strict JSON (no NaN, no Infinity), nested as deep as the line goes."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return _loads_deep(text)


def parse_event(raw):
    """events.ts parseEvent: one decoded line checked against the format."""
    if type(raw) is not dict:
        return ("problem", "the line is not a JSON object")
    e = raw.get("e")
    if type(e) is not str:
        return ("problem", "the line has no event type 'e'")
    t = _number(raw.get("t"))
    if t is None or not math.isfinite(t):
        return ("problem", "'%s' has no time 't'" % e)
    if e == "start":
        return ("event", {
            "e": e, "t": t, "run": _text(raw.get("run")),
            "experiment": _text(raw.get("experiment")) or "Default", "name": _text(raw.get("name")),
            "parent": _text(raw.get("parent")), "host": _text(raw.get("host")),
            "pid": _integer(raw.get("pid")), "resume": raw.get("resume") is True})
    if e in ("params", "tags"):
        values = _string_map(raw.get(e), e)
        return ("problem", values) if type(values) is str else ("event", {"e": e, "t": t, e: values})
    if e == "metric":
        p = _point(raw.get("key"), raw.get("value"), raw.get("step"), t)
        return ("problem", p) if type(p) is str else ("event", {"e": "metrics", "t": t, "points": [p]})
    if e == "metrics":
        listed = raw.get("points")
        if type(listed) is not list:
            return ("problem", "'metrics' has no list 'points'")
        points = []
        for p in listed:
            if type(p) is list and len(p) == 4:
                key, value, step, point_t = p
                # The usual point, as this client writes it, taken as it is (what _point would
                # make of it): a key, a float, an exact integer step and time.
                if (type(key) is str and key and type(value) is float and type(step) is int
                        and type(point_t) is int and -_EXACT <= step <= _EXACT
                        and -_EXACT <= point_t <= _EXACT):
                    points.append((key, value, step, point_t))
                    continue
            if type(p) is list:
                p = _point(*(p[i] if i < len(p) else None for i in range(3)),
                           t if len(p) < 4 or p[3] is None else p[3])
            else:
                p = "a point is not a list [key, value, step, t]"
            if type(p) is str:
                return ("problem", p)
            points.append(p)
        return ("event", {"e": e, "t": t, "points": points})
    if e == "heartbeat":
        return ("event", {"e": e, "t": t})
    if e == "artifact":
        path = raw.get("path")
        why = artifact_path_problem(path) if type(path) is str else "is not a string"
        if why:
            return ("problem", "'artifact' path %s %s" % (_shown(path), why))
        size = _integer(raw.get("size"))
        if size is None or size < 0:
            return ("problem", "'artifact' %s has no size" % _shown(path))
        sha = raw.get("sha256")
        if sha is not None and (type(sha) is not str or not _SHA256.fullmatch(sha)):
            return ("problem", "'artifact' %s has a sha256 that is not 64 hex digits" % _shown(path))
        return ("event", {"e": e, "t": t, "path": path, "size": size, "sha256": sha,
                          "media_type": _text(raw.get("media_type"))})
    if e == "untag":
        key = raw.get("key")
        if type(key) is not str or key == "":
            return ("problem", "'untag' has no key")
        return ("event", {"e": e, "t": t, "key": key})
    if e == "end":
        status = raw.get("status")
        if type(status) is not str or status not in END_STATUSES:
            return ("problem", "'end' has an unknown status %s" % _shown(status))
        error = raw.get("error")
        if type(error) is dict:
            error = {key: _text(error.get(key)) for key in ("type", "message", "traceback")}
        else:
            error = None
        return ("event", {"e": e, "t": t, "status": status, "error": error})
    if e == "upload":
        server, step = raw.get("server"), raw.get("step")
        if type(server) is not str or not server:
            return ("problem", "'upload' has no server")
        if type(step) is not str or not step:
            return ("problem", "'upload' has no step")
        return ("event", {
            "e": e, "t": t, "server": server, "step": step,
            "run_id": _text(raw.get("run_id")), "experiment_id": _text(raw.get("experiment_id")),
            "through": _position(raw.get("through")), "status": _text(raw.get("status")),
            "kind": _text(raw.get("kind")), "key": _text(raw.get("key")),
            "message": _text(raw.get("message")), "artifact_uri": _text(raw.get("artifact_uri"))})
    return ("unknown", e, "unknown event type '%s'" % e)


def _position(value):
    """An upload's [byte offset of a line, items of it] as a list of two integers, or None."""
    if type(value) is not list or len(value) != 2:
        return None
    pair = [_integer(value[0]), _integer(value[1])]
    return pair if None not in pair and min(pair) >= 0 else None


def artifact_path_problem(path):
    """Why `path` is no artifact path (relative, '/' between folders, inside the run's folder),
    or None; events.ts artifactPathProblem."""
    if path == "":
        return "is empty"
    if len(path) > MAX_ARTIFACT_PATH:
        return "is longer than %d characters" % MAX_ARTIFACT_PATH
    if "\\" in path or "\x00" in path:
        return "holds a backslash or a NUL"
    if path.startswith("/"):
        return "is absolute"
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return "has an empty, '.' or '..' part"
    return None


def _text(value):
    return value if type(value) is str else None


def _number(value):
    """A JSON number as JavaScript holds it (a double), or None for anything else."""
    if type(value) is float:
        return value
    if type(value) is int:
        if -_EXACT <= value <= _EXACT:
            return value
        try:
            return float(value)
        except OverflowError:  # JSON.parse makes a 400-digit integer Infinity
            return math.copysign(float("inf"), value)
    return None


def _integer(value):
    """Number.isInteger(value) ? value : None, the integer as an int."""
    n = _number(value)
    if n is None or not math.isfinite(n) or n != int(n):
        return None
    return int(n)


def _string_map(value, what):
    if type(value) is not dict:
        return "'%s' is not an object" % what
    out = {}
    for key, val in value.items():
        if type(val) is str:
            out[key] = val
        elif val is None or type(val) in (bool, int, float):  # JSON.stringify(val)
            out[key] = _js_json(val)
        else:
            return "'%s.%s' is not a string" % (what, key)
    return out


def _js_json(value):
    """JSON.stringify of a JSON scalar: numbers as JavaScript prints them, Infinity as null."""
    if value is None or type(value) is bool:
        return json.dumps(value)
    n = _number(value)
    return js_number(n) if math.isfinite(n) else "null"


def _shown(value):
    """About what JSON.stringify(value).slice(0, 40) shows, for a reason."""
    if value is None or type(value) in (bool, int, float):
        return _js_json(value)
    if type(value) is str:
        return json.dumps(value, ensure_ascii=False)[:40]
    return "[...]" if type(value) is list else "{...}"


def _point(key, value, step, t):
    if type(key) is not str or key == "":
        return "a metric has no key"
    n = _SPECIAL.get(value) if type(value) is str else _number(value)
    if n is None:
        return "metric '%s' has a value that is not a number: %s" % (key, _shown(value))
    step = 0 if step is None else _integer(step)
    if step is None:
        return "metric '%s' has a step that is not an integer" % key
    t = _number(t)
    if t is None or not math.isfinite(t):
        return "metric '%s' has no time" % key
    return (key, float(n), step, t)


# JSON.parse has no depth limit; Python's json recurses. A line nested deeper than json.loads
# can go is parsed here with a stack of its own. Containers deeper than _KEPT are checked but
# not built: no field a reader looks at is that deep, and a line of 64 MB of "[" stays cheap.
_KEPT = 64
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_OPENS = re.compile(r"[\[ \t\n\r]*")  # "[" and the whitespace between them
_CLOSES = re.compile(r"[\] \t\n\r]*")
_DEEP = object()  # stands for a container nested deeper than _KEPT
_LITERALS = (("true", True), ("false", False), ("null", None))
_CLOSE = {ord("["): "]", ord("{"): "}"}


def _loads_deep(s):
    kinds = bytearray()  # b"[" or b"{" for each open container, outermost first
    built = []  # [container, key] of the open containers less than _KEPT deep
    idx = _WS.match(s).end()

    def fail(what, at):
        raise ValueError("%s: line 1 column %d (char %d)" % (what, at + 1, at))

    while True:
        # A value starts at idx.
        c = s[idx:idx + 1]
        if c == "[" and len(kinds) >= _KEPT:
            run = _OPENS.match(s, idx)
            kinds += b"[" * s.count("[", idx, run.end())
            idx = run.end()
            if s[idx:idx + 1] != "]":
                continue
            kinds.pop()
            idx += 1
            value = _DEEP
        elif c in ("[", "{"):
            idx = _WS.match(s, idx + 1).end()
            if s[idx:idx + 1] == _CLOSE[ord(c)]:
                idx += 1
                value = [] if c == "[" else {}
            else:
                kinds.append(ord(c))
                frame = [[] if c == "[" else {}, None]
                if len(kinds) <= _KEPT:
                    built.append(frame)
                if c == "{":
                    frame[1], idx = _key(s, idx, fail)
                continue
        elif c == '"':
            value, idx = scanstring(s, idx + 1, True)
        else:
            m = _NUMBER.match(s, idx)
            if m is not None:
                value = float(m.group(0)) if m.group(1) or m.group(2) else int(m.group(0))
                idx = m.end()
            else:
                for word, value in _LITERALS:
                    if s.startswith(word, idx):
                        idx += len(word)
                        break
                else:
                    fail("Expecting value", idx)
        # The value is complete: put it in its container, closing the containers it completes.
        while True:
            idx = _WS.match(s, idx).end()
            if not kinds:
                if idx != len(s):
                    fail("Extra data", idx)
                return value
            kind = kinds[-1]
            deep = len(kinds) > _KEPT
            if not deep:
                container, key = built[-1]
                if kind == ord("["):
                    container.append(value)
                else:
                    container[key] = value
            c = s[idx:idx + 1]
            if c == _CLOSE[kind]:
                if deep and kind == ord("["):
                    # A run of "]" closes a run of "[" at once (how a deep line usually ends).
                    end = _CLOSES.match(s, idx).end()
                    there = s.count("]", idx, end)
                    n = min(there, len(kinds) - _KEPT)
                    if kinds.endswith(b"[" * n):
                        del kinds[len(kinds) - n:]
                        idx = end if n == there else _after(s, idx, n)
                        value = _DEEP
                        continue
                kinds.pop()
                idx += 1
                value = _DEEP if deep else built.pop()[0]
                continue
            if c != ",":
                fail("Expecting ',' delimiter", idx)
            idx = _WS.match(s, idx + 1).end()
            if kind == ord("{"):
                key, idx = _key(s, idx, fail)
                if not deep:
                    built[-1][1] = key
            break


def _key(s, idx, fail):
    if s[idx:idx + 1] != '"':
        fail("Expecting property name enclosed in double quotes", idx)
    key, idx = scanstring(s, idx + 1, True)
    idx = _WS.match(s, idx).end()
    if s[idx:idx + 1] != ":":
        fail("Expecting ':' delimiter", idx)
    return key, _WS.match(s, idx + 1).end()


def _after(s, idx, n):
    """Just past the n-th "]" from idx (only whitespace between them)."""
    if s.count("]", idx, idx + n) == n:
        return idx + n
    for _ in range(n):
        idx = s.index("]", idx) + 1
    return idx
