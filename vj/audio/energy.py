"""The audio energy vector (docs/energy.md).

Two forms of the same quantity:

* :func:`energy_reference` -- offline, with librosa, over a whole signal: the
  method's reference (HPSS by median filtering, a mel spectrogram of each part,
  the maximum over mel bands per frame, per-part min-max normalisation over the
  analysed span, ``e = 0.9 * P + 0.1 * H``).
* :class:`vj.audio.streaming.StreamingEnergy` -- the live engine, one hop at a
  time with bounded memory (its own module says how).

Both are pure computation: no threads, devices or files here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from vj.errors import ParameterError

#: Percussive and harmonic weights of the paper.  Its public code used 1.0 / 0.0
#: and suggested 0.8 / 0.2 for smoother motion, so both are parameters.
PAPER_WEIGHTS = (0.9, 0.1)

#: The analysis sample rate: every source is resampled to it.
ANALYSIS_SR = 22050


@dataclass(frozen=True)
class EnergyParams:
    """Settings shared by the offline reference and the streaming engine.

    The defaults keep the live latency low: a 1024-sample window (46 ms at
    22.05 kHz) and a 512-sample hop (23 ms, 43 frames per second).
    """

    sr: int = ANALYSIS_SR
    n_fft: int = 1024
    hop: int = 512
    n_mels: int = 64
    #: HPSS separation margin.  The method's code used 5.0 (strict: only clear
    #: transients count as percussive); nateraw/stable-diffusion-videos and
    #: librosa use 1.0, which the causal streaming engine follows more closely
    #: (docs/energy.md), so 1.0 is the default.
    margin: float = 1.0
    #: Median filter lengths: harmonic across time (frames), percussive across
    #: frequency (bins).  17 bins at 21.5 Hz per bin span about 370 Hz, the
    #: width of librosa's default 31 bins at n_fft=2048.
    kernel_harmonic: int = 31
    kernel_percussive: int = 17
    weights: tuple[float, float] = PAPER_WEIGHTS
    reduce: str = "max"     #: over mel bands: "max" (both public codes) or "sum"
    silence_db: float = -60.0   #: frames with RMS below this are silence (energy 0)
    #: Streaming only: time constant (s) of the running floor follower, and of the
    #: peak's release when ``peak_window`` is None.
    norm_time: float = 30.0
    #: Streaming only: each part's running peak is the largest value of the last
    #: this many seconds (whole seconds); None: a peak with exponential release.
    peak_window: float | None = None
    lookahead: int = 0      #: streaming: frames of look-ahead (adds latency)
    #: Streaming only: the harmonic median spans the method's centred window, the
    #: frames not heard yet extrapolated from each bin's decay over the look-ahead.
    #: False: the median runs over the last ``kernel_harmonic`` frames heard.
    extrapolate: bool = False
    #: Streaming, extrapolating: a frame not heard yet never falls below this share
    #: of the newest value (a note settles to its sustain rather than to silence).
    sustain: float = 0.0
    #: Streaming, extrapolating: a bin decays at the mean log rate of the bins this
    #: many on either side of it (a note's partials decay together).
    decay_bins: int = 0
    #: The normalisation span never falls below this level, in dB relative to a
    #: full-scale sine: a part that is nearly absent stays small, and (streaming)
    #: a quiet intro is not blown up before the song's real peaks are heard.
    peak_floor_db: float = -40.0
    #: Streaming only: a part's normalisation span never falls below the other
    #: part's running peak less this many dB, so that before a part's real peaks have
    #: been heard (a chords-only intro, no drums yet) its little power is not
    #: stretched to full scale.  None: the absolute floor above only.
    cross_floor_db: float | None = 10.0

    def __post_init__(self) -> None:
        def need(cond: bool, name: str, msg: str) -> None:
            if not cond:
                raise ParameterError(f"{name}={getattr(self, name)!r}: {msg}")

        need(8000 <= self.sr <= 192000, "sr", "must be between 8000 and 192000 Hz")
        need(self.n_fft >= 64 and self.n_fft & (self.n_fft - 1) == 0, "n_fft",
             "must be a power of two >= 64")
        need(0 < self.hop <= self.n_fft and self.n_fft % self.hop == 0, "hop",
             "must divide n_fft")
        need(1 <= self.n_mels <= self.n_fft // 2, "n_mels", "must be in 1..n_fft/2")
        need(self.margin >= 1.0, "margin", "must be >= 1.0")
        need(self.kernel_harmonic >= 1 and self.kernel_harmonic % 2 == 1, "kernel_harmonic",
             "must be an odd number of frames")
        need(self.kernel_percussive >= 1 and self.kernel_percussive % 2 == 1,
             "kernel_percussive", "must be an odd number of bins")
        need(len(self.weights) == 2 and all(w >= 0 for w in self.weights), "weights",
             "must be two non-negative numbers (percussive, harmonic)")
        need(self.reduce in ("max", "sum"), "reduce", "must be 'max' or 'sum'")
        need(self.norm_time > 0, "norm_time", "must be > 0 seconds")
        need(0 <= self.lookahead <= self.kernel_harmonic // 2, "lookahead",
             "must be in 0..kernel_harmonic//2")
        need(self.cross_floor_db is None or self.cross_floor_db >= 0, "cross_floor_db",
             "must be >= 0 dB, or None")
        need(0.0 <= self.sustain < 1.0, "sustain", "must be in [0, 1)")
        need(0 <= self.decay_bins <= self.n_fft // 4, "decay_bins", "must be in 0..n_fft/4")
        need(self.peak_window is None or self.peak_window >= 1.0, "peak_window",
             "must be >= 1 second, or None")
        need(not self.extrapolate or self.lookahead >= 1, "extrapolate",
             "needs a look-ahead of at least one frame (lookahead >= 1)")

    @property
    def frame_rate(self) -> float:
        return self.sr / self.hop

    def with_(self, **changes) -> "EnergyParams":
        return replace(self, **changes)


@dataclass(frozen=True)
class EnergyCurve:
    """Per-frame energy of a whole signal; ``times`` are frame centres in seconds."""

    times: np.ndarray
    percussive: np.ndarray
    harmonic: np.ndarray
    energy: np.ndarray
    onset: np.ndarray
    params: EnergyParams = field(default_factory=EnergyParams)
    #: Mel-band power of each part before normalisation (comparable across parts).
    raw_percussive: np.ndarray | None = None
    raw_harmonic: np.ndarray | None = None

    @property
    def duration(self) -> float:
        return float(self.times[-1]) if len(self.times) else 0.0

    def at(self, t: np.ndarray) -> "EnergyCurve":
        """The curve resampled at times ``t`` by linear interpolation (never by
        dropping or repeating frames)."""
        t = np.asarray(t, dtype=np.float64)

        def f(x: np.ndarray) -> np.ndarray:
            return np.interp(t, self.times, x).astype(np.float32)

        return EnergyCurve(t, f(self.percussive), f(self.harmonic), f(self.energy),
                           f(self.onset), self.params)


@dataclass(frozen=True)
class EnergyFrame:
    """What the analysis thread publishes after each hop.

    ``t`` is the centre of the analysed frame in stream seconds; every value
    is in [0, 1].  The live engine publishes each value as soon as it is known:
    ``onset`` and ``level`` (RMS in dBFS) are those of the newest frame, which is
    ``lookahead`` hops after ``t`` (the energies need that look-ahead, the onset
    does not); :meth:`StreamingEnergy.run` puts the onsets back at their own times.
    """

    t: float
    percussive: float
    harmonic: float
    energy: float
    onset: float
    level: float = -120.0


SILENT_FRAME = EnergyFrame(0.0, 0.0, 0.0, 0.0, 0.0)


def _minmax(x: np.ndarray, min_span: float = 0.0) -> np.ndarray:
    """Min-max normalisation; the span is at least ``min_span`` so that a part
    that is nearly absent (no drums in a ballad) stays small instead of having
    its noise stretched to [0, 1]."""
    lo, hi = float(np.min(x)), float(np.max(x))
    span = max(hi - lo, min_span)
    if not math.isfinite(span) or span <= 1e-12 * max(1.0, abs(hi)):
        return np.zeros_like(x, dtype=np.float32)
    return ((x - lo) / span).astype(np.float32)


def _reduce(mel_power: np.ndarray, how: str) -> np.ndarray:
    return mel_power.max(axis=0) if how == "max" else mel_power.sum(axis=0)


def mel_filterbank(params: EnergyParams) -> np.ndarray:
    """librosa's default mel filterbank for ``params`` (vj.audio.mel, without librosa)."""
    from vj.audio.mel import mel_filters

    return mel_filters(params.sr, params.n_fft, params.n_mels)


