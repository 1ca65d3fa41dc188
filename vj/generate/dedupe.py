"""Keyframes that are nearly the same picture (two wallpaper packages shipping one
image; a seed that lands where the one before did): between two such keyframes the
show sits still for a whole segment, and no music moves it.  Found on small grey
copies: a mean absolute difference under :data:`NEAR_LEVELS` levels (of 255); each
one is named in a warning on standard error."""
from __future__ import annotations

import sys

import numpy as np

#: Mean absolute difference (levels) of 64 px grey copies under which two keyframes
#: count as the same picture.  Slerp steps between different pictures of a bank differ by
#: tens of levels; a recompressed or rescaled copy of one picture by one or two.
NEAR_LEVELS = 4.0
PROBE = 64


def _probe(frame: np.ndarray) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(np.asarray(frame, np.uint8)).convert("L").resize(
        (PROBE, PROBE), Image.Resampling.BILINEAR)
    return np.asarray(im, np.float32)


def near_duplicates(frames, limit: float = NEAR_LEVELS) -> list[tuple[int, int, float]]:
    """(i, j, difference) for each keyframe j nearly the same picture as an earlier i
    (the first such i)."""
    probes = [_probe(f) for f in frames]
    out = []
    for j in range(1, len(probes)):
        for i in range(j):
            d = float(np.abs(probes[i] - probes[j]).mean())
            if d < limit:
                out.append((i, j, d))
                break
    return out


def report(dups, names: list[str], drop: bool) -> list[int]:
    """Warn about each near-duplicate, naming them; the indices to keep (all, or without
    the later of each pair when ``drop``)."""
    for i, j, d in dups:
        print(f"vj: warning: keyframe {j + 1} ({names[j]}) is nearly the same picture as "
              f"keyframe {i + 1} ({names[i]}): mean difference {d:.1f} levels; the show sits "
              "still between them" + (" (dropped: --dedupe)" if drop else "; --dedupe drops it"),
              file=sys.stderr)
    gone = {j for _, j, _ in dups} if drop else set()
    return [k for k in range(len(names)) if k not in gone]
