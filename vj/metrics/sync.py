"""Direct synchrony measures: how the frame-difference curve lines up with the onset
strength of the music, without event detection or alignment (docs/eval.md).

* ``corr``: Pearson correlation of the frame change with the onset strength at each
  frame (the strongest onset within the frame's interval);
* ``near_share``: the share of all frame change that falls within ``near`` seconds
  of a strong onset, with ``near_expected`` the share that time alone would give;
* ``hit_response``: the mean frame change on the frames where a strong onset lands
  (within one frame period of it: onset times carry the analysis window's half-width
  and frames are 1/fps apart) over the mean elsewhere (1 = hits are invisible).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: Normalised onset strength of a strong onset (the AVS beat threshold).
STRONG = 0.40
#: Seconds around an onset that count as "near".
NEAR = 0.10


@dataclass(frozen=True)
class Sync:
    corr: float
    near_share: float
    near_expected: float
    hit_response: float
    onsets: int

    def as_dict(self) -> dict:
        return asdict(self)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def onset_per_frame(times: np.ndarray, env: np.ndarray, frame_times: np.ndarray,
                    fps: float) -> np.ndarray:
    """The strongest normalised onset in each frame interval ``(t - 1/fps, t]``."""
    span = float(env.max() - env.min()) if len(env) else 0.0
    norm = (env - env.min()) / span if span > 0 else np.zeros_like(env)
    out = np.zeros(len(frame_times))
    idx = np.searchsorted(times, frame_times, side="right")
    lo = np.searchsorted(times, frame_times - 1.0 / fps, side="right")
    for k, (a, b) in enumerate(zip(lo, idx)):
        if b > a:
            out[k] = norm[a:b].max()
    return out


def strong_onsets(times: np.ndarray, env: np.ndarray, strong: float = STRONG) -> np.ndarray:
    from scipy.signal import find_peaks

    span = float(env.max() - env.min()) if len(env) else 0.0
    if span <= 0:
        return np.zeros(0)
    norm = (env - env.min()) / span
    step = float(times[1] - times[0]) if len(times) > 1 else 0.02
    peaks, _ = find_peaks(norm, height=strong, distance=max(1, int(0.1 / step)))
    return times[peaks]


def sync_measures(diff: np.ndarray, fps: float, times: np.ndarray, env: np.ndarray, *,
                  strong: float = STRONG, near: float = NEAR) -> Sync:
    """``diff[i]`` is the change between frames i and i+1, timed at frame i+1."""
    d = np.asarray(diff, float)
    t = (np.arange(len(d)) + 1) / fps
    o = onset_per_frame(times, env, t, fps)
    ons = strong_onsets(times, env, strong)
    ons = ons[ons <= t[-1]] if len(t) else ons
    if len(ons) == 0 or len(d) < 2:
        return Sync(_pearson(d, o), 0.0, 0.0, 1.0, len(ons))
    j = np.searchsorted(ons, t)
    dist = np.minimum(np.abs(t - ons[np.clip(j - 1, 0, len(ons) - 1)]),
                      np.abs(t - ons[np.clip(j, 0, len(ons) - 1)]))
    near_mask = dist <= near
    total = float(d.sum())
    share = float(d[near_mask].sum()) / total if total > 0 else 0.0
    hit = dist <= 1.0 / fps + 1e-9
    rest = float(d[~hit].mean()) if np.any(~hit) else 0.0
    response = float(d[hit].mean()) / rest if rest > 0 else (1.0 if not d[hit].any() else
                                                             float("inf"))
    return Sync(_pearson(d, o), share, float(near_mask.mean()), response, len(ons))