def full_scale_power(params: EnergyParams) -> float:
    """Mel-band power of a full-scale 1 kHz sine: the 0 dB of the level settings."""
    n = params.n_fft
    t = np.arange(n) / params.sr
    window = np.hanning(n + 1)[:-1]
    spec = np.abs(np.fft.rfft(np.sin(2 * np.pi * 1000.0 * t) * window)) ** 2
    return float((mel_filterbank(params) @ spec).max())


#: STFT frames analysed at once by :func:`energy_reference` (about 47 s at the
#: defaults): its memory does not grow with the song beyond a few small per-frame
#: arrays, so an hour-long set analyses like a three-minute song.
CHUNK_FRAMES = 2048


def _separated_mel_power(y: np.ndarray, p: EnergyParams, chunk: int | None):
    """Per STFT frame (centred, zero-padded, as ``librosa.stft(center=True)``): the mel
    power of the percussive part, of the harmonic part and of the whole signal, and
    the RMS.  Computed ``chunk`` frames at a time with enough context on both sides
    for the harmonic median, so the result equals the whole-song computation."""
    import librosa

    n = 1 + len(y) // p.hop
    chunk = n if not chunk else int(chunk)
    ctx = p.kernel_harmonic // 2
    mel = mel_filterbank(p)
    padded = np.pad(y, p.n_fft // 2)
    perc = np.empty(n, np.float32)
    harm = np.empty(n, np.float32)
    whole = np.empty((mel.shape[0], n), np.float32)
    rms = np.empty(n, np.float32)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        lo, hi = max(0, a - ctx), min(n, b + ctx)
        seg = padded[lo * p.hop:(hi - 1) * p.hop + p.n_fft]
        D = librosa.stft(seg, n_fft=p.n_fft, hop_length=p.hop, center=False)
        D_h, D_p = librosa.decompose.hpss(D, kernel_size=(p.kernel_harmonic,
                                                          p.kernel_percussive), margin=p.margin)
        keep = slice(a - lo, b - lo)
        perc[a:b] = _reduce(mel @ (np.abs(D_p[:, keep]) ** 2), p.reduce)
        harm[a:b] = _reduce(mel @ (np.abs(D_h[:, keep]) ** 2), p.reduce)
        whole[:, a:b] = mel @ (np.abs(D[:, keep]) ** 2)
        frames = librosa.util.frame(padded[a * p.hop:(b - 1) * p.hop + p.n_fft],
                                    frame_length=p.n_fft, hop_length=p.hop)
        rms[a:b] = np.sqrt(np.mean(np.abs(frames) ** 2, axis=0))
    return perc, harm, whole, rms


def energy_reference(y: np.ndarray, params: EnergyParams | None = None, *,
                     chunk_frames: int | None = CHUNK_FRAMES) -> EnergyCurve:
    """The offline energy vector of a mono signal at ``params.sr``.

    Parameters
    ----------
    y : np.ndarray
        Mono audio, float, at ``params.sr``.
    params : EnergyParams, optional
        Analysis settings; the defaults follow the method.
    chunk_frames : int or None
        STFT frames separated at once (None: the whole song in one piece; the
        result is the same, the memory is not).

    Returns
    -------
    EnergyCurve
        Percussive, harmonic and combined energy in [0, 1] and the normalised
        onset strength, one value per hop.

    Examples
    --------
    >>> import numpy as np
    >>> from vj.audio.synth import click_train
    >>> y, clicks = click_train(sr=22050, duration=4.0)
    >>> curve = energy_reference(y)
    >>> float(curve.percussive.max())
    1.0
    """
    import librosa

    p = params or EnergyParams()
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ParameterError(f"y: expected a mono signal (1-D), got shape {y.shape}")
    if len(y) == 0:
        raise ParameterError("y: the signal is empty")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y: the signal contains NaN or infinite samples")

    perc, harm, whole, rms = _separated_mel_power(y, p, chunk_frames)
    silent = 20 * np.log10(np.maximum(rms, 1e-12)) < p.silence_db
    perc[silent] = 0.0
    harm[silent] = 0.0

    floor = full_scale_power(p) * 10 ** (p.peak_floor_db / 10)
    P, H = _minmax(perc, floor), _minmax(harm, floor)
    wp, wh = p.weights
    E = (wp * P + wh * H).astype(np.float32)

    # center=False: frame k holds the flux from frame k-1 to k, like the streaming engine.
    onset = librosa.onset.onset_strength(
        S=librosa.power_to_db(whole), sr=p.sr, hop_length=p.hop, center=False)
    onset[silent[: len(onset)]] = 0.0
    times = librosa.frames_to_time(np.arange(len(E)), sr=p.sr, hop_length=p.hop)
    return EnergyCurve(times, P, H, E, _minmax(onset), p, perc.astype(np.float32),
                       harm.astype(np.float32))
