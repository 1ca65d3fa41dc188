"""Fault injection for the tests (never set in a show).

``VJ_CHAOS="decode@2,osc@3.5"`` makes each named part raise :class:`InjectedFault`
once, at its first check after that many seconds of the show (``engine`` instead has
the show kill its audio process then).  ``VJ_HOG="0.3/2"`` makes the render loop hold
the interpreter lock for 0.3 s every 2 s, in a C call as a long GL call does (the
starvation test; with ``VJ_AUDIO_TAP=DIR`` each hold's start and end go to
``DIR/hog.f64``); ``VJ_DECODE_DELAY=0.08`` makes every decode take 80 ms more (a slow
decoder, whatever the machine).  Unset, each hook is one test of a module global.
"""
from __future__ import annotations

import os
import struct
import time

PARTS = ("input", "analysis", "engine", "osc", "dmx", "autogenre", "loader", "decode", "uniform",
         "hud", "output", "preview")


class InjectedFault(RuntimeError):
    pass


_plan: dict[str, float] | None = None
_t0 = 0.0
_hog: tuple[float, float] | None = None
_hog_next = 0.0
_decode_delay = 0.0
_refine_delay = 0.0


def arm(spec: str | None = None, *, t0: float | None = None) -> float:
    """Read the plan (``VJ_CHAOS`` unless ``spec``) and start its clock at ``t0``
    (default now; the audio process is given the show's).  Returns the clock's start."""
    global _plan, _t0, _hog, _hog_next, _decode_delay, _refine_delay
    spec = os.environ.get("VJ_CHAOS", "") if spec is None else spec
    plan = {}
    for item in filter(None, (x.strip() for x in spec.split(","))):
        part, _, at = item.partition("@")
        if part not in PARTS:
            raise ValueError(f"VJ_CHAOS: unknown part {part!r}; parts: {', '.join(PARTS)}")
        plan[part] = float(at or 0.0)
    _plan, _t0 = (plan or None), (time.perf_counter() if t0 is None else t0)
    hog = os.environ.get("VJ_HOG", "")
    if hog:
        held, _, every = hog.partition("/")
        _hog = (float(held), float(every or 2.0))
        _hog_next = _t0 + _hog[1]
    else:
        _hog = None
    _decode_delay = float(os.environ.get("VJ_DECODE_DELAY") or 0.0)
    _refine_delay = float(os.environ.get("VJ_REFINE_DELAY") or 0.0)
    return _t0


def check(part: str) -> None:
    """Raise once for ``part`` when the plan says so."""
    if _plan is None:
        return
    at = _plan.get(part)
    if at is not None and time.perf_counter() - _t0 >= at:
        _plan.pop(part, None)
        raise InjectedFault(f"injected fault ({part})")


def due(part: str) -> bool:
    """True once for ``part`` when the plan says so (for faults a part makes happen
    rather than raises, such as killing the audio process)."""
    try:
        check(part)
    except InjectedFault:
        return True
    return False


def hog() -> None:
    """Hold the interpreter lock for the ``VJ_HOG`` time when it is due (``usleep``
    through ``ctypes.PyDLL``, which keeps the lock)."""
    global _hog_next
    if _hog is None:
        return
    now = time.perf_counter()
    if now >= _hog_next:
        import ctypes

        _hog_next = now + _hog[1]
        ctypes.PyDLL(None).usleep(int(_hog[0] * 1e6))
        tap = os.environ.get("VJ_AUDIO_TAP")
        if tap:   # when the lock was held (the starvation test), after it was let go
            os.makedirs(tap, exist_ok=True)
            with open(os.path.join(tap, "hog.f64"), "ab") as f:
                f.write(struct.pack("dd", now, time.perf_counter()))


def slow_refine() -> None:
    """Sleep the ``VJ_REFINE_DELAY`` after a refinement (a slow refine stage)."""
    if _refine_delay:
        time.sleep(_refine_delay)


def slow_decode() -> None:
    """Sleep the ``VJ_DECODE_DELAY`` after a decode (the decode worker's thread)."""
    if _decode_delay:
        time.sleep(_decode_delay)
