"""Offline render of a song to a video file (``vj record``, and the demo).

The same driver as the show runs on a fixed time step of 1/fps with no wall
clock, so the same inputs always give the same frames.  This first version
draws image-mode banks in pixel space; the GL shader path and model decoders
plug in at :func:`render_frames`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vj.audio.energy import EnergyParams, StreamingEnergy, energy_reference
from vj.audio.sources import FileSource
from vj.bank import Bank, load_bank
from vj.decode.image import ImageDecoder
from vj.errors import BankError, ParameterError
from vj.motion.drivers import (OnlineDriver, SEGMENT_SECONDS, energy_positions, fixed_segments,
                               linear_positions)
from vj.video import VideoWriter, check_output

INTERPOLATIONS = ("energy", "linear", "online")


@dataclass(frozen=True)
class RecordResult:
    path: Path
    frames: int
    fps: int
    duration: float
    width: int
    height: int


def frame_times(duration: float, fps: int) -> np.ndarray:
    """Start times of the video frames covering ``duration`` seconds."""
    return np.arange(int(round(duration * fps))) / fps


def parse_segment(spec: str | float) -> tuple[str, float]:
    """``10``, ``10s``, ``16beats`` or ``sections`` -> (kind, amount)."""
    import re

    if isinstance(spec, (int, float)):
        return "seconds", float(spec)
    s = str(spec).strip().lower()
    if s == "sections":
        return "sections", 0.0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|seconds?|b|beats?)?", s)
    if not m or float(m.group(1)) <= 0:
        raise ParameterError(f"--segment {spec!r}: use seconds (10 or 10s), beats (16beats) "
                             "or 'sections'")
    unit = m.group(2) or "s"
    if unit.startswith("b"):
        if float(m.group(1)) != int(float(m.group(1))):
            raise ParameterError(f"--segment {spec!r}: a whole number of beats")
        return "beats", float(m.group(1))
    return "seconds", float(m.group(1))


def segment_bounds(y: np.ndarray, sr: int, spec: str | float) -> np.ndarray:
    from vj.audio.rhythm import beats, sections
    from vj.motion.drivers import beat_segments

    kind, amount = parse_segment(spec)
    duration = len(y) / sr
    if kind == "seconds":
        return fixed_segments(duration, amount)
    if kind == "beats":
        _, beat_times = beats(y, sr)
        if len(beat_times) < 2:
            return fixed_segments(duration, SEGMENT_SECONDS)
        return beat_segments(beat_times, duration, int(amount))
    return sections(y, sr)


def positions(source: FileSource, times: np.ndarray, *, interp: str = "energy",
              segment: str | float = SEGMENT_SECONDS, params: EnergyParams | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Keyframe index and fraction for each time, by the chosen driver."""
    if interp not in INTERPOLATIONS:
        raise ParameterError(f"interp={interp!r}: must be one of {', '.join(INTERPOLATIONS)}")
    params = params or EnergyParams()
    bounds = segment_bounds(source.samples, source.sr, segment)
    if interp == "linear":
        return linear_positions(times, bounds)
    if interp == "energy":
        return energy_positions(times, energy_reference(source.samples, params), bounds)
    # online: the live engine and driver, stepped on the video clock
    curve = StreamingEnergy(params).run(source.samples).at(times)
    drv = OnlineDriver(segment=float(np.mean(np.diff(bounds))))
    k = np.zeros(len(times), np.int64)
    s = np.zeros(len(times))
    prev = 0.0
    for i, t in enumerate(times):
        k[i], s[i] = drv.step(t - prev, float(curve.energy[i]))
        prev = t
    return k, s


def resize_bank_images(bank: Bank, size: int | None) -> np.ndarray:
    from PIL import Image

    frames = bank.frames
    if size is None or (frames.shape[1], frames.shape[2]) == (size, size):
        return frames
    return np.stack([np.asarray(Image.fromarray(f).resize((size, size),
                                                          Image.Resampling.LANCZOS))
                     for f in frames])


def record(song: str, bank: str | Bank, out: str, *, fps: int = 30, size: int | None = None,
           interp: str = "energy", segment: str | float = SEGMENT_SECONDS, start: float = 0.0,
           duration: float | None = None, progress: bool = True) -> RecordResult:
    """Render ``song`` through ``bank`` to ``out`` (H.264 + AAC)."""
    if not 1 <= fps <= 240:
        raise ParameterError(f"fps={fps!r}: must be between 1 and 240")
    check_output(out)
    bank = bank if isinstance(bank, Bank) else load_bank(bank)
    if bank.mode != "image":
        raise BankError(f"{bank.path}: model banks need a model decoder; this build records "
                        "image banks (vj prepare --images)")
    source = FileSource(song, start=start, duration=duration)
    times = frame_times(source.duration, fps)
    if len(times) == 0:
        raise ParameterError(f"{song}: shorter than one video frame at {fps} fps")
    ks, ss = positions(source, times, interp=interp, segment=segment)
    decoder = ImageDecoder(resize_bank_images(bank, size))
    w, h = decoder.size
    bar = _progress(len(times), progress)
    with VideoWriter(out, w, h, fps, song=song, start=start, duration=source.duration) as vw:
        for k, s in zip(ks, ss):
            vw.write(decoder.frame(int(k), float(s)))
            bar.update(1)
    bar.close()
    return RecordResult(Path(out), len(times), fps, len(times) / fps, w, h)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc="recording", disable=not enabled,
                dynamic_ncols=True, leave=False)
