"""Which of a tracking server's runs could hold some combinations: a few filtered questions, not
the whole experiment (issue 16's client side).

A tracking server answers about 1,000 runs a second, whatever the filter, so listing an experiment
of 10,000 runs costs 10 s, while a question whose filter matches nothing costs ~20 ms. But MLflow's
filter compares parameter strings exactly, has no OR and no IN for params (only =, !=, LIKE and
ILIKE, joined by AND), and RunLens compares values by meaning (`1e-3` is `0.001`, `32.0` is `32`).
So a check asks for a superset and compares by canonical value itself:

- the main questions: each key's values as the clients that log them spell them (as they were
  given here, Python's repr, JavaScript's String, the plain decimal; `True`/`true`), every key
  constrained at once, the
  spellings folded into a few LIKE patterns so that the questions multiply to at most MAX_MAIN;
- the net: for each numeric key, one question per way a number can be spelled other than those
  (an exponent, a sign `+`, a leading or trailing point, a trailing zero after the point, a leading
  zero), each on that key alone, since another key may be spelled oddly in the same run. These
  usually match nothing, and cost ~20 ms each.

Every run that holds a combination asked about, however its values are spelled, matches at least
one question (tests/test_narrow.py checks it against generated spellings). A value that cannot be
put in a filter (a quote in it, NaN, a LIKE wildcard in a string) leaves its key unconstrained;
with no key constrained there is no plan (None), and the caller lists the experiment.
"""

from ._canonical import canonical_param, js_number

MAX_MAIN = 8  # main questions at most: the cross product of the keys' patterns, coarsened to fit
_UNSAFE = ("'", '"', "\\", "`")
_WORDS = {"b:true": ("True", "true"), "b:false": ("False", "false"), "z:null": ("None", "null")}


def plan(canons, finished_only, written=None):
    """The filter strings to ask, for `canons` (key -> set of canonical values asked), or None when
    no key can be constrained. `written` (key -> strings): how the values asked were given, which
    is how the asking client logs them (`str(1.0)` is "1.0")."""
    spellings = {}
    for key, values in canons.items():
        found = _spellings(values)
        if found is not None:
            found.update(w for w in (written or {}).get(key, ())
                         if canonical_param(w) in values and not any(c in w for c in _UNSAFE))
            spellings[key] = found
    if not spellings:
        return None
    status = ["attributes.status = 'FINISHED'"] if finished_only else []
    patterns = _fit(spellings)
    filters = []
    for row in _product([[(key, p) for p in patterns[key]] for key in sorted(patterns)]):
        filters.append(" and ".join([_clause(key, op, value) for key, (op, value) in row] + status))
    # Keys whose spellings are all there are (strings, words) and fit one clause narrow the net too.
    exact = [_clause(key, *patterns[key][0]) for key in sorted(patterns)
             if len(patterns[key]) == 1 and not any(v.startswith("n:") for v in canons[key])]
    for key in sorted(spellings):
        numbers = [v for v in canons[key] if v.startswith("n:")]
        for op, pattern in net(numbers):
            filters.append(" and ".join([_clause(key, op, pattern)] + exact + status))
    return list(dict.fromkeys(filters))


def _clause(key, op, value):
    return "params.`%s` %s '%s'" % (key, op, value)


def _spellings(values):
    """The spellings of canonical `values` as clients write them, or None if one cannot be asked."""
    found = set()
    for canon in values:
        if canon in _WORDS:
            found.update(_WORDS[canon])
        elif canon.startswith("s:"):
            raw = canon[2:]
            if not raw or any(c in raw for c in _UNSAFE + ("%", "_")) \
                    or any(ord(c) < 32 or ord(c) == 127 for c in raw):
                return None
            found.add(raw)
        elif canon.startswith("n:") and canon not in ("n:nan", "n:inf", "n:-inf"):
            found.update(number_spellings(canon))
        else:
            return None  # NaN and the infinities: any mix of letter case spells them
    return found


