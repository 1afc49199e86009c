"""Which of a tracking server's runs could hold some combinations: a few filtered questions, not
the whole experiment (issue 16's client side).

A tracking server answers about 1,000 runs a second, whatever the filter, so listing an experiment
of 10,000 runs costs 10 s, while a question whose filter matches nothing costs ~20 ms. But MLflow's
filter compares parameter strings exactly, has no OR and no IN for params (only =, !=, LIKE and
ILIKE, joined by AND), and RunLens compares values by meaning (`1e-3` is `0.001`, `32.0` is `32`).
So a check asks for a superset and compares by canonical value itself:

- the main questions: each key's values as the clients that log them spell them (as they were
  given here, Python's repr, JavaScript's String, the plain decimal; `True`/`true`), as many keys
  constrained at once as fit, the
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
MAX_VALUE = 6000  # MLflow keeps no longer value (it cuts longer ones): no run holds a longer spelling
_UNSAFE = ("'", '"', "\\", "`")
# A spelling is folded into a LIKE pattern only without these: LIKE's own wildcards, and what
# MLflow's file store (which reads a LIKE pattern as a regular expression, unescaped) and SQL
# Server (whose LIKE has [...] classes) would read as more than the character.
_NOT_FOLDED = set("%_[]()+*?^$|{}\\")
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
    patterns = {key: found for key, found in _fit(spellings).items() if found != [("LIKE", "%")]}
    if not patterns:
        return None  # no key left constrained: that is a listing of the experiment
    filters = []
    for row in _product([[(key, p) for p in patterns[key]] for key in sorted(patterns)]):
        filters.append(" and ".join([_clause(key, op, value) for key, (op, value) in row] + status))
    # Keys whose spellings are all there are (strings, words) and fit one clause narrow the net too.
    exact = [_clause(key, *patterns[key][0]) for key in sorted(patterns)
             if len(patterns[key]) == 1 and not any(v.startswith("n:") for v in canons[key])]
    for key in sorted(patterns):  # a key the main questions leave open needs no net: they hold it
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
            if any(c in raw for c in _UNSAFE) or len(raw) > MAX_VALUE \
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
    if plain is None:
        return set()  # past any length MLflow keeps: only an exponent spells it (the net asks)
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
    digits, _, exponent = body.lstrip("-").partition("e")
    try:
        exponent = int(exponent)  # not so for an absurd one (n:1e1e+21)
    except ValueError:
        return None
    if abs(exponent) + len(digits) > MAX_VALUE:
        return None
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
    plains = [(n, _plain(n)) for n in numbers]
    positive = [p for n, p in plains if p is not None and not n.startswith("n:-")]
    negative = [p[1:] for n, p in plains if p is not None and n.startswith("n:-")]
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
        # The key whose next coarser level saves the most questions, one left constrained first.
        best = None
        for key in sorted(spellings):
            for level in range(levels[key] + 1, 4):
                coarser = _level(spellings[key], level)
                if len(coarser) < len(patterns[key]):
                    rank = (coarser != [("LIKE", "%")], len(patterns[key]) - len(coarser))
                    if best is None or rank > best[0]:
                        best = (rank, key, level)
                    break
        levels[best[1]] = best[2]


def _level(values, level):
    """The patterns of one key at a level of coarsening: 0 each spelling, 1 by length, 2 by first
    character, 3 one pattern. Spellings that cannot be folded stay themselves; at level 3 they
    leave the key unconstrained (LIKE '%')."""
    exact = sorted(v for v in values if _NOT_FOLDED.intersection(v) or _astral(v))
    values = sorted(set(values) - set(exact))
    if exact and level >= 3:
        return [("LIKE", "%")]
    return [("=", v) for v in exact] + (_folded(values, level) if values else [])


def _astral(text):
    return any(ord(c) > 0xFFFF for c in text)  # two UTF-16 units: SQL Server's _ takes one


def _folded(values, level):
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
