"""`vj analyze`: per-segment energy statistics and onsets, and the method's figure."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vj.audio.energy import EnergyCurve, EnergyParams, energy_reference
from vj.audio.rhythm import onset_times
from vj.motion.drivers import energy_positions, fixed_segments, linear_positions


@dataclass(frozen=True)
class SegmentStats:
    start: float
    end: float
    mean_energy: float
    max_energy: float
    mean_percussive: float
    mean_harmonic: float
    onsets: int


def segment_stats(curve: EnergyCurve, onsets: np.ndarray, bounds: np.ndarray) -> list[SegmentStats]:
    rows = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        m = (curve.times >= a) & (curve.times < b)
        if not m.any():
            m = np.argmin(np.abs(curve.times - a)) == np.arange(len(curve.times))
        rows.append(SegmentStats(float(a), float(b), float(curve.energy[m].mean()),
                                 float(curve.energy[m].max()), float(curve.percussive[m].mean()),
                                 float(curve.harmonic[m].mean()),
                                 int(((onsets >= a) & (onsets < b)).sum())))
    return rows


def format_table(rows: list[SegmentStats]) -> str:
    head = f"{'segment':>15}  {'E mean':>6}  {'E max':>5}  {'P mean':>6}  {'H mean':>6}  {'onsets':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.start:6.1f}-{r.end:6.1f} s  {r.mean_energy:6.3f}  {r.max_energy:5.2f}  "
                     f"{r.mean_percussive:6.3f}  {r.mean_harmonic:6.3f}  {r.onsets:6d}")
    return "\n".join(lines)


def analyze(y: np.ndarray, *, params: EnergyParams | None = None, segment: float = 10.0):
    params = params or EnergyParams()
    curve = energy_reference(y, params)
    duration = len(y) / params.sr
    bounds = fixed_segments(duration, segment)
    onsets = onset_times(curve)
    return curve, bounds, onsets, segment_stats(curve, onsets, bounds)


def plot(y: np.ndarray, curve: EnergyCurve, bounds: np.ndarray, onsets: np.ndarray, path: str,
         title: str = "") -> None:
    """Percussive and harmonic envelopes, mel spectrogram, cumulative energy per segment."""
    import librosa
    import librosa.display  # noqa: F401  (registers specshow)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = curve.params
    fig, ax = plt.subplots(3, 1, figsize=(12, 8), sharex=True, constrained_layout=True)
    ax[0].plot(curve.times, curve.percussive, lw=0.8, label="percussive P")
    ax[0].plot(curve.times, curve.harmonic, lw=0.8, label="harmonic H")
    ax[0].vlines(onsets, 0, 1, colors="k", lw=0.4, alpha=0.4, label="onsets")
    ax[0].set_ylabel("normalised energy")
    ax[0].legend(loc="upper right", fontsize=8)
    ax[0].set_title(title or "energy")
    S = librosa.feature.melspectrogram(y=y, sr=p.sr, n_fft=p.n_fft, hop_length=p.hop,
                                       n_mels=p.n_mels)
    librosa.display.specshow(librosa.power_to_db(S, ref=np.max), sr=p.sr, hop_length=p.hop,
                             x_axis="time", y_axis="mel", ax=ax[1])
    ax[1].set_title("mel spectrogram")
    k, s = energy_positions(curve.times, curve, bounds)
    ax[2].plot(curve.times, s, lw=1.0, label="energy driver s(t) = C(t)/C(T)")
    ax[2].plot(curve.times, linear_positions(curve.times, bounds)[1], lw=0.8, ls="--",
               label="linear driver t/T")
    for b in bounds:
        ax[2].axvline(b, color="k", lw=0.5, alpha=0.5)
    ax[2].set_ylabel("position in segment")
    ax[2].set_xlabel("time (s)")
    ax[2].legend(loc="upper right", fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
