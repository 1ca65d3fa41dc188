"""Decoder lab: time variants of the real-architecture MoVQ decoder on a GPU in one run.

    python tools/decode_lab.py --sizes 768 512 --out lab/ [--budget 420] [--variants ...]

Each variant is timed as CUDA-graph replays (median and p99 of --iters runs, events),
checked against fp32 eager of the unmodified decoder (PSNR of the uint8 frames), and
written as one JSON line to OUT/lab.jsonl as soon as it is done, so a run cut short
still leaves its results.  --profile writes the top CUDA kernels of a variant to
OUT/profile-<variant>-<size>.txt.  Variants past the --budget seconds are skipped.
Notes and results: docs/decode-notes.md.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from vj.decode.base import movq_module, psnr
from vj.decode.restructure import REWRITES, restructure
from vj.generate.architecture import movq as real_movq

ALL = REWRITES
FIRST_TWO = ("spatial_norm", "upsample")   # the rewrites of the first lab run
# name -> (rewrites, channels_last, compile mode or None, dtype, freezing[, strict])
# strict: fp16 matrix products without cuBLAS's reduced-precision reductions (the
# attention rewrite gave wrong pictures at 512 on the H200, not at 768 and not on the CPU)
VARIANTS = {
    "eager": ((), False, None, torch.float16, False),
    "eager-cl": ((), True, None, torch.float16, False),
    "eager-rs-cl": (ALL, True, None, torch.float16, False),
    "compile": ((), False, "default", torch.float16, False),
    "compile-rs2-cl": (FIRST_TWO, True, "default", torch.float16, False),
    "compile-rs3-cl": (FIRST_TWO + ("attention",), True, "default", torch.float16, False),
    "compile-rs-cl": (ALL, True, "default", torch.float16, False),
    "compile-rs-gn-cl": (FIRST_TWO + ("group_norm",), True, "default", torch.float16, False),
    "compile-rs-cl-strict": (ALL, True, "default", torch.float16, False, True),
    "compile-rs": (ALL, False, "default", torch.float16, False),
    "compile-rs-cl-freeze": (ALL, True, "default", torch.float16, True),
    "compile-rs-cl-bf16": (ALL, True, "default", torch.bfloat16, False),
    "autotune-rs-cl": (ALL, True, "max-autotune-no-cudagraphs", torch.float16, False),
    # one rewrite at a time, eager, with and without channels-last: where the wrong
    # pictures at 512 on the H200 come from (the graph replay and the direct call apart)
    "eager-rs": (ALL, False, None, torch.float16, False),
    "eager-sn-cl": (("spatial_norm",), True, None, torch.float16, False),
    "eager-sngn-cl": (("spatial_norm", "group_norm"), True, None, torch.float16, False),
    "eager-sngn": (("spatial_norm", "group_norm"), False, None, torch.float16, False),
    "eager-attn-cl": (("attention",), True, None, torch.float16, False),
    "eager-attn": (("attention",), False, None, torch.float16, False),
    "eager-up-cl": (("upsample",), True, None, torch.float16, False),
}


def build(movq, name, z):
    rs, cl, mode, dtype, freeze, *strict = VARIANTS[name]
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = not strict
    m = restructure(movq, rs)[0] if rs else movq
    mod = movq_module(m.to("cuda", dtype)).eval()
    fmt = torch.channels_last if cl else torch.contiguous_format
    mod = mod.to(memory_format=fmt)
    x = z.to("cuda", dtype).contiguous(memory_format=fmt)
    import torch._inductor.config as ic

    ic.freezing = freeze
    fn = torch.compile(mod, mode=mode, dynamic=False) if mode else mod
    t = time.perf_counter()
    with torch.inference_mode():
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                out = fn(x)
        torch.cuda.current_stream().wait_stream(s)
        direct = out.float().cpu().numpy()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            out = fn(x)
    torch.cuda.synchronize()
    return x, out, g, time.perf_counter() - t, direct


def time_graph(g, iters):
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for _ in range(10):
        g.replay()
    torch.cuda.synchronize()
    for a, b in zip(starts, ends):
        a.record()
        g.replay()
        b.record()
    torch.cuda.synchronize()
    ms = np.array([a.elapsed_time(b) for a, b in zip(starts, ends)])
    return float(np.median(ms)), float(np.percentile(ms, 99))


def profile(g, path, top=30):
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as prof

    with prof(activities=[ProfilerActivity.CUDA]) as p:
        for _ in range(5):
            g.replay()
        torch.cuda.synchronize()
    rows = sorted(p.key_averages(), key=lambda e: -e.device_time_total)
    total = sum(e.device_time_total for e in rows) or 1.0
    lines = [f"{'share':>6} {'us/frame':>9} {'calls':>6}  kernel"]
    for e in rows[:top]:
        lines.append(f"{100 * e.device_time_total / total:5.1f}% {e.device_time_total / 5:9.1f} "
                     f"{e.count // 5:6d}  {e.key[:150]}")
    Path(path).write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[768, 512])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument("--profile", nargs="*", default=[], help="variants to profile")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--budget", type=float, default=420.0)
    ap.add_argument("--out", default="lab")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.backends.cudnn.benchmark = True
    t0 = time.perf_counter()
    movq = real_movq().eval()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # non-trivial biases and norm parameters (random weights)
        for p in movq.parameters():
            if p.dim() == 1:
                p.add_(torch.randn(p.shape, generator=gen) * 0.1)
    log = open(out / "lab.jsonl", "a")
    for size in a.sizes:
        h = size // 8
        z = torch.randn((1, 4, h, h), generator=gen)
        with torch.inference_mode():
            ref = movq_module(movq.float().cuda())(z.cuda()).cpu().numpy()
        movq.cpu()
        for name in a.variants:
            if time.perf_counter() - t0 > a.budget:
                print(f"skip {name} {size}: past the budget", flush=True)
                continue
            row = {"variant": name, "size": size}
            try:
                x, o, g, build_s, direct = build(movq, name, z)
                row["psnr_direct_db"] = psnr(direct, ref)      # the call, not the graph
                g.replay()
                torch.cuda.synchronize()
                row["psnr_db"] = psnr(o.cpu().numpy(), ref)
                row["ms_median"], row["ms_p99"] = time_graph(g, a.iters)
                row["build_s"] = build_s
                if name in a.profile:
                    profile(g, out / f"profile-{name}-{size}.txt")
                del x, o, g
            except Exception as e:
                row["error"] = f"{type(e).__name__}: {str(e)[:300]}"
            movq.float().cpu()
            torch.cuda.empty_cache()
            torch._dynamo.reset()
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
