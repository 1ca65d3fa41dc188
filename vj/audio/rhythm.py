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


def novelty(features: np.ndarray, kernel: int = 16) -> np.ndarray:
    """Foote's novelty: a checkerboard kernel slid along the diagonal of the cosine
    self-similarity matrix of ``features`` [dims, frames]."""
    f = features / (np.linalg.norm(features, axis=0, keepdims=True) + 1e-9)
    S = f.T @ f
    n, h = S.shape[0], kernel // 2
    sign = np.ones((2 * h, 2 * h))
    sign[:h, h:] = sign[h:, :h] = -1
    g = np.exp(-0.5 * ((np.arange(2 * h) - h + 0.5) / (0.5 * h)) ** 2)
    K = sign * np.outer(g, g)
    pad = np.pad(S, h, mode="edge")
    out = np.array([np.sum(pad[i:i + 2 * h, i:i + 2 * h] * K) for i in range(n)])
    return np.maximum(out, 0.0)


def sections(y: np.ndarray, sr: int = 22050, hop: int = 512, *,
             min_length: float = 8.0, kernel_beats: int = 16) -> np.ndarray:
    """Section boundaries (s, including 0 and the end).

    Beat-synchronous chroma and MFCC features, their novelty curve (Foote), peaks
    above mean + 0.5 std at least ``min_length`` seconds apart, each moved to the
    strongest onset within one beat.  Without beats (no rhythm) the frames are used.
    """
    import librosa

    duration = len(y) / sr
    if duration < 2 * min_length or not np.any(np.abs(y) > 1e-6):
        return np.array([0.0, duration])
    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    _, beat_frames = librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop)
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, hop_length=hop, n_mfcc=13)
    rms = librosa.feature.rms(y=y, hop_length=hop)
    n = min(chroma.shape[1], mfcc.shape[1], rms.shape[1])
    n = min(n, len(env))
    # timbre and loudness weigh more than harmony: a chord change is not a new section
    feats = np.vstack([0.3 * chroma[:, :n], librosa.util.normalize(mfcc[:, :n], axis=1),
                       3 * rms[:, :n] / (rms.max() + 1e-9),
                       3 * env[None, :n] / (env.max() + 1e-9)])
    if len(beat_frames) >= 2 * kernel_beats:
        frames = np.unique(np.concatenate([[0], beat_frames[beat_frames < n]]))
        feats = librosa.util.sync(feats, frames, aggregate=np.median)
        kern = kernel_beats
    else:
        frames = np.arange(0, n, 8)
        feats = feats[:, frames]
        kern = max(4, int(4 * sr / hop / 8))
    nov = novelty(feats, kern)
    times = librosa.frames_to_time(frames, sr=sr, hop_length=hop)
    thresh = nov.mean() + 0.5 * nov.std()
    peaks = [i for i in range(1, len(nov) - 1)
             if nov[i] >= nov[i - 1] and nov[i] > nov[i + 1] and nov[i] > thresh]
    chosen: list[float] = []
    for i in sorted(peaks, key=lambda i: -nov[i]):  # strongest first, keep them apart
        t = float(times[i])
        if min_length <= t <= duration - min_length and all(abs(t - c) >= min_length
                                                          for c in chosen):
            chosen.append(t)
    beat = 60.0 / 120.0 if len(beat_frames) < 2 else float(np.median(np.diff(
        librosa.frames_to_time(beat_frames, sr=sr, hop_length=hop))))
    env_t = librosa.frames_to_time(np.arange(len(env)), sr=sr, hop_length=hop)
    snapped = []
    for t in sorted(chosen):  # onto the strongest onset within one beat
        m = np.abs(env_t - t) <= beat
        snapped.append(float(env_t[m][np.argmax(env[m])]) if m.any() else t)
    return np.asarray([0.0, *snapped, duration])
