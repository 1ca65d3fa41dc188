"""`vj bench refine`: the refine stage (vj.refine) per frame, in parts (encode, UNet
step, decode), whole, and with the MoVQ decode before it, per backend and size.  The
real architectures (SD-Turbo's UNet, TAESD) with random weights, or the tiny ones."""
from __future__ import annotations

import time

import numpy as np

from vj.bench.machine import machine

#: SD-Turbo's UNet (the SD 2.1 architecture at 512 px), for timing with random weights
SD_TURBO_UNET = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280), attention_head_dim=(5, 10, 20, 20),
    cross_attention_dim=1024, use_linear_projection=True,
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                      "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                    "CrossAttnUpBlock2D"))
SCHEDULER = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "prediction_type": "epsilon"}


def random_refiner(device: str, dtype, *, tiny: bool, backend: str, steps: int = 1):
    """A Refiner of random weights (no download), its bank embedded with random text
    embeddings of the real shape ([77, 1024]; tiny: [77, 32])."""
    import tempfile

    import torch
    from diffusers import AutoencoderTiny, UNet2DConditionModel

    from vj.refine.models import load_models, save_tiny_refiner
    from vj.refine.stage import Refiner

    if tiny:
        with tempfile.TemporaryDirectory() as d:
            unet, vae, text, tok, sched = load_models(str(save_tiny_refiner(d)), device, dtype)
        width = unet.config.cross_attention_dim
    else:
        torch.manual_seed(0)
        unet = UNet2DConditionModel(**SD_TURBO_UNET).to(device, dtype).eval()
        vae = AutoencoderTiny().to(device, dtype).eval()          # TAESD's architecture
        text = tok = None
        sched, width = SCHEDULER, SD_TURBO_UNET["cross_attention_dim"]
    r = Refiner((unet, vae, text, tok, sched), device, dtype, steps=steps, backend=backend,
                name="tiny" if tiny else "sd-turbo architecture")
    emb = torch.randn((2, 77, width), generator=torch.Generator().manual_seed(1))
    r._banks["bench"] = (emb.to(device, dtype), ["a", "b"])
    return r


def bench_refine(*, sizes=(512, 768), backends=("eager", "compile"), frames: int = 50,
                 warmup: int = 5, device: str = "auto", tiny: bool = False,
                 strength: float = 0.4, steps: int = 1, on_row=None) -> list[dict]:
    """Per backend and size: median and p99 ms of encode, step(s), decode and the whole
    stage, and of the stage after a MoVQ decode of the same size (eager torch)."""
    import torch

    from vj.bench.decode import movq_for_bench
    from vj.decode import make_decoder
    from vj.refine.stage import elapsed_parts
    from vj.runtime.device import pick_device

    dev, dtype = pick_device(device)
    cuda = dev.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    name = torch.cuda.get_device_name() if cuda else machine()
    movq, factor = movq_for_bench(tiny)
    rows = []
    for backend in backends:
        try:
            r = random_refiner(dev, dtype, tiny=tiny, backend=backend, steps=steps)
        except Exception as e:
            rows.append({"backend": backend, "error": str(e).splitlines()[0][:160]})
            continue
        for size in sizes:
            rng = np.random.default_rng(size)
            img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            dec = make_decoder("torch", movq.to(dev, dtype), dev, dtype, (1, 4, size // factor,
                                                                         size // factor))
            z = torch.randn((1, 4, size // factor, size // factor)).to(dev, dtype)
            t0 = time.perf_counter()
            for _ in range(warmup):            # compiles here, outside the timing
                r.refine(img, "bench", [0], [0.5], [strength])
            prep = time.perf_counter() - t0
            parts = [elapsed_parts(r, img, "bench", strength) for _ in range(frames)]
            whole, both = [], []
            for i in range(frames):
                sync()
                t = time.perf_counter()
                r.refine(img, "bench", [0], [i / frames], [strength])
                sync()
                whole.append((time.perf_counter() - t) * 1e3)
                t = time.perf_counter()
                pic = dec.decode(z)[0].cpu().numpy()
                r.refine(pic, "bench", [0], [i / frames], [strength])
                sync()
                both.append((time.perf_counter() - t) * 1e3)
            row = {"backend": backend, "size": size, "device": name,
                   "dtype": str(dtype).replace("torch.", ""), "steps": steps, "frames": frames,
                   "prepare_s": prep}
            for k in ("encode_ms", "step_ms", "decode_ms"):
                row[k] = float(np.median([p[k] for p in parts]))
            row["stage_ms"], row["stage_p99"] = float(np.median(whole)), float(
                np.percentile(whole, 99))
            row["with_movq_ms"] = float(np.median(both))
            row["fps_with_movq"] = 1000.0 / row["with_movq_ms"]
            rows.append(row)
            if on_row:
                on_row(row)
    return rows


def format_refine(rows: list[dict]) -> str:
    head = (f"{'backend':8s} {'size':>5s} {'encode':>7s} {'step':>7s} {'decode':>7s} "
            f"{'stage':>7s} {'p99':>7s} {'+MoVQ':>7s} {'fps':>6s}")
    out = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            out.append(f"{r['backend']:8s} not run: {r['error']}")
            continue
        out.append(f"{r['backend']:8s} {r['size']:5d} {r['encode_ms']:7.2f} {r['step_ms']:7.2f} "
                   f"{r['decode_ms']:7.2f} {r['stage_ms']:7.2f} {r['stage_p99']:7.2f} "
                   f"{r['with_movq_ms']:7.2f} {r['fps_with_movq']:6.1f}")
    return "\n".join(out)
