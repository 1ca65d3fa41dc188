"""The hit accent: how a driver's motion is shown on a hit (display only).

On a strong onset the picture steps ``amount`` of a keyframe transition ahead and
eases back over ``seconds`` (exponentially), so a hit is seen as a jolt while the
driver's own position, the method's ``s(t) = C(t) / C(T)``, is unchanged: the
accent is added to what is shown, never to where the driver is.  Pure functions.
"""
from __future__ import annotations

import math

import numpy as np

#: Share of a keyframe transition shown ahead on a full-strength hit.
ACCENT = 0.2
#: Seconds for the accent to ease back to 1/e.
ACCENT_SECONDS = 0.2
#: Normalised onset strength of a hit (the AVS beat threshold).
STRONG_ONSET = 0.40


def hit_accent(onset: np.ndarray, fps: float, amount: float = ACCENT,
               seconds: float = ACCENT_SECONDS, strong: float = STRONG_ONSET) -> np.ndarray:
    """Per frame, the accent to add to the shown position: a step of ``amount x onset``
    on each frame where a strong onset peaks (at least as strong as the next frame,
    stronger than the one before), decaying by ``exp(-dt / seconds)``."""
    o = np.asarray(onset, float)
    out = np.zeros(len(o))
    if amount <= 0 or len(o) == 0:
        return out
    decay = math.exp(-1.0 / (fps * seconds))
    nxt = np.append(o[1:], 0.0)
    cur, prev = 0.0, 0.0
    for i, x in enumerate(o):
        cur *= decay
        if x >= strong and x > prev and x >= nxt[i]:
            cur = max(cur, amount * x)
        prev = x
        out[i] = cur
    return out


def accented(k: np.ndarray, s: np.ndarray, accent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keyframe index and fraction of the shown position ``k + s + accent``."""
    p = np.asarray(k, float) + np.asarray(s, float) + accent
    kk = np.floor(p).astype(np.int64)
    return kk, p - kk
