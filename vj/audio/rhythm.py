"""Onsets (and, later, beats, tempo and sections) from an energy curve."""
from __future__ import annotations

import numpy as np

from vj.audio.energy import EnergyCurve


def onset_times(curve: EnergyCurve, *, delta: float = 0.07, wait: float = 0.1) -> np.ndarray:
    """Peak-picked onset times (s) on the normalised onset strength.

    ``delta`` is the height above the local mean a peak needs; ``wait`` the
    minimum gap in seconds between onsets.
    """
    import librosa

    p = curve.params
    env = np.asarray(curve.onset, dtype=np.float64)
    if len(env) < 3 or float(env.max()) <= 0.0:
        return np.zeros(0)
    frames = librosa.onset.onset_detect(onset_envelope=env, sr=p.sr, hop_length=p.hop,
                                        units="frames", delta=delta,
                                        wait=max(1, int(round(wait * p.frame_rate))))
    return curve.times[frames]
