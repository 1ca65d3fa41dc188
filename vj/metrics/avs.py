"""The Audio-Visual Synchrony score (DESIGN.md section 9; docs/avs.md).

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

Everything here is pure computation on arrays; reading videos is in
:func:`frame_differences` and :func:`analyze_video` at the end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vj.errors import ParameterError, VjError


@dataclass(frozen=True)
class AVSParams:
    #: Beats whose normalised onset strength is below this are not events (the paper's 0.40).
    beat_strength: float = 0.40
    #: A pixel value (0..255) counts as changed when it moves by more than this:
    #: it sits just above H.264 noise at CRF 18 (docs/avs.md); the method's code used 0.
    tolerance: int = 5
    #: Fraction of changed values that makes a visual event.  The method's code used an
    #: absolute 225,000 values at 768x768x3, i.e. 12.7 %.
    change_threshold: float = 0.127
    #: Minimum time between two visual events, seconds (the method's 1.0 s).
    min_gap: float = 1.0
    #: Scale of the motion term, in changed fraction per second (docs/avs.md).
    slope_scale: float = 0.02
    #: Analysis rate for the audio events.
    sr: int = 22050
    hop: int = 512

    def __post_init__(self) -> None:
        checks = [("beat_strength", 0 <= self.beat_strength <= 1),
                  ("tolerance", 0 <= self.tolerance < 255),
                  ("change_threshold", 0 < self.change_threshold <= 1),
                  ("min_gap", self.min_gap >= 0), ("slope_scale", self.slope_scale > 0)]
        for name, ok in checks:
            if not ok:
                raise ParameterError(f"{name}={getattr(self, name)!r} is out of range")


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

def onset_envelope(y: np.ndarray, params: AVSParams) -> tuple[np.ndarray, np.ndarray]:
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=params.sr, hop_length=params.hop)
    times = librosa.frames_to_time(np.arange(len(env)), sr=params.sr, hop_length=params.hop)
    return times, env


def audio_events(y: np.ndarray, params: AVSParams | None = None) -> np.ndarray:
    """Times (s) of the tracked beats whose normalised onset strength exceeds the threshold."""
    import librosa

    p = params or AVSParams()
    if len(y) < p.hop * 4 or not np.any(np.abs(y) > 1e-6):
        return np.zeros(0)
    times, env = onset_envelope(y, p)
    if float(env.max() - env.min()) <= 0:
        return np.zeros(0)
    _, beats = librosa.beat.beat_track(onset_envelope=env, sr=p.sr, hop_length=p.hop)
    beats = np.asarray(beats, dtype=int)
    norm = (env - env.min()) / (env.max() - env.min())
    return times[beats[norm[beats] > p.beat_strength]]


# -- visual events ------------------------------------------------------------------------------

def changed_fraction(a: np.ndarray, b: np.ndarray, tolerance: int) -> float:
    """Fraction of pixel values (uint8) that differ by more than ``tolerance``."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(np.count_nonzero(d > tolerance)) / d.size


def visual_events(diff: np.ndarray, fps: float, params: AVSParams | None = None) -> np.ndarray:
    """Event times from the frame-difference curve; ``diff[i]`` compares frames i and i+1
    and is timed at frame i+1."""
    p = params or AVSParams()
    events: list[float] = []
    for i, d in enumerate(diff):
        t = (i + 1) / fps
        if d > p.change_threshold and (not events or t - events[-1] >= p.min_gap):
            events.append(t)
    return np.asarray(events)


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

def dtw(a: np.ndarray, b: np.ndarray) -> tuple[float, list[tuple[int, int]]]:
    """Exact dynamic time warping of two 1-D sequences with |x - y| as the cost.

    FastDTW (the method's choice) approximates this; event sequences are short
    (hundreds), so the exact O(N M) version is cheap and never worse."""
    n, m = len(a), len(b)
    cost = np.abs(np.asarray(a, float)[:, None] - np.asarray(b, float)[None, :])
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        row, prev = acc[i], acc[i - 1]
        c = cost[i - 1]
        # diagonal and vertical moves vectorised; horizontal moves need a running pass
        best = np.minimum(prev[:-1], prev[1:]) + c
        for j in range(1, m + 1):
            v = best[j - 1]
            h = row[j - 1] + c[j - 1]
            row[j] = v if v < h else h
    # backtrack
    i, j, path = n, m, [(n - 1, m - 1)]
    while i > 1 or j > 1:
        options = [(acc[i - 1, j - 1], i - 1, j - 1), (acc[i - 1, j], i - 1, j),
                   (acc[i, j - 1], i, j - 1)]
        _, i, j = min((o for o in options if o[1] >= 1 and o[2] >= 1), key=lambda o: o[0])
        path.append((i - 1, j - 1))
    return float(acc[n, m]), path[::-1]


