"""Benchmarks of the live show: impulse-to-photon latency (the soak is :mod:`.soak`).
It runs the real headless show."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def impulse_latencies(wall, change, impulse_walls, *, threshold: float = 0.5,
                      window: float = 0.2) -> list[float]:
    """Milliseconds from each impulse (wall time it was fed) to the first frame, swapped
    at or after it, that differs from the one before by more than ``threshold`` levels.
    Impulses less than ``window`` seconds before the end are skipped."""
    t, change = np.asarray(wall), np.asarray(change)
    out = []
    for c in impulse_walls:
        if c + window > t[-1]:
            continue
        after = np.nonzero((t >= c) & (change > threshold))[0]
        if len(after):
            out.append(float((t[after[0]] - c) * 1000))
    return out


def bench_latency(*, model: str = "image", size: int = 512, decoder: str = "auto",
                  device: str = "auto", seconds: float = 6.0, fps: float = 60.0) -> dict:
    """Impulse-to-photon latency of the headless show: a click track is played through
    the file input, and each click is timed to the first changed frame (readback)."""
    import soundfile as sf

    from vj.audio.synth import click_train
    from vj.bench.common import bench_bank
    from vj.live.show import Show, ShowConfig

    sr = 22050
    y, clicks = click_train(sr=sr, duration=seconds, bpm=120.0, offset=1.0)
    with tempfile.TemporaryDirectory(prefix="vj-bench-") as tmp:
        song = Path(tmp) / "clicks.wav"
        sf.write(song, y, sr)
        bank = bench_bank(tmp, model=model, size=size)
        cfg = ShowConfig(banks=[str(bank)], audio_file=str(song), headless=True,
                         size=(size, size), osc=False, preset="techno", fps=fps,
                         duration=seconds - 0.5, decoder=decoder, device=device)
        show = Show(cfg, probe=True)
        summary = show.run()
        walls = [show.feeder.wall_of(int(c * sr)) - show.t0 for c in clicks]
        lat = impulse_latencies(show.log.wall, show.log.change, walls)
    return {"latencies_ms": lat, "median_ms": float(np.median(lat)) if lat else float("nan"),
            "max_ms": float(max(lat)) if lat else float("nan"), "clicks": len(lat),
            "decoder": summary.decoder, "decode_ms_median": summary.decode_ms_median,
            "fps": summary.fps, "drops": summary.drops, "frames": summary.frames,
            "latency_ms_median": summary.latency_ms_median,
            "model": model, "size": size, "period_ms": 1000.0 / fps}
