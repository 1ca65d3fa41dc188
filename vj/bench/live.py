"""Benchmarks of the live show: impulse-to-photon latency and the soak (memory and frame
rate over a long show with OSC traffic).  Both run the real headless show."""
from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from vj.bench.machine import rss_mb


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


#: The desk traffic of the soak: one message a second, cycling through these.
SOAK_MESSAGES = [("/vj/preset", "techno"), ("/vj/intensity", 0.8), ("/vj/cut", None),
                 ("/vj/preset", "classical"), ("/vj/speed", 0.6), ("/vj/hud", 1),
                 ("/vj/blackout", 1), ("/vj/blackout", 0), ("/vj/hud", 0),
                 ("/vj/intensity", 0.5)]


def bench_soak(*, minutes: float = 10.0, size: int = 256, model: str = "image",
               osc_port: int = 7400, sample_every: float = 10.0, progress=None) -> dict:
    """A headless show of ``minutes`` on a looping song with one OSC message a second;
    resident memory is sampled every ``sample_every`` seconds."""
    from pythonosc.udp_client import SimpleUDPClient

    from vj.bench.common import bench_bank, write_song
    from vj.live.show import Show, ShowConfig

    samples: list[tuple[float, float]] = []
    done = threading.Event()
    with tempfile.TemporaryDirectory(prefix="vj-soak-") as tmp:
        song = Path(tmp) / "song.wav"
        write_song(song, 60.0)
        bank = bench_bank(tmp, model=model, size=size)
        cfg = ShowConfig(banks=[str(bank)], audio_file=str(song), headless=True,
                         size=(size, size), osc_host="127.0.0.1", osc_port=osc_port,
                         loop_audio=True, duration=minutes * 60.0, preset="techno")
        show = Show(cfg)

        def desk() -> None:
            client = SimpleUDPClient("127.0.0.1", osc_port)
            t0, i = time.perf_counter(), 0
            next_sample = t0
            while not done.wait(1.0):
                addr, value = SOAK_MESSAGES[i % len(SOAK_MESSAGES)]
                client.send_message(addr, [] if value is None else value)
                i += 1
                now = time.perf_counter()
                if now >= next_sample:
                    samples.append((now - t0, rss_mb()))
                    next_sample += sample_every
                    if progress:
                        progress(now - t0, samples[-1][1])

        th = threading.Thread(target=desk, name="vj-soak-desk", daemon=True)
        th.start()
        try:
            summary = show.run()
        finally:
            done.set()
            th.join(timeout=2.0)
    t = np.array([s[0] for s in samples])
    m = np.array([s[1] for s in samples])

    def at(minute: float) -> float:
        i = int(np.argmin(np.abs(t - minute * 60.0)))
        return float(m[i])

    late = min(10.0, minutes)
    return {"minutes": minutes, "fps": summary.fps, "drops": summary.drops,
            "frame_ms_p99": summary.frame_ms_p99, "longest_ms": summary.longest_ms,
            "osc_packets": summary.osc_packets, "faults": summary.faults,
            "rss_start_mb": float(m[0]), "rss_min2_mb": at(2.0), "rss_late_mb": at(late),
            "late_minute": late, "growth_2_to_late_mb": at(late) - at(2.0),
            "rss_end_mb": float(m[-1]), "growth_2_to_end_mb": float(m[-1]) - at(2.0),
            "samples": samples, "summary": summary.text()}