def score(audio_ev: np.ndarray, visual_ev: np.ndarray, diff: np.ndarray, fps: float,
          params: AVSParams | None = None) -> AVSResult:
    p = params or AVSParams()
    slope = mean_abs_slope(diff, fps, visual_ev)
    motion = 1.0 - math.exp(-slope / p.slope_scale)
    if len(audio_ev) == 0 or len(visual_ev) == 0:
        return AVSResult(0.0, 0.0, motion, math.inf, slope, audio_ev, visual_ev, [])
    D, path = dtw(audio_ev, visual_ev)
    offset = D / len(path)
    consistency = 1.0 / (1.0 + offset)
    return AVSResult(consistency * motion, consistency, motion, offset, slope, audio_ev,
                     visual_ev, path)


# -- videos ---------------------------------------------------------------------------------------

def frame_differences(path: str, params: AVSParams | None = None,
                      progress: bool = False) -> tuple[np.ndarray, float, int]:
    """Changed fraction between consecutive frames, decoding one frame at a time."""
    import av
    from tqdm import tqdm

    p = params or AVSParams()
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as e:
        raise VjError(f"{path}: not a readable video ({e})") from None
    with container:
        if not container.streams.video:
            raise VjError(f"{path}: the file has no video stream")
        vs = container.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 0) or 30.0
        total = vs.frames or None
        prev = None
        diffs = []
        n = 0
        try:
            for frame in tqdm(container.decode(vs), total=total, unit="frame", desc="reading",
                              disable=not progress, leave=False):
                cur = frame.to_ndarray(format="rgb24")
                if prev is not None:
                    diffs.append(changed_fraction(prev, cur, p.tolerance))
                prev = cur
                n += 1
        except av.FFmpegError as e:
            if n == 0:
                raise VjError(f"{path}: the video cannot be decoded ({e})") from None
    if n < 2:
        raise VjError(f"{path}: the video has {n} frame{'s' if n != 1 else ''}; AVS needs at "
                      "least two")
    return np.asarray(diffs), fps, n


def avs_of_video(path: str, audio: str | None = None, params: AVSParams | None = None,
                 progress: bool = False) -> AVSResult:
    """AVS of a video file; its own audio stream, or ``audio`` if given."""
    from vj.audio.sources import load
    from vj.errors import AudioError

    p = params or AVSParams()
    diff, fps, n = frame_differences(path, p, progress)
    try:
        y = load(audio or path, sr=p.sr)
    except AudioError as e:
        if audio is None and "no audio stream" in str(e):
            raise VjError(f"{path}: the video has no audio; give the song with --audio") from None
        raise
    y = y[: int(round(n / fps * p.sr))]
    return score(audio_events(y, p), visual_events(diff, fps, p), diff, fps, p)


def plot(result: AVSResult, y: np.ndarray, diff: np.ndarray, fps: float, path: str,
         params: AVSParams | None = None, title: str = "") -> None:
    """Onset strength with its events above the frame-difference curve with its events,
    and the DTW alignment between them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = params or AVSParams()
    times, env = onset_envelope(y, p)
    norm = (env - env.min()) / max(float(env.max() - env.min()), 1e-12)
    t = (np.arange(len(diff)) + 1) / fps
    fig, ax = plt.subplots(2, 1, figsize=(12, 6), sharex=True, constrained_layout=True)
    ax[0].plot(times, norm, lw=0.8, color="tab:blue", label="onset strength (normalised)")
    ax[0].axhline(p.beat_strength, color="tab:blue", ls=":", lw=0.8)
    ax[0].plot(result.audio_events, np.full(len(result.audio_events), 1.05), "v",
               color="tab:blue", label="audio events")
    ax[0].set_ylim(0, 1.15)
    ax[0].legend(loc="upper right", fontsize=8)
    ax[0].set_title(title or result.summary(), fontsize=9)
    ax[1].plot(t, diff, lw=0.8, color="tab:red", label="changed fraction")
    ax[1].axhline(p.change_threshold, color="tab:red", ls=":", lw=0.8)
    top = max(float(diff.max()) if len(diff) else 1.0, p.change_threshold) * 1.1
    ax[1].plot(result.visual_events, np.full(len(result.visual_events), top), "^",
               color="tab:red", label="visual events")
    for i, j in result.path:  # DTW alignment drawn across the two panels
        ax[1].annotate("", xy=(result.visual_events[j], top), xycoords="data",
                       xytext=(result.audio_events[i], 1.05), textcoords=ax[0].transData,
                       arrowprops=dict(arrowstyle="-", color="0.5", lw=0.5, alpha=0.6))
    ax[1].set_xlabel("time (s)")
    ax[1].legend(loc="upper right", fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
