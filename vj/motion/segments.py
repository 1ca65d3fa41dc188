"""Where a song's keyframe transitions fall: every N seconds, every N tracked beats, or
at the detected sections (``--segment 10s|16beats|sections``)."""
from __future__ import annotations

import numpy as np

from vj.errors import ParameterError
from vj.motion.drivers import SEGMENT_SECONDS, fixed_segments


def parse_segment(spec: str | float) -> tuple[str, float]:
    """``10``, ``10s``, ``16beats`` or ``sections`` -> (kind, amount)."""
    import re

    if isinstance(spec, (int, float)):
        return "seconds", float(spec)
    s = str(spec).strip().lower()
    if s == "sections":
        return "sections", 0.0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|seconds?|b|beats?)?", s)
    if not m or float(m.group(1)) <= 0:
        raise ParameterError(f"--segment {spec!r}: use seconds (10 or 10s), beats (16beats) "
                             "or 'sections'")
    unit = m.group(2) or "s"
    if unit.startswith("b"):
        if float(m.group(1)) != int(float(m.group(1))):
            raise ParameterError(f"--segment {spec!r}: a whole number of beats")
        return "beats", float(m.group(1))
    return "seconds", float(m.group(1))


def segment_bounds(y: np.ndarray, sr: int, spec) -> np.ndarray:
    from vj.audio.rhythm import beats, sections
    from vj.motion.drivers import beat_segments

    kind, amount = parse_segment(spec)
    duration = len(y) / sr
    if kind == "seconds":
        return fixed_segments(duration, amount)
    if kind == "beats":
        _, beat_times = beats(y, sr)
        if len(beat_times) < 2:
            return fixed_segments(duration, SEGMENT_SECONDS)
        return beat_segments(beat_times, duration, int(amount))
    return sections(y, sr)
