"""How closely can a causal engine follow the offline energy reference on the corpus?

A study, not part of vj: the streaming engine's harmonic median is replaced by other
causal (or slightly look-ahead) estimates, and its running normalisation by the
whole-excerpt min-max, to see where the gap to the reference is.  The engine is
modelled with whole-array numpy (the same STFT frames, masks, mel reduction,
silence gate and followers as vj.audio.streaming); for the live settings this model
gives 0.767 where `vj eval` gives 0.756 with the real engine (the first frames differ).

    .venv/bin/python tools/energy_study.py [SECONDS]        # needs `make corpus`

For each estimator it prints the mean and lowest Pearson r of E against the reference
(45 s from the middle of each song, as `vj eval`), with three normalisations: the
excerpt's own min-max (perfect normalisation), the running followers starting cold,
and the followers after hearing the 30 s of the song before the excerpt (a show that
was already running).
"""
from __future__ import annotations

import sys

import numpy as np
import scipy.ndimage as nd

from vj.audio.energy import _minmax, energy_reference, full_scale_power, mel_filterbank
from vj.audio.normalise import Follower, release
from vj.audio.streaming import LIVE_PARAMS, REFERENCE_PARAMS
from vj.evaluation.corpus import corpus

P = LIVE_PARAMS
MEL = mel_filterbank(P)
FLOOR = full_scale_power(P) * 10 ** (P.peak_floor_db / 10)
PREROLL = 2584          # hops of song heard before the excerpt (30 s at hop 256)


