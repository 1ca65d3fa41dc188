"""The Audio-Visual Synchrony score (docs/avs.md).

``AVS = consistency x motion``:

* audio events: beats tracked on the onset-strength envelope, kept where the
  min-max normalised onset strength exceeds ``beat_strength`` (0.40);
* visual events: frames where the fraction of pixel values that changed by
  more than ``tolerance`` exceeds ``change_threshold``, at least ``min_gap``
  seconds after the previous event;
* consistency ``1 / (1 + D / L)``: D the DTW distance (absolute time
  difference) between the two event sequences and L the length of the warping
  path, i.e. one over one plus the mean offset in seconds; 0 if either is empty;
* motion ``1 - exp(-mean|slope| / slope_scale)``: the slopes of lines fitted
  to the frame-difference curve between consecutive visual events (video start
  and end included), near 0 for a static or barely moving video.

Everything here is pure computation on arrays; reading audio and video files is in
:mod:`vj.metrics.avs_files`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vj.errors import ParameterError
from vj.metrics.dtw import dtw

#: The method's visual event: 225,000 changed values of a 768x768x3 frame.
PAPER_CHANGE_THRESHOLD = 225_000 / (768 * 768 * 3)
#: A just-noticeable change of a picture, in levels (0..255) of mean absolute difference.
JND_LEVELS = 1.0


@dataclass(frozen=True)
class AVSParams:
    #: Beats whose normalised onset strength is below this are not events (the paper's 0.40).
    beat_strength: float = 0.40
    #: "peaks": visual events are peaks of the mean-absolute-difference curve above its
    #: local baseline (vj's default); "threshold": the method's changed-fraction threshold.
    events: str = "peaks"
    #: threshold: a value (0..255) counts as changed when it moves by more than this.
    tolerance: int = 0
    #: threshold: the fraction of changed values that makes a visual event.
    change_threshold: float = PAPER_CHANGE_THRESHOLD
    #: Minimum time between two visual events, seconds (the method's 1.0 s; peaks: 0.2 s,
    #: five events a second at most).
    min_gap: float = 0.2
    #: peaks: the local baseline is the running median over this many seconds.
    baseline: float = 1.0
    #: peaks: a peak must rise this many robust noise scales (MAD) above the baseline ...
    peak_noise: float = 4.0
    #: ... and at least this many levels (a quarter of a just-noticeable change).
    peak_floor: float = 0.25
    #: Scale of the motion term (curve units per second); None: from the video itself,
    #: max(mean of the curve, one just-noticeable change) per beat period.
    slope_scale: float | None = None
    #: DTW: events further apart than this (s) are never matched.
    window: float = 10.0
    #: Analysis rate for the audio events.
    sr: int = 22050
    hop: int = 512

    @classmethod
    def paper(cls, **changes) -> "AVSParams":
        """The method's exact definition: any changed value (tolerance 0), 225,000
        changed values of a 768x768x3 frame, events at least 1 s apart."""
        return cls(**{"events": "threshold", "tolerance": 0, "min_gap": 1.0,
                      "change_threshold": PAPER_CHANGE_THRESHOLD, **changes})

    def __post_init__(self) -> None:
        checks = [("beat_strength", 0 <= self.beat_strength <= 1),
                  ("events", self.events in ("peaks", "threshold")),
                  ("tolerance", 0 <= self.tolerance < 255),
                  ("change_threshold", 0 < self.change_threshold <= 1),
                  ("min_gap", self.min_gap >= 0), ("baseline", self.baseline > 0),
                  ("peak_noise", self.peak_noise >= 0), ("peak_floor", self.peak_floor >= 0),
                  ("slope_scale", self.slope_scale is None or self.slope_scale > 0),
                  ("window", self.window > 0)]
        for name, ok in checks:
            if not ok:
                raise ParameterError(f"{name}={getattr(self, name)!r} is out of range")

    @property
    def curve(self) -> str:
        """What the frame-difference curve measures: "mean" (mean absolute difference,
        levels) or "fraction" (share of values changed by more than ``tolerance``)."""
        return "mean" if self.events == "peaks" else "fraction"


@dataclass(frozen=True)
class AVSResult:
    avs: float
    consistency: float
    motion: float
    mean_offset: float           # seconds (D / L); inf when a sequence is empty
    mean_abs_slope: float
    audio_events: np.ndarray
    visual_events: np.ndarray
    path: list = field(default_factory=list)  # DTW alignment (i, j)

    def summary(self) -> str:
        off = "n/a" if not math.isfinite(self.mean_offset) else f"{self.mean_offset:.3f} s"
        return (f"AVS {self.avs:.3f} (consistency {self.consistency:.3f} x motion "
                f"{self.motion:.3f}); without the motion term {self.consistency:.3f}; "
                f"{len(self.audio_events)} audio events, {len(self.visual_events)} visual "
                f"events, mean offset {off}")


# -- audio events -----------------------------------------------------------------------------

#: Onset strength is computed a minute at a time (the spectrogram of a three-hour
#: recording would need gigabytes).
ONSET_CHUNK_SECONDS = 60.0


def onset_envelope(y: np.ndarray, params: AVSParams) -> tuple[np.ndarray, np.ndarray]:
    """librosa's onset strength (times, values), computed in overlapping chunks."""
    import librosa

    hop, sr = params.hop, params.sr
    step = int(ONSET_CHUNK_SECONDS * sr) // hop * hop
    pad = 8 * hop                                    # more than n_fft (2048) each side
    n_frames = 1 + len(y) // hop
    env = np.zeros(n_frames, np.float32)
    for s0 in range(0, len(y), step):
        a = max(0, s0 - pad)
        chunk = y[a:min(len(y), s0 + step + pad)]
        e = librosa.onset.onset_strength(y=chunk, sr=sr, hop_length=hop)
        f0 = s0 // hop                               # first global frame this chunk owns
        skip = (s0 - a) // hop
        own = e[skip:skip + step // hop]
        env[f0:f0 + len(own)] = own[: n_frames - f0]
    times = librosa.frames_to_time(np.arange(n_frames), sr=sr, hop_length=hop)
    return times, env


def audio_events(y: np.ndarray, params: AVSParams | None = None) -> np.ndarray:
    """Times (s) of the tracked beats whose normalised onset strength exceeds the threshold."""
    p = params or AVSParams()
    if len(y) < p.hop * 4 or not np.any(np.abs(y) > 1e-6):
        return np.zeros(0)
    return beat_events(*onset_envelope(y, p), p)


def beat_events(times: np.ndarray, env: np.ndarray, p: AVSParams) -> np.ndarray:
    """The audio events of an onset envelope: tracked beats above ``beat_strength``.
    On envelopes longer than a minute the tempo is the median of per-minute estimates
    (librosa's tempogram of a whole three-hour envelope would need gigabytes)."""
    import librosa

    if len(env) < 5 or float(env.max() - env.min()) <= 0:
        return np.zeros(0)
    per = int(ONSET_CHUNK_SECONDS * p.sr) // p.hop
    kw = {}
    if len(env) > per:
        tempos = [float(librosa.feature.tempo(onset_envelope=env[i:i + per], sr=p.sr,
                                              hop_length=p.hop)[0])
                  for i in range(0, len(env) - per // 2, per)]
        kw["bpm"] = float(np.median(tempos))
    _, beats = librosa.beat.beat_track(onset_envelope=env, sr=p.sr, hop_length=p.hop, **kw)
    beats = np.asarray(beats, dtype=int)
    norm = (env - env.min()) / (env.max() - env.min())
    return times[beats[norm[beats] > p.beat_strength]]


# -- visual events ------------------------------------------------------------------------------

def changed_fraction(a: np.ndarray, b: np.ndarray, tolerance: int) -> float:
    """Fraction of pixel values (uint8) that differ by more than ``tolerance``."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(np.count_nonzero(d > tolerance)) / d.size


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 frames, in levels (0..255)."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def visual_events(diff: np.ndarray, fps: float, params: AVSParams | None = None) -> np.ndarray:
    """Event times from the frame-difference curve; ``diff[i]`` compares frames i and i+1
    and is timed at frame i+1."""
    p = params or AVSParams()
    if p.events == "peaks":
        return peak_events(diff, fps, p)
    events: list[float] = []
    for i, d in enumerate(diff):
        t = (i + 1) / fps
        if d > p.change_threshold and (not events or t - events[-1] >= p.min_gap):
            events.append(t)
    return np.asarray(events)


def peak_events(diff: np.ndarray, fps: float, p: AVSParams) -> np.ndarray:
    """Peaks of the curve above its local baseline (running median over ``baseline``
    seconds): a steady crossfade raises the baseline, not the peaks, and codec noise
    stays under ``peak_noise`` robust noise scales, while a small hit in a subtle
    video still stands out of its own baseline."""
    from scipy.ndimage import median_filter
    from scipy.signal import find_peaks

    d = np.asarray(diff, float)
    if len(d) < 3:
        return np.zeros(0)
    w = max(3, int(round(p.baseline * fps)) | 1)
    excess = d - median_filter(d, size=w, mode="nearest")
    noise = 1.4826 * float(np.median(np.abs(excess - np.median(excess))))
    height = max(p.peak_noise * noise, p.peak_floor)
    peaks, _ = find_peaks(excess, height=height, distance=max(1, int(round(p.min_gap * fps))))
    return (peaks + 1) / fps


def mean_abs_slope(diff: np.ndarray, fps: float, events: np.ndarray) -> float:
    """Mean |slope| (fraction per second) of lines fitted to the difference curve between
    consecutive events, with the start and the end of the video as outer bounds."""
    if len(diff) < 2:
        return 0.0
    t = (np.arange(len(diff)) + 1) / fps
    bounds = np.concatenate([[t[0]], events, [t[-1] + 1e-9]])
    slopes = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        m = (t >= a) & (t < b)
        if m.sum() >= 2:
            slopes.append(abs(np.polyfit(t[m], diff[m], 1)[0]))
    return float(np.mean(slopes)) if slopes else 0.0


# -- alignment ----------------------------------------------------------------------------------

def motion_scale(diff: np.ndarray, audio_ev: np.ndarray, p: AVSParams) -> float:
    """The motion term's scale from the video itself: the curve's own mean level (at
    least one just-noticeable change) per beat period of the music."""
    if p.slope_scale is not None:
        return p.slope_scale
    floor = JND_LEVELS if p.curve == "mean" else 0.01
    level = max(float(np.mean(diff)) if len(diff) else 0.0, floor)
    period = float(np.median(np.diff(audio_ev))) if len(audio_ev) >= 2 else 0.5
    return level / max(period, 1e-3)


def score(audio_ev: np.ndarray, visual_ev: np.ndarray, diff: np.ndarray, fps: float,
          params: AVSParams | None = None) -> AVSResult:
    p = params or AVSParams()
    slope = mean_abs_slope(diff, fps, visual_ev)
    motion = 1.0 - math.exp(-slope / motion_scale(diff, audio_ev, p))
    if len(audio_ev) == 0 or len(visual_ev) == 0:
        return AVSResult(0.0, 0.0, motion, math.inf, slope, audio_ev, visual_ev, [])
    D, path = dtw(audio_ev, visual_ev, p.window)
    offset = D / len(path)
    consistency = 1.0 / (1.0 + offset)
    return AVSResult(consistency * motion, consistency, motion, offset, slope, audio_ev,
                     visual_ev, path)
