"""Offline render of a song to a video file (``vj record``, and the demo).

The same driver as the show runs on a fixed time step of 1/fps with no wall
clock, so the same inputs always give the same frames.  Frames go through the
same decoder and shaders as the live show, on the headless EGL target, and
stream to the encoder (on its own thread), so memory stays flat.
"""
from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vj.audio.energy import EnergyParams, energy_reference
from vj.audio.sources import FileSource
from vj.audio.streaming import LIVE_PARAMS, StreamingEnergy
from vj.bank import Bank, load_bank
from vj.errors import ParameterError
from vj.motion.accent import ACCENT, accented, hit_accent
from vj.motion.drivers import (
    SEGMENT_SECONDS,
    OnlineDriver,
    energy_positions,
    linear_positions,
)
from vj.motion.segments import parse_segment, segment_bounds
from vj.record.prefetch import prefetch
from vj.record.video import VideoWriter, check_output

INTERPOLATIONS = ("energy", "linear", "online")
#: Frames decoded per call by `vj record` for model banks: one at a time.  On an H200
#: (2026-12-04, docs/benchmarks.md) batch 8 recorded at 1.77x real time against 3.33x
#: for batch 1 once prepared, and compiled for 35 s against 7 s; ``--batch N`` asks
#: for more.
RECORD_BATCH = {"cuda": 1, "cpu": 1}
#: Frames per chunk handed from the decode thread to the draw loop for image banks.
IMAGE_CHUNK = 8
#: Chunks decoded ahead of the one being drawn and encoded.
PREFETCH_DEPTH = 2


@dataclass(frozen=True)
class RecordResult:
    path: Path
    frames: int
    fps: int
    duration: float
    width: int
    height: int
    decoder: str = ""   # the decoder that made the pictures
    batch: int = 1      # frames per decoder call
    prepare_s: float = 0.0  # opening the frame source: loading, exporting, compiling
    refined: int = 0        # frames refined (--refine; the others had strength 0)


def frame_times(duration: float, fps: int) -> np.ndarray:
    """Start times of the video frames covering ``duration`` seconds."""
    return np.arange(int(round(duration * fps))) / fps


def positions(source: FileSource, times: np.ndarray, *, interp: str = "energy",
              segment: str | float = SEGMENT_SECONDS, params: EnergyParams | None = None,
              curve=None) -> tuple[np.ndarray, np.ndarray]:
    """Keyframe index and fraction for each time, by the chosen driver (``curve``: the
    song's offline energy, when the caller has it already)."""
    if interp not in INTERPOLATIONS:
        raise ParameterError(f"interp={interp!r}: must be one of {', '.join(INTERPOLATIONS)}")
    params = params or EnergyParams()
    bounds = segment_bounds(source.samples, source.sr, segment)
    # sections are scene cuts: each starts on a keyframe of its own (k -> 2k), so the
    # picture cuts where the music changes instead of flowing on
    step = 2 if parse_segment(segment)[0] == "sections" else 1
    if interp == "linear":
        k, s = linear_positions(times, bounds)
        return step * k, s
    if interp == "energy":
        if curve is None or curve.params != params:
            curve = energy_reference(source.samples, params)
        k, s = energy_positions(times, curve, bounds)
        return step * k, s
    # online: the live engine (at the live settings) and driver, on the video clock
    curve = StreamingEnergy(LIVE_PARAMS).run(source.samples).at(times)
    drv = OnlineDriver(segment=float(np.mean(np.diff(bounds))))
    k = np.zeros(len(times), np.int64)
    s = np.zeros(len(times))
    prev = 0.0
    for i, t in enumerate(times):
        k[i], s[i] = drv.step(t - prev, float(curve.energy[i]))
        prev = t
    return k, s


def onset_per_frame(curve, times: np.ndarray, fps: int) -> np.ndarray:
    """The strongest onset inside each frame's interval, so no hit falls between frames."""
    idx = np.searchsorted(curve.times, times, side="right")
    lo = np.searchsorted(curve.times, times - 1.0 / fps, side="right")
    out = np.zeros(len(times), np.float32)
    for i, (a, b) in enumerate(zip(lo, idx)):
        if b > a:
            out[i] = float(curve.onset[a:b].max())
    return out


def decoded_chunks(frames, ks: np.ndarray, ss: np.ndarray, chunk: int, batched: bool):
    """The video's pictures in order, as uint8 ``[n, H, W, 3]`` arrays of ``chunk`` frames
    (the last may be shorter): one decoder call per chunk when ``batched``."""
    for i in range(0, len(ks), chunk):
        stop = min(i + chunk, len(ks))
        if batched:
            yield frames.batch(ks[i:stop], ss[i:stop])
            continue
        first = frames.frame(int(ks[i]), float(ss[i]))
        out = np.empty((stop - i, *first.shape), first.dtype)
        out[0] = first  # frame() reuses its buffer: copy before the next call
        for j in range(i + 1, stop):
            out[j - i] = frames.frame(int(ks[j]), float(ss[j]))
        yield out


