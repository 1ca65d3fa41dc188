"""Fault injection for the chaos test: ``VJ_CHAOS="decode@2,osc@3.5"`` makes each named
part raise :class:`InjectedFault` once, at its first check after that many seconds of
the show.  Unset (always, outside the test), :func:`check` is one ``None`` test."""
from __future__ import annotations

import os
import time

PARTS = ("input", "analysis", "osc", "autogenre", "loader", "decode", "uniform", "hud",
         "output", "preview")


class InjectedFault(RuntimeError):
    pass


_plan: dict[str, float] | None = None
_t0 = 0.0


def arm(spec: str | None = None) -> None:
    """Read the plan (``VJ_CHAOS`` unless ``spec``) and start its clock."""
    global _plan, _t0
    spec = os.environ.get("VJ_CHAOS", "") if spec is None else spec
    plan = {}
    for item in filter(None, (x.strip() for x in spec.split(","))):
        part, _, at = item.partition("@")
        if part not in PARTS:
            raise ValueError(f"VJ_CHAOS: unknown part {part!r}; parts: {', '.join(PARTS)}")
        plan[part] = float(at or 0.0)
    _plan, _t0 = (plan or None), time.perf_counter()


def check(part: str) -> None:
    """Raise once for ``part`` when the plan says so."""
    if _plan is None:
        return
    at = _plan.get(part)
    if at is not None and time.perf_counter() - _t0 >= at:
        _plan.pop(part, None)
        raise InjectedFault(f"injected fault ({part})")
