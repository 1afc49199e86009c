"""When two parameter values mean the same thing.

Twin of src/core/params/canonical.ts: the store computes `params.canon` with that module and
`exists()` looks values up by it, so the two must agree on every string. Both are tested against
test/vectors/canonical.json. Read the TypeScript module for the rules; this file only mirrors it.
"""

import re
from decimal import Decimal

# [0-9], not \d: Python's \d also matches other scripts' digits, JavaScript's does not.
# Used with fullmatch, because Python's `$` would also accept a trailing newline.
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")

_WORDS = {
    "True": "b:true", "true": "b:true",
    "False": "b:false", "false": "b:false",
    "None": "z:null", "null": "z:null",
}

_NAN = ("nan", "+nan", "-nan")
_INF = ("inf", "+inf", "infinity", "+infinity")
_NEG_INF = ("-inf", "-infinity")


def canonical_param(raw):
    """Canonical form of a value as MLflow stores it (the `str()` of the value)."""
    number = _canonical_number(raw)
    if number is not None:
        return number
    return _WORDS.get(raw) or "s:" + raw


def canonical_value(value):
    """Canonical form of any Python value, through the string MLflow would store for it."""
    return canonical_param(value if isinstance(value, str) else str(value))


def _canonical_number(raw):
    lower = raw.lower()
    if lower in _NAN:
        return "n:nan"
    if lower in _INF:
        return "n:inf"
    if lower in _NEG_INF:
        return "n:-inf"
    m = _NUMBER.fullmatch(raw)
    if m is None:
        return None
    sign, int_part, frac_part, exp_part = m.groups()
    frac_part = frac_part or ""
    if not int_part and not frac_part:
        return None
    digits = (int_part + frac_part).lstrip("0")
    if not digits:
        return "n:0"
    significant = digits.rstrip("0")
    exponent = _exponent(exp_part, len(frac_part), len(digits) - len(significant))
    return "n:" + ("-" if sign == "-" else "") + significant + "e" + exponent


def _exponent(written, frac_len, trailing):
    if written is None or len(written.lstrip("+-")) <= 15:
        # Below 2**53 every step is exact in JavaScript's doubles too.
        return str(int(written or 0) - frac_len + trailing)
    # Absurd exponents: repeat JavaScript's double arithmetic and number printing,
    # so that even these spell the same as in the store.
    return js_number(float(written) - frac_len + trailing)


def js_number(x):
    """How JavaScript prints the double `x` (Number.prototype.toString, as JSON.stringify does).

    Python's repr gives the same shortest round-trip digits; only where the point and the
    exponent go differs (JavaScript writes 1e21 as 1e+21 but 1e20 as 100000000000000000000).
    """
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number(-x)
    _, digits, exponent = Decimal(repr(x)).as_tuple()
    s = "".join(map(str, digits)).rstrip("0")
    k = len(s)
    n = exponent + len(digits)  # x = 0.s * 10**n
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + s
    e = n - 1
    return (s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e)))