def stft(y):
    import librosa

    mag = np.abs(librosa.stft(y, n_fft=P.n_fft, hop_length=P.hop)).astype(np.float32)
    frames = librosa.util.frame(np.pad(y, P.n_fft // 2), frame_length=P.n_fft,
                                hop_length=P.hop)
    rms = np.sqrt(np.mean(frames ** 2, axis=0))[:mag.shape[1]]
    return mag, rms


def median(mag, k: int, ahead: int = 0):
    """Median of each bin over frames [t-k+1+ahead, t+ahead] (zeros before the start)."""
    pad = np.concatenate([np.zeros((mag.shape[0], k - 1), np.float32), mag,
                          np.repeat(mag[:, -1:], ahead, 1)], 1)
    w = np.lib.stride_tricks.sliding_window_view(pad, k, axis=1)
    return np.partition(w, k // 2, axis=2)[:, ahead:ahead + mag.shape[1], k // 2]


def extrapolated(mag, ahead: int, k: int = 31, chunk: int = 800, sustain: float = 0.0,
                 decay_bins: int = 0):
    """The centred k-frame median, the frames beyond the look-ahead extrapolated from
    the decay over it of the bins within ``decay_bins`` (mean of the log rates), never
    below ``sustain`` times the newest value (as vj.audio.streaming with
    ``extrapolate=True``)."""
    from scipy.ndimage import uniform_filter1d

    half = k // 2
    F, n = mag.shape
    pad = np.concatenate([np.zeros((F, half), np.float32), mag,
                          np.repeat(mag[:, -1:], ahead, 1)], 1)
    out = np.empty((F, n), np.float32)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        known = np.lib.stride_tricks.sliding_window_view(
            pad[:, a:b + half + ahead], half + 1 + ahead, axis=1)[:, :b - a]
        last, top = known[..., -1], known[..., half:].max(-1)
        lr = np.log(np.clip(last / (top + 1e-12), 1e-6, 1))
        if decay_bins:
            lr = uniform_filter1d(lr, 2 * decay_bins + 1, axis=0, mode="nearest")
        extra = last[..., None] * np.exp(lr[..., None] / ahead
                                         * np.arange(1, k - known.shape[-1] + 1))
        extra = np.maximum(extra, sustain * last[..., None])
        w = np.concatenate([known, extra.astype(np.float32)], -1)
        out[:, a:b] = np.partition(w, half, axis=-1)[..., half]
    return out


#: name: (harmonic estimate from the magnitudes, frames of look-ahead it needs)
ESTIMATORS = {
    "centred 31, extrapolated past a look-ahead of 4, decay over 9 bins, sustain 0.3 "
    "(the live settings)": (lambda m: extrapolated(m, 4, sustain=0.3, decay_bins=4), 4),
    "centred 31, extrapolated past a look-ahead of 4 (the first 2026-12-01 live settings)":
        (lambda m: extrapolated(m, 4), 4),
    "centred 31, extrapolated past a look-ahead of 3": (lambda m: extrapolated(m, 3), 3),
    "causal 31 (the live settings until 2026-12-01)": (lambda m: median(m, 31), 0),
    "causal 31, look-ahead 4": (lambda m: median(m, 31, 4), 4),
    "causal 15": (lambda m: median(m, 15), 0),
    "centred 9 (look-ahead 4)": (lambda m: median(m, 9, 4), 4),
    "11 frames, look-ahead 4": (lambda m: median(m, 11, 4), 4),
    "max(causal 31, centred 9)": (lambda m: np.maximum(median(m, 31), median(m, 9, 4)), 4),
    "mean(causal 31, causal 15), look-ahead 4":
        (lambda m: 0.5 * (median(m, 31, 4) + median(m, 15, 4)), 4),
}


def raw_parts(mag, h, rms):
    p = nd.median_filter(mag, size=(P.kernel_percussive, 1), mode="reflect")
    mp = p ** 2 / (p ** 2 + (P.margin * h) ** 2 + 1e-20)
    mh = h ** 2 / (h ** 2 + (P.margin * p) ** 2 + 1e-20)
    perc, harm = (MEL @ ((mag * mp) ** 2)).max(0), (MEL @ ((mag * mh) ** 2)).max(0)
    silent = 20 * np.log10(np.maximum(rms, 1e-12)) < P.silence_db
    perc[silent] = harm[silent] = 0.0
    return perc, harm


def followed(x):
    """One part through the live settings' follower (without the cross-part floor)."""
    f = Follower(release(P), FLOOR,
                 window_blocks=0 if P.peak_window is None else round(P.peak_window),
                 block_hops=round(P.sr / P.hop))
    return np.array([f(float(v), FLOOR) for v in x], np.float32)


def corr(a, b) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(np.asarray(a[:n], float), np.asarray(b[:n], float))[0, 1])


def main(seconds: float = 45.0) -> None:
    wp, wh = P.weights
    res = {k: {"excerpt min-max": [], "followers, cold": [], "followers, 30 s before": []}
           for k in ESTIMATORS}
    for song in corpus():
        y = song.load(P.sr)
        n = int(seconds * P.sr)
        a = max(0, (len(y) - n) // 2)
        b = a - min(PREROLL, a // P.hop) * P.hop    # whole hops before: frames line up
        excerpt, longer = y[a:a + n], y[b:a + n]
        skip = (a - b) // P.hop
        ref = energy_reference(excerpt, REFERENCE_PARAMS).energy
        mag, rms = stft(excerpt)
        mag_l, rms_l = stft(longer)
        for name, (est, _) in ESTIMATORS.items():
            perc, harm = raw_parts(mag, est(mag), rms)
            r = res[name]
            r["excerpt min-max"].append(corr(wp * _minmax(perc, FLOOR) + wh * _minmax(harm, FLOOR),
                                             ref))
            r["followers, cold"].append(corr(wp * followed(perc) + wh * followed(harm), ref))
            perc, harm = raw_parts(mag_l, est(mag_l), rms_l)
            e = (wp * followed(perc) + wh * followed(harm))[skip:]
            r["followers, 30 s before"].append(corr(e, ref))
        print(f"{song.name[:24]:24s} " + " ".join(
            f"{v['followers, cold'][-1]:.3f}" for v in res.values()), file=sys.stderr, flush=True)
    cols = list(next(iter(res.values())))
    print("| harmonic estimate | added latency | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for name, r in res.items():
        ahead = ESTIMATORS[name][1]
        cells = " | ".join(f"{np.mean(v):.3f} / {np.min(v):.3f}" for v in r.values())
        print(f"| {name} | {ahead * P.hop / P.sr * 1000:.0f} ms | {cells} |")


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
