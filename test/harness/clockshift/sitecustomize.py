"""The clock tier's clock for Python: every wall-clock reading moved by RUNLENS_CLOCK_SHIFT_S seconds.

libfaketime, which moves Node's clock in that tier, breaks Python's timed waits (threading.Event.wait
never returns, or time.sleep fails with EINVAL), so Python's wall clock is moved here instead, in
every interpreter that has this folder on PYTHONPATH. Monotonic clocks are left alone.
"""

import os
import time

_shift = float(os.environ.get("RUNLENS_CLOCK_SHIFT_S") or 0)

if _shift:
    _time, _time_ns = time.time, time.time_ns
    _gmtime, _localtime, _strftime, _ctime, _asctime = time.gmtime, time.localtime, time.strftime, time.ctime, time.asctime

    def _now():
        return _time() + _shift

    time.time = _now
    time.time_ns = lambda: _time_ns() + int(_shift * 1_000_000_000)
    time.gmtime = lambda secs=None: _gmtime(_now() if secs is None else secs)
    time.localtime = lambda secs=None: _localtime(_now() if secs is None else secs)
    time.strftime = lambda fmt, t=None: _strftime(fmt, _localtime(_now()) if t is None else t)
    time.ctime = lambda secs=None: _ctime(_now() if secs is None else secs)
    time.asctime = lambda t=None: _asctime(_localtime(_now()) if t is None else t)
