"""`vj bench ...`: speed measurements that print numbers (no timed tests)."""
from __future__ import annotations

import time

import numpy as np

from vj.audio.energy import EnergyParams
from vj.audio.streaming import StreamingEnergy
from vj.audio.synth import drum_and_chords
from vj.bench.machine import machine, one_core, peak_rss_mb  # noqa: F401  (public here)


def bench_audio(*, seconds: float = 60.0, params: EnergyParams | None = None) -> dict:
    """Run the streaming engine (the live settings unless ``params``) over ``seconds`` of a
    synthetic mix, one block at a time."""
    from vj.audio.streaming import LIVE_PARAMS

    p = params or LIVE_PARAMS
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


def bench_keyframe(*, sizes=(512, 768), device: str = "auto", steps: int = 50,
                   prior_steps: int = 25, repeats: int = 2, tiny: bool = False) -> list[dict]:
    """Time one keyframe (prior mix + decoder to latent + one MoVQ decode) per size,
    with the real architecture and random weights (or the tiny one for tests)."""
    import tempfile

    import torch

    from vj.generate.artwork import artwork
    from vj.generate.kandinsky import Kandinsky, ModelSource
    from vj.runtime.device import pick_device

    device, dtype = pick_device(device)
    with tempfile.TemporaryDirectory() as tmp:
        if tiny:
            from vj.generate.tiny import save_tiny_kandinsky

            model = Kandinsky.load(ModelSource.resolve(str(save_tiny_kandinsky(tmp))), device)
        else:
            from vj.generate.architecture import pipelines

            prior, decoder = pipelines(device, dtype, tmp)
            model = Kandinsky(prior, decoder, device, dtype, ModelSource("random", "random"))
    art = artwork(0, 512)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    rows = []
    for size in sizes:
        times = []
        for r in range(repeats + 1):  # the first run warms up (cuDNN, allocator)
            sync()
            t = time.perf_counter()
            emb, neg = model.mix([art], "a test style", image_weight=0.7, text_weight=0.3,
                                 seed=r, steps=prior_steps)
            sync()
            t_prior = time.perf_counter() - t
            z = model.latent(emb, neg, size=size, seed=r, steps=steps)
            model.decode_images(z)
            sync()
            if r:
                times.append((time.perf_counter() - t, t_prior))
        total = float(np.median([a for a, _ in times]))
        prior_s = float(np.median([b for _, b in times]))
        rows.append({"size": size, "seconds": total, "prior_seconds": prior_s,
                     "device": torch.cuda.get_device_name() if device.startswith("cuda") else
                     machine(), "dtype": str(dtype).replace("torch.", ""), "steps": steps,
                     "prior_steps": prior_steps, "latent": list(z.shape[1:])})
    return rows


def write_song(path, seconds: float, *, sr: int = 44100, piece: float = 60.0) -> None:
    """A synthetic drum-and-chord song of ``seconds``, written a minute at a time (the
    same minute repeated), so that making a long song does not count in the peak
    memory of the benchmark that records it."""
    import soundfile as sf

    y = drum_and_chords(sr=sr, duration=min(seconds, piece)).astype(np.float32)
    left = int(round(seconds * sr))
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        while left > 0:
            f.write(y[:left])
            left -= min(left, len(y))


def bench_record(*, seconds: float = 60.0, size: int = 512, fps: int = 30,
                 keyframes: int = 8, model: str = "image", decoder: str = "auto",
                 device: str = "auto", batch: int | None = None) -> dict:
    """Record a synthetic song of ``seconds``; real time factor and peak memory of the
    whole process.  ``model``: see :func:`bench_bank` (``real``: the speed of a real
    model bank, no weights needed)."""
    import tempfile
    from pathlib import Path

    from vj.record.render import record

    with tempfile.TemporaryDirectory(prefix="vj-bench-") as tmp:
        song = Path(tmp) / "song.wav"
        write_song(song, seconds)
        bank = bench_bank(tmp, model=model, size=size, keyframes=keyframes)
        t = time.perf_counter()
        res = record(str(song), str(bank), str(Path(tmp) / "out.mp4"), fps=fps, size=size,
                     decoder=decoder, device=device, batch=batch, progress=False)
        wall = time.perf_counter() - t
    from vj.runtime.device import pick_device

    what = "image mode" if model == "image" else (
        f"{model} MoVQ architecture, random weights, decoder {res.decoder} on "
        f"{pick_device(device)[0]}, batch {res.batch}")
    return {"seconds": seconds, "wall": wall, "realtime_factor": seconds / wall,
            "prepare_s": res.prepare_s,
            "realtime_factor_prepared": seconds / max(wall - res.prepare_s, 1e-9),
            "fps": res.frames / wall, "frames": res.frames, "size": size,
            "peak_rss_mb": peak_rss_mb(), "what": what}


def bench_tagger(*, model: str = "MTT_musicnn", runs: int = 50) -> dict:
    """Tag one 3-second window (log-mel + network) on one core."""
    from vj.audio.synth import drum_and_chords
    from vj.understand.musicnn import SR, Tagger, log_mel, windows

    y = drum_and_chords(sr=SR, duration=3.2)[: 3 * SR]
    out = {}
    for backend in ("onnx", "torch"):
        t = Tagger(model, backend=backend, threads=1)
        for _ in range(5):
            t.tag_mel(windows(log_mel(y))[:1])
        costs = []
        for _ in range(runs):
            s = time.perf_counter()
            t.tag_mel(windows(log_mel(y))[:1])
            costs.append(time.perf_counter() - s)
        out[backend] = float(np.median(costs) * 1000)
        out[backend + "_p99"] = float(np.percentile(costs, 99) * 1000)
    return out


def bench_bank(folder, *, model: str = "image", size: int = 512, keyframes: int = 4):
    """A bank in ``folder``/bank for the benchmarks: ``image`` (procedural pictures), or
    random latents whose model is a MoVQ of random weights saved beside it: the ``real``
    Kandinsky 2.2 architecture or the ``tiny`` test one."""
    from pathlib import Path

    from vj.bank import Bank, make_manifest, save_bank

    if model not in ("image", "real", "tiny"):
        raise ValueError(f"model={model!r}: image, real or tiny")
    folder = Path(folder)
    if model == "image":
        from vj.generate.artwork import write_artworks
        from vj.generate.images import image_bank

        paths = write_artworks(folder / "art", keyframes, size)
        return save_bank(image_bank(paths, size=size), folder / "bank")
    import torch

    from vj.bench.decode import movq_for_bench

    movq, factor = movq_for_bench(tiny=model == "tiny")
    movq.save_pretrained(folder / "model" / "movq")
    h = size // factor
    z = torch.randn((keyframes, 4, h, h), generator=torch.Generator().manual_seed(0)).numpy()
    manifest = make_manifest("latent", z, width=size, height=size, model={
        "decoder": {"source": str(folder / "model")}, "weights": "random"})
    return save_bank(Bank("latent", z, manifest), folder / "bank")