def record(song: str, bank: str | Bank, out: str, *, fps: int = 30,
           size: int | tuple[int, int] | None = None, fit: str = "auto",
           interp: str = "energy", segment: str | float = SEGMENT_SECONDS, start: float = 0.0,
           duration: float | None = None, fx: str | None = None, decoder: str = "auto",
           device: str = "auto", batch: int | None = None, accent: float | None = None,
           refine: str | None = None, refine_steps: int = 1,
           progress: bool = True) -> RecordResult:
    """Render ``song`` through ``bank`` to ``out`` (H.264 + AAC) with the show's shaders
    on the headless target, on a fixed time step of 1/fps; ``size``: the video's (N or
    (W, H); default the bank's), the picture placed by ``fit`` as in the show.
    ``accent``: the hit accent (:mod:`vj.motion.accent`; default 0.2 for the energy and
    online drivers, 0 for the linear one, which ignores the music by definition).
    ``refine``: the live refinement's model (vj.refine), its strength from the song's
    percussive energy and onsets with the ``fx`` preset's [refine] (or the defaults):
    the same frames the live stage makes for the same positions and strengths.

    Decoding (and refining) runs on its own thread, a chunk or two ahead of drawing, and encoding on
    another, so the three overlap."""
    from vj.decode import open_frames
    from vj.render.fx import FxSettings, Uniforms, compute
    from vj.render.renderer import Renderer
    from vj.render.targets import HeadlessTarget

    if not 1 <= fps <= 240:
        raise ParameterError(f"fps={fps!r}: must be between 1 and 240")
    if isinstance(size, int):
        size = (size, size)
    if size is not None and not all(16 <= x <= 4096 for x in size):
        raise ParameterError(f"size={size!r}: must be between 16 and 4096")
    if size is not None and any(x % 2 for x in size):
        raise ParameterError(f"--size {size[0]}x{size[1]}: H.264 needs even sides")
    check_output(out)
    bank = bank if isinstance(bank, Bank) else load_bank(bank)
    fx_settings, intensity, refine_params = FxSettings(), 0.5, None
    if fx and fx.lower() != "none":
        from vj.presets import get_preset

        preset = get_preset(fx)
        fx_settings, intensity = FxSettings.from_dict(preset.fx), preset.motion.intensity
        refine_params = preset.refine
    source = FileSource(song, start=start, duration=duration)
    times = frame_times(source.duration, fps)
    if len(times) == 0:
        raise ParameterError(f"{song}: shorter than one video frame at {fps} fps")
    curve = energy_reference(source.samples, EnergyParams())
    ks, ss = positions(source, times, interp=interp, segment=segment, curve=curve)
    energy = curve.at(times).energy
    onset = onset_per_frame(curve, times, fps)
    if accent is None:
        accent = 0.0 if interp == "linear" else ACCENT
    if accent > 0:   # shown, not driven: the driver's positions stay the method's
        hits = onset if interp != "online" else onset_per_frame(
            StreamingEnergy(LIVE_PARAMS).run(source.samples), times, fps)
        ks, ss = accented(ks, ss, hit_accent(hits, fps, accent))
    if batch is None:  # decode several frames per call on a GPU (docs/benchmarks.md)
        from vj.runtime.device import pick_device

        batch = RECORD_BATCH["cuda" if pick_device(device)[0].startswith("cuda") else "cpu"]
    if batch < 1:
        raise ParameterError(f"batch={batch!r}: must be at least 1")
    batched = bank.mode == "latent" and batch > 1
    opened = time.perf_counter()
    frames = open_frames(bank, decoder, device, batch=batch if batched else 1)
    opened = time.perf_counter() - opened
    chunk = batch if batched else IMAGE_CHUNK
    w, h = frames.size
    refiner = strengths = None
    if refine:
        from vj.refine.models import load_refiner
        from vj.refine.stage import bank_prompts
        from vj.refine.strength import strength_curve

        refiner = load_refiner(refine, device, steps=refine_steps)
        refiner.prepare_bank("bank", bank_prompts(bank, _style_of(bank, fx)))
        strengths = strength_curve(refine_params, curve.at(times).percussive, onset)
    out_size = tuple(size) if size else (w, h)
    target = HeadlessTarget(out_size)
    try:
        renderer = Renderer(target.ctx, (w, h), out_size)
        renderer.fit = fit
        u = Uniforms()
        bar = _progress(len(times), progress)
        with VideoWriter(out, *out_size, fps, song=song, start=start,
                         duration=source.duration) as vw:
            i = 0
            def pictures():
                for j, images in enumerate(decoded_chunks(frames, ks, ss, chunk, batched)):
                    if refiner is not None:
                        a = j * chunk
                        b = a + len(images)
                        images = refiner.refine(images, "bank", ks[a:b], ss[a:b], strengths[a:b])
                    yield images

            with closing(prefetch(pictures, PREFETCH_DEPTH, name="vj-record-decode")) as chunks:
                for images in chunks:
                    for img in images:
                        renderer.upload(img)
                        compute(u, fx_settings, time=float(times[i]), onset=float(onset[i]),
                                energy=float(energy[i]), intensity=intensity, master=1.0,
                                blackout=False, crossfade=0.0, dt=1.0 / fps)
                        renderer.frame(u)
                        vw.write(renderer.read())
                        bar.update(1)
                        i += 1
        bar.close()
    finally:
        target.close()
    return RecordResult(Path(out), len(times), fps, len(times) / fps, *out_size,
                        decoder=frames.name, batch=chunk if batched else 1, prepare_s=opened,
                        refined=0 if strengths is None else int(np.count_nonzero(strengths > 0)))


def _style_of(bank: Bank, fx: str | None) -> str:
    """The style text an image bank is refined towards: its genre's, or the fx preset's."""
    from vj.errors import VjError
    from vj.presets import get_preset

    for name in (bank.manifest.get("genre"), fx, "electronic"):
        if name and name.lower() != "none":
            try:
                return get_preset(name).style_text()
            except VjError:
                continue
    return "abstract art"


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc="recording", disable=not enabled,
                dynamic_ncols=True, leave=False)
