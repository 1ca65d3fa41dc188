"""`vj bench decode`: the MoVQ decoder backends, timed with the real (or tiny) Kandinsky
2.2 architecture and random weights, against the math limit of the device."""
from __future__ import annotations

import time

import numpy as np

from vj.bench.machine import machine


def movq_for_bench(tiny: bool):
    """A MoVQ with random weights and its pixels-per-latent factor."""
    if tiny:
        from vj.generate.tiny import tiny_decoder_pipeline

        return tiny_decoder_pipeline().movq, 2
    from vj.generate.architecture import movq as real_movq

    return real_movq(), 8


#: Dense fp16/bf16 tensor-core peak (TFLOP/s) by GPU name, for the "math limit" column.
PEAK_TFLOPS = {"H200": 989.4, "H100 NVL": 835.0, "H100 PCIe": 756.0, "H100": 989.4,
               "A100": 312.0, "L40S": 362.0, "RTX 4090": 165.2}


def peak_tflops(device_name: str) -> float | None:
    for key, v in PEAK_TFLOPS.items():
        if key.lower() in device_name.lower():
            return v
    return None


def count_flops(module, z) -> float:
    """FLOPs of one call, counted once with torch's flop counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as fc:
        module(z)
    return float(fc.get_total_flops())


def bench_decode(*, sizes=(512, 768), backends=("torch", "compile", "tensorrt", "onnx"),
                 batches=(1,), frames: int = 200, warmup: int = 10, device: str = "auto",
                 tiny: bool = False, check: bool = True, on_row=None) -> list[dict]:
    """Per backend, size and batch: ms per frame (median, p99), fps, speed-up over eager,
    fraction of the GPU's math limit, and PSNR against fp32 eager.  ``on_row(row)`` is
    called as each row is done (a run cut short keeps what it measured)."""
    import torch

    from vj.decode import make_decoder
    from vj.decode.base import movq_module, psnr
    from vj.runtime.device import pick_device

    dev, dtype = pick_device(device)
    cuda = dev.startswith("cuda")
    name = torch.cuda.get_device_name() if cuda else machine()
    peak = peak_tflops(name) if cuda else None
    movq, factor = movq_for_bench(tiny)
    movq = movq.eval()
    rows = []
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    for size in sizes:
        h = size // factor
        ref_module = movq_module(movq.float().to(dev))
        gen = torch.Generator().manual_seed(0)
        z_check = torch.randn((1, 4, h, h), generator=gen)
        with torch.inference_mode():
            ref = ref_module(z_check.to(dev)).cpu().numpy()
        flops_frame = count_flops(ref_module, z_check.to(dev))
        del ref_module
        eager_ms = {}
        for batch in batches:
            z = torch.randn((batch, 4, h, h), generator=gen).to(dev, dtype)
            for backend in backends:
                row = {"backend": backend, "size": size, "batch": batch, "device": name,
                       "dtype": str(dtype).replace("torch.", ""), "flops_per_frame": flops_frame}
                try:
                    t0 = time.perf_counter()
                    dec = make_decoder(backend, movq.to(dev, dtype), dev, dtype, tuple(z.shape))
                    prepare_s = time.perf_counter() - t0   # export, compile, capture
                except Exception as e:
                    row["error"] = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
                    rows.append(row)
                    if on_row:
                        on_row(row)
                    continue
                for _ in range(warmup):
                    dec.decode(z)
                sync()
                times = []
                n_calls = max(1, frames // batch)
                for _ in range(n_calls):
                    t = time.perf_counter()
                    dec.decode(z)
                    sync()
                    times.append((time.perf_counter() - t) / batch)
                ms = np.array(times) * 1000
                row.update(ms_median=float(np.median(ms)), ms_p99=float(np.percentile(ms, 99)),
                           frames=n_calls * batch)
                row["fps"] = 1000.0 / row["ms_median"]
                if backend == "torch":
                    eager_ms[batch] = row["ms_median"]
                row["speedup"] = (eager_ms.get(batch) or eager_ms.get(1) or row["ms_median"]) \
                    / row["ms_median"]
                if peak:
                    row["math_fraction"] = flops_frame / (row["ms_median"] / 1000) / (peak * 1e12)
                if check and batch == 1:
                    out = dec.decode(z_check.to(dev, dtype))
                    row["psnr_db"] = psnr(out.cpu().numpy(), ref)
                row["prepare_s"] = prepare_s
                rows.append(row)
                if on_row:
                    on_row(row)
                del dec
                if cuda:
                    torch.cuda.empty_cache()
    return rows


def format_decode(rows: list[dict]) -> str:
    head = (f"{'backend':9s} {'size':>5s} {'batch':>5s} {'ms/frame':>9s} {'p99':>7s} "
            f"{'fps':>7s} {'speedup':>7s} {'math':>6s} {'PSNR':>7s}")
    out = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            out.append(f"{r['backend']:9s} {r['size']:5d} {r['batch']:5d}  not run: {r['error']}")
            continue
        math_ = f"{100 * r['math_fraction']:5.1f}%" if "math_fraction" in r else "   n/a"
        ps = r.get("psnr_db")
        ps_s = "    inf" if ps == float("inf") else (f"{ps:7.1f}" if ps is not None else "      -")
        out.append(f"{r['backend']:9s} {r['size']:5d} {r['batch']:5d} {r['ms_median']:9.2f} "
                   f"{r['ms_p99']:7.2f} {r['fps']:7.1f} {r['speedup']:6.2f}x {math_} {ps_s}")
    return "\n".join(out)
