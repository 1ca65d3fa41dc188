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


def beats(y: np.ndarray, sr: int = 22050, hop: int = 512) -> tuple[float, np.ndarray]:
    """Tempo (BPM) and beat times (s) from librosa's beat tracker."""
    import librosa

    if len(y) < hop * 8 or not np.any(np.abs(y) > 1e-6):
        return 0.0, np.zeros(0)
    tempo, frames = librosa.beat.beat_track(y=y, sr=sr, hop_length=hop)
    return float(np.atleast_1d(tempo)[0]), librosa.frames_to_time(frames, sr=sr, hop_length=hop)


def sections(y: np.ndarray, sr: int = 22050, hop: int = 512, *,
             mean_length: float = 20.0, min_length: float = 4.0) -> np.ndarray:
    """Section boundaries (s, including 0 and the end) by agglomerative clustering of
    beat-synchronous chroma and MFCC features: about one section per ``mean_length``
    seconds, none shorter than ``min_length``."""
    import librosa

    duration = len(y) / sr
    if duration < 2 * min_length or not np.any(np.abs(y) > 1e-6):
        return np.array([0.0, duration])
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, hop_length=hop, n_mfcc=13)
    feats = np.vstack([librosa.util.normalize(chroma, axis=0), librosa.util.normalize(mfcc, axis=1)])
    k = int(np.clip(round(duration / mean_length), 2, max(2, feats.shape[1] // 4)))
    bounds = librosa.segment.agglomerative(feats, k)
    times = librosa.frames_to_time(bounds, sr=sr, hop_length=hop)
    out = [0.0]
    for t in sorted(times):
        if t - out[-1] >= min_length and duration - t >= min_length:
            out.append(float(t))
    out.append(duration)
    return np.asarray(out)
