"""`vj bench ...`: speed measurements that print numbers (no timed tests)."""
from __future__ import annotations

import os
import platform
import time

import numpy as np

from vj.audio.energy import EnergyParams, StreamingEnergy
from vj.audio.synth import drum_and_chords


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def one_core() -> str:
    """Pin this process to one CPU and its numeric libraries to one thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def bench_audio(*, seconds: float = 60.0, params: EnergyParams | None = None) -> dict:
    """Run the streaming engine over ``seconds`` of a synthetic mix, one block at a time."""
    p = params or EnergyParams()
    y = drum_and_chords(sr=p.sr, duration=seconds)
    eng = StreamingEnergy(p)
    hop = p.hop
    n = len(y) // hop
    blocks = [y[i * hop:(i + 1) * hop] for i in range(n)]
    for b in blocks[:200]:  # warm-up (also fills the harmonic history)
        eng.process(b)
    eng.reset()
    costs = np.zeros(n)
    clock = time.perf_counter
    t0 = clock()
    for i, b in enumerate(blocks):
        t = clock()
        eng.process(b)
        costs[i] = clock() - t
    total = clock() - t0
    audio = n * hop / p.sr
    return {"audio_seconds": audio, "wall_seconds": total, "realtime_factor": audio / total,
            "block_samples": hop, "block_ms": 1000 * hop / p.sr,
            "block_us_median": float(np.median(costs) * 1e6),
            "block_us_p99": float(np.percentile(costs, 99) * 1e6)}
