"""How strongly a frame is refined: the preset's base plus a gain times the music's
percussive energy or its onset, whichever is larger, clamped.  A hit blooms into new
detail; a quiet passage shows the keyframes as they are.  Pure."""
from __future__ import annotations

#: Above this the picture stops being the keyframes' (one-step models drift).
MAX_STRENGTH = 0.8


def strength(base: float, gain: float, percussive: float, onset: float) -> float:
    """The refinement strength for a frame (0 = the decoded frame as it is)."""
    s = base + gain * max(percussive, onset)
    return min(MAX_STRENGTH, max(0.0, s))


def strength_curve(params: dict | None, percussive, onset):
    """Per-frame strengths for ``vj record`` (``params``: a preset's [refine], or the
    defaults), the live rule applied frame by frame."""
    import numpy as np

    from vj.presets import REFINE_DEFAULTS

    p = params or REFINE_DEFAULTS
    return np.array([strength(p["strength"], p["gain"], float(x), float(o))
                     for x, o in zip(percussive, onset)])