def number_spellings(canon):
    """How Python's str, JavaScript's String and a plain decimal write the number `canon`
    (`n:<sign><digits>e<exponent>`), each canonically equal to it."""
    plain = _plain(canon)
    out = {plain}
    try:
        x = float(plain)
    except (ValueError, OverflowError):
        x = None
    if x is not None and x == x and x not in (float("inf"), float("-inf")):
        out.add(js_number(x))
        if repr(x) != plain + ".0":  # a whole number as a float: the net's trailing zero finds it
            out.add(repr(x))
    return {s for s in out if canonical_param(s) == canon}


def _plain(canon):
    body = canon[2:]
    if body == "0":
        return "0"
    sign = "-" if body.startswith("-") else ""
    digits, exponent = body.lstrip("-").split("e")
    exponent = int(exponent)
    if exponent >= 0:
        return sign + digits + "0" * exponent
    point = len(digits) + exponent
    if point > 0:
        return sign + digits[:point] + "." + digits[point:]
    return sign + "0." + "0" * -point + digits


def net(numbers):
    """(operator, pattern) for every way a number in `numbers` (canonical) can be spelled other
    than number_spellings gives: each such spelling matches at least one."""
    if not numbers:
        return []
    out = [("ILIKE", "%e%"), ("LIKE", "+%"), ("LIKE", ".%"), ("LIKE", "%."), ("LIKE", "%.%0")]
    positive = [_plain(n) for n in numbers if not n.startswith("n:-")]
    negative = [_plain(n)[1:] for n in numbers if n.startswith("n:-")]
    out += [("LIKE", p) for p in _leading_zeros(positive, "")]
    if negative:
        out += [("LIKE", "-.%"), ("LIKE", "-0%")] if "0" in positive else [("LIKE", "-.%")]
        out += [("LIKE", p) for p in _leading_zeros(negative, "-")]
    elif "0" in positive:
        out.append(("LIKE", "-%"))  # -0, -0.0, -.0
    return list(dict.fromkeys(out))


def _leading_zeros(plains, sign):
    """Patterns for spellings with more leading zeros than the plain ones (`03`, `00.5`)."""
    small = any(p.startswith("0.") for p in plains)
    if not small:
        return [sign + "0_%"]  # no value is spelled 0.x: every 0x... and 0.x... will do
    return [sign + "00%"] + sorted({sign + "0" + p[0] + "%" for p in plains
                                    if p != "0" and not p.startswith("0.")})


def _fit(spellings):
    """Each key's spellings as LIKE/= patterns, coarsened until the questions number MAX_MAIN."""
    levels = {key: 0 for key in spellings}
    while True:
        patterns = {key: _level(spellings[key], levels[key]) for key in spellings}
        total = 1
        for found in patterns.values():
            total *= len(found)
        if total <= MAX_MAIN:
            return patterns
        key = max((k for k in spellings if levels[k] < 3),
                  key=lambda k: (len(patterns[k]), k))
        levels[key] += 1


def _level(values, level):
    values = sorted(values)
    if level == 0 or len(values) == 1:
        return [("=", v) for v in values]
    if level == 1:  # by length, '_' where they differ
        groups = {}
        for v in values:
            groups.setdefault(len(v), []).append(v)
        return [_same_length(group) for _, group in sorted(groups.items())]
    if level == 2:  # by first character: prefix % suffix
        groups = {}
        for v in values:
            groups.setdefault(v[0], []).append(v)
        return [_affixes(group) for _, group in sorted(groups.items())]
    return [_affixes(values)]


def _same_length(group):
    if len(group) == 1:
        return ("=", group[0])
    return ("LIKE", "".join(chars[0] if len(set(chars)) == 1 else "_" for chars in zip(*group)))


def _affixes(group):
    if len(group) == 1:
        return ("=", group[0])
    prefix = _common(group)
    rest = [v[len(prefix):] for v in group]
    suffix = _common([v[::-1] for v in rest])[::-1]
    return ("LIKE", prefix + "%" + suffix)


def _common(strings):
    first = min(strings, key=len)
    for i, c in enumerate(first):
        if any(s[i] != c for s in strings):
            return first[:i]
    return first


def _product(lists):
    rows = [[]]
    for items in lists:
        rows = [row + [item] for row in rows for item in items]
    return rows
